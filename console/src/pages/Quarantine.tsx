/**
 * The quarantine: records that could not be used, with the reason, where they were (file and location) and
 * the raw text; one can be re-processed with corrected fields once its source has fixed it.
 */
import { useEffect, useState } from 'react';
import { Alert, Button, Checkbox, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { HubError, request } from '../api.ts';
import { QuarantineDocument, ReprocessDocument, type QuarantineFieldsFragment, type ReprocessMutation } from '../gql/generated.ts';
import { t } from '../i18n.ts';
import { quarantineReason } from '../glossary.ts';
import { PurposeGate } from '../components.tsx';
import { useSystems } from '../systems.tsx';

export function QuarantinePage() {
  return (
    <PurposeGate>
      <Browser />
    </PurposeGate>
  );
}

function location(l: unknown): string {
  if (!l || typeof l !== 'object') return String(l ?? '—');
  const o = l as Record<string, unknown>;
  const parts: string[] = [];
  if (o.line !== undefined) parts.push(t(`第${o.line}行`, `line ${o.line}`));
  if (o.sheet !== undefined) parts.push(t(`工作表 ${o.sheet}`, `sheet ${o.sheet}`));
  if (o.row !== undefined) parts.push(t(`第${o.row}行`, `row ${o.row}`));
  // The file is shown in its own column.
  for (const [k, v] of Object.entries(o)) if (!['line', 'sheet', 'row', 'file'].includes(k)) parts.push(`${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return parts.join('，');
}

function Browser() {
  const { systems } = useSystems();
  const [system, setSystem] = useState<string | undefined>();
  const [includeResolved, setIncludeResolved] = useState(false);
  const [items, setItems] = useState<QuarantineFieldsFragment[]>([]);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<QuarantineFieldsFragment | null>(null);
  const [corrections, setCorrections] = useState('');
  const [outcome, setOutcome] = useState<ReprocessMutation['reprocessQuarantined'] | null>(null);

  async function load(after: string | null) {
    setError(null);
    try {
      const d = await request(QuarantineDocument, { system: system ?? null, includeResolved, first: 50, after });
      const c = d.quarantine;
      setItems((prev) => (after ? [...prev, ...c.edges.map((e) => e.node)] : c.edges.map((e) => e.node)));
      setTotal(c.totalCount);
      setNext(c.pageInfo.hasNextPage ? c.pageInfo.endCursor ?? null : null);
    } catch (e) {
      setError(e instanceof HubError ? e.message : String(e));
    }
  }
  useEffect(() => void load(null), [system, includeResolved]);

  async function reprocess() {
    if (!editing) return;
    let parsed: Record<string, string> | null = null;
    const text = corrections.trim();
    if (text) {
      parsed = {};
      for (const line of text.split('\n')) {
        const m = line.match(/^\s*([^=：:]+?)\s*[=：:]\s*(.*)$/);
        if (!m) {
          setError(t(`无法理解这一行：${line}（格式：字段名=新值）`, `Cannot read: ${line} (field=value)`));
          return;
        }
        parsed[m[1]!] = m[2]!;
      }
    }
    try {
      const d = await request(ReprocessDocument, { id: editing.id, corrections: parsed });
      setOutcome(d.reprocessQuarantined);
      await load(null);
    } catch (e) {
      setError(e instanceof HubError ? e.message : String(e));
    }
  }

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Select aria-label={t('来源系统', 'Source system')} allowClear placeholder={t('全部系统', 'All systems')} style={{ width: 260 }} value={system} onChange={setSystem} options={systems.map((s) => ({ value: s.code, label: s.title }))} />
        <Checkbox checked={includeResolved} onChange={(e) => setIncludeResolved(e.target.checked)}>
          {t('包括已处理', 'Include resolved')}
        </Checkbox>
        <span data-testid="quarantine-total">{t(`共 ${total} 条`, `${total} records`)}</span>
      </Space>
      {error && <Alert type="error" showIcon role="alert" message={error} />}
      <Table
        size="small"
        rowKey="id"
        dataSource={items}
        pagination={false}
        scroll={{ x: true }}
        columns={[
          { title: t('原因', 'Reason'), render: (_, q) => (<><Tag color="#a8071a">{quarantineReason(q.reasonCode)}</Tag><div className="rh-explain">{q.message}</div></>) },
          { title: t('来源', 'Source'), render: (_, q) => (<><div>{systems.find((s) => s.code === q.system)?.title ?? q.system}</div><div className="rh-explain">{q.file}</div></>) },
          { title: t('位置', 'Location'), render: (_, q) => location(q.location) },
          { title: t('原始内容', 'Raw text'), render: (_, q) => <Typography.Text code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>{q.raw.slice(0, 300)}</Typography.Text> },
          { title: t('状态', 'State'), render: (_, q) => (q.resolvedAt ? <Tag color="#237804">{q.resolution === 'REPROCESSED' ? t('已重新处理', 'Reprocessed') : t('已被新数据替代', 'Superseded')}</Tag> : <Tag>{t('待处理', 'Open')}</Tag>) },
          {
            title: t('操作', 'Action'),
            render: (_, q) =>
              q.resolvedAt ? null : (
                <Button size="small" onClick={() => { setEditing(q); setCorrections(''); setOutcome(null); }}>
                  {t('更正并重新处理', 'Correct and reprocess')}
                </Button>
              ),
          },
        ]}
      />
      {next && <Button onClick={() => void load(next)}>{t('加载更多', 'More')}</Button>}
      <Modal
        open={!!editing}
        title={t('更正并重新处理', 'Correct and reprocess')}
        okText={t('重新处理', 'Reprocess')}
        cancelText={t('关闭', 'Close')}
        onOk={() => void reprocess()}
        onCancel={() => setEditing(null)}
      >
        {editing && (
          <Space direction="vertical" style={{ width: '100%' }}>
            <div>
              <Tag color="#a8071a">{quarantineReason(editing.reasonCode)}</Tag> {editing.message}
            </div>
            <Typography.Text code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>{editing.raw}</Typography.Text>
            <label htmlFor="corrections">{t('更正的字段（每行一个：字段名=新值；留空则按原样重新处理）', 'Corrected fields, one per line: field=value (empty: map again as stored)')}</label>
            <Input.TextArea id="corrections" rows={4} value={corrections} onChange={(e) => setCorrections(e.target.value)} placeholder="身份证号=460105…" />
            {outcome && (
              <Alert
                role="status"
                type={outcome.outcome === 'APPLIED' ? 'success' : 'warning'}
                showIcon
                message={outcome.outcome === 'APPLIED' ? t('已成功处理并入库。', 'Applied.') : outcome.outcome === 'ALREADY_RESOLVED' ? t('该记录已处理过。', 'Already resolved.') : `${t('仍无法使用：', 'Still quarantined: ')}${quarantineReason(outcome.reasonCode ?? '')} ${outcome.message ?? ''}`}
              />
            )}
          </Space>
        )}
      </Modal>
    </Space>
  );
}
