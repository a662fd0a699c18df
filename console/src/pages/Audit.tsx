/**
 * The access log for auditors: who read whose record, when, for what purpose and which fields. Who, whose
 * and when filter on the hub; purpose and fields filter the loaded entries.
 */
import { useState } from 'react';
import { Alert, Button, Form, Input, Space, Table, Tag } from 'antd';
import { HubError, request } from '../api.ts';
import { AccessLogDocument, type AccessLogQuery } from '../gql/generated.ts';
import { t } from '../i18n.ts';
import { agencyShort, regionName, roleName } from '../glossary.ts';
import { PurposeGate } from '../components.tsx';

type Entry = AccessLogQuery['accessLog']['edges'][number]['node'];

interface Filter {
  actor?: string;
  subjectIdNumber?: string;
  from?: string;
  to?: string;
  purpose?: string;
  field?: string;
}

/** A `datetime-local` value read as China Standard Time. */
const cst = (v: string | undefined) => (v ? `${v.length === 16 ? v + ':00' : v}+08:00` : null);
const decodePurpose = (p: string | null) => {
  if (!p) return '';
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
};

export function AuditPage() {
  return (
    <PurposeGate>
      <Log />
    </PurposeGate>
  );
}

function Log() {
  const [entries, setEntries] = useState<Entry[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [filter, setFilter] = useState<Filter>({});
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  async function load(f: Filter, after: string | null) {
    setLoading(true);
    setError(null);
    try {
      const d = await request(AccessLogDocument, {
        actor: f.actor?.trim() || null,
        subjectIdNumber: f.subjectIdNumber?.trim() || null,
        from: cst(f.from),
        to: cst(f.to),
        first: 200,
        after,
      });
      const c = d.accessLog;
      setEntries((prev) => (after ? [...prev, ...c.edges.map((e) => e.node)] : c.edges.map((e) => e.node)));
      setTotal(c.totalCount);
      setNext(c.pageInfo.hasNextPage ? c.pageInfo.endCursor ?? null : null);
    } catch (e) {
      setError(e instanceof HubError ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  }

  const shown = entries.filter(
    (e) =>
      (!filter.purpose || decodePurpose(e.purpose).includes(filter.purpose.trim())) &&
      (!filter.field || e.fields.some((x) => x.toLowerCase().includes(filter.field!.trim().toLowerCase()))),
  );

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Form
        layout="inline"
        aria-label={t('筛选访问日志', 'Filter the access log')}
        onFinish={(v: Filter) => {
          setFilter(v);
          void load(v, null);
        }}
      >
        <Form.Item name="actor" label={t('访问者', 'Who')}>
          <Input placeholder="demo-caseworker" style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="subjectIdNumber" label={t('被查询人身份证号', 'Whose record')}>
          <Input style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="from" label={t('从', 'From')}>
          <Input type="datetime-local" />
        </Form.Item>
        <Form.Item name="to" label={t('到', 'To')}>
          <Input type="datetime-local" />
        </Form.Item>
        <Form.Item name="purpose" label={t('用途包含', 'Purpose contains')}>
          <Input style={{ width: 140 }} />
        </Form.Item>
        <Form.Item name="field" label={t('字段包含', 'Field contains')}>
          <Input placeholder="Person.idNumber" style={{ width: 160 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={loading}>
          {t('查询', 'Search')}
        </Button>
      </Form>
      {error && <Alert type="error" showIcon role="alert" message={error} />}
      {total !== null && (
        <span data-testid="log-total">
          {t(`共 ${total} 条，已载入 ${entries.length} 条，符合用途/字段筛选 ${shown.length} 条`, `${total} entries, ${entries.length} loaded, ${shown.length} match purpose/field`)}
        </span>
      )}
      <Table
        size="small"
        rowKey="id"
        dataSource={shown}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        scroll={{ x: true }}
        columns={[
          { title: t('时间', 'When'), className: 'rh-nowrap', render: (_, e) => e.at.replace('T', ' ').slice(0, 19) },
          {
            title: t('访问者', 'Who'),
            render: (_, e) => (
              <>
                <div>{e.actor}</div>
                <div className="rh-explain">{[roleName(e.actorRole), e.actorAgency ? agencyShort(e.actorAgency) : null, e.actorCounty ? regionName(e.actorCounty) : null].filter(Boolean).join(' · ')}</div>
              </>
            ),
          },
          { title: t('被查询人', 'Whose record'), className: 'rh-nowrap', render: (_, e) => e.subjectIdNumber ?? '—' },
          { title: t('用途', 'Purpose'), width: 220, render: (_, e) => decodePurpose(e.purpose) || <Tag color="#a8071a">{t('未说明', 'none')}</Tag> },
          {
            title: t('读取的字段', 'Fields'),
            render: (_, e) => {
              const byType = new Map<string, string[]>();
              for (const f of e.fields) {
                const [type, field] = f.split('.');
                byType.set(type!, [...(byType.get(type!) ?? []), field ?? f]);
              }
              return (
                <details>
                  <summary>{[...byType.entries()].map(([type, fs]) => t(`${type} ${fs.length}项`, `${type} ${fs.length}`)).join('，')}</summary>
                  <span style={{ fontSize: 12 }}>{e.fields.join(', ')}</span>
                </details>
              );
            },
          },
          { title: t('操作', 'Operation'), dataIndex: 'operation' },
        ]}
      />
      {next && <Button onClick={() => void load(filter, next)}>{t('加载更多', 'More')}</Button>}
    </Space>
  );
}
