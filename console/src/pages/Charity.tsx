/**
 * A charity's question: does this patient meet one of our rules? Yes or no, with the reasons in words and
 * nothing else. A pasted list of identity numbers is answered as a table to download.
 */
import { useEffect, useState } from 'react';
import { Alert, Button, Card, Form, Input, Progress, Result, Select, Space, Table, Tabs } from 'antd';
import { HubError, request } from '../api.ts';
import { EligibilityDocument, PoliciesDocument, type EligibilityQuery, type PoliciesQuery } from '../gql/generated.ts';
import { t } from '../i18n.ts';
import { FormSelect } from '../components.tsx';
import { eligibilityReason } from '../glossary.ts';
import { PurposeGate } from '../components.tsx';

type Answer = EligibilityQuery['eligibility'];
const MAX_BATCH = 200;

export function CharityPage() {
  return (
    <PurposeGate>
      <Eligibility />
    </PurposeGate>
  );
}

function Eligibility() {
  const [rules, setRules] = useState<PoliciesQuery['policies']>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    request(PoliciesDocument).then(
      (d) => setRules(d.policies.filter((p) => p.kind === 'ELIGIBILITY' && p.code.startsWith('CHARITY'))),
      (e) => setError(e instanceof HubError ? e.message : String(e)),
    );
  }, []);
  // Titles are written "中文名称: English explanation"; Chinese readers get the name.
  const options = rules.map((r) => ({ value: r.code, label: t(r.title.split(/:\s/)[0] ?? r.title, r.title) }));
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {error && <Alert type="error" showIcon role="alert" message={error} />}
      <Tabs
        items={[
          { key: 'one', label: t('单人查询', 'One patient'), children: <One options={options} /> },
          { key: 'many', label: t('批量查询', 'A list'), children: <Many options={options} /> },
        ]}
      />
    </Space>
  );
}

function One({ options }: { options: Array<{ value: string; label: string }> }) {
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <Card size="small">
      <Form
        layout="vertical"
        style={{ maxWidth: 560 }}
        aria-label={t('救助资格查询', 'Eligibility')}
        initialValues={{ rule: options[0]?.value }}
        key={options.length}
        onFinish={async (v: { idNumber: string; rule: string }) => {
          setError(null);
          setAnswer(null);
          try {
            setAnswer((await request(EligibilityDocument, { idNumber: v.idNumber.trim(), rule: v.rule })).eligibility);
          } catch (e) {
            setError(e instanceof HubError ? e.message : String(e));
          }
        }}
      >
        <Form.Item name="idNumber" label={t('患者身份证号', "Patient's identity number")} rules={[{ required: true, pattern: /^\s*(\d{17}[\dXx]|\d{15})\s*$/, message: t('请输入完整的18位身份证号。', 'Enter the full identity number.') }]}>
          <Input autoComplete="off" maxLength={24} />
        </Form.Item>
        <Form.Item name="rule" label={t('救助规则', 'Rule')} rules={[{ required: true, message: t('请选择规则。', 'Choose a rule.') }]}>
          <FormSelect options={options} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('查询资格', 'Ask')}
        </Button>
      </Form>
      {error && <Alert type="error" showIcon role="alert" message={error} style={{ marginTop: 16 }} />}
      {answer && (
        <Result
          status={answer.eligible ? 'success' : 'info'}
          title={<span data-testid="eligible">{answer.eligible ? t('符合条件', 'Eligible') : t('不符合条件', 'Not eligible')}</span>}
          subTitle={t(`依据规则 ${answer.ruleCode} 第${answer.ruleVersion}版`, `Under ${answer.ruleCode} version ${answer.ruleVersion}`)}
          extra={
            <ul style={{ textAlign: 'left', display: 'inline-block' }} data-testid="reasons">
              {answer.reasons.map((r) => (
                <li key={r}>{eligibilityReason(r)}</li>
              ))}
            </ul>
          }
        />
      )}
    </Card>
  );
}

interface Line {
  idNumber: string;
  eligible: string;
  reasons: string;
}

function csv(lines: Line[], rule: string): string {
  const cell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const out = [[t('身份证号', 'identity number'), t('是否符合', 'eligible'), t('原因', 'reasons'), t('规则', 'rule')].join(',')];
  for (const l of lines) out.push([l.idNumber, l.eligible, l.reasons, rule].map(cell).join(','));
  return `\ufeff${out.join('\r\n')}\r\n`;
}

function Many({ options }: { options: Array<{ value: string; label: string }> }) {
  const [text, setText] = useState('');
  const [rule, setRule] = useState<string | undefined>(undefined);
  const [lines, setLines] = useState<Line[]>([]);
  const [done, setDone] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const chosen = rule ?? options[0]?.value;

  async function run() {
    const ids = [...new Set(text.split(/[\s,，;；]+/).map((s) => s.trim()).filter(Boolean))];
    if (ids.length === 0 || !chosen) return;
    if (ids.length > MAX_BATCH) {
      setError(t(`一次最多查询 ${MAX_BATCH} 个号码。`, `At most ${MAX_BATCH} numbers at a time.`));
      return;
    }
    setError(null);
    setBusy(true);
    setLines([]);
    setDone(0);
    const out: Line[] = [];
    for (const id of ids) {
      try {
        const a = (await request(EligibilityDocument, { idNumber: id, rule: chosen })).eligibility;
        out.push({ idNumber: id, eligible: a.eligible ? t('符合', 'yes') : t('不符合', 'no'), reasons: a.reasons.map(eligibilityReason).join('；') });
      } catch (e) {
        out.push({ idNumber: id, eligible: t('无法查询', 'error'), reasons: e instanceof HubError ? e.message : String(e) });
      }
      setDone(out.length);
    }
    setLines(out);
    setBusy(false);
  }

  return (
    <Card size="small">
      <Space direction="vertical" style={{ width: '100%' }}>
        <label htmlFor="batch-ids">{t(`粘贴身份证号（每行一个，最多 ${MAX_BATCH} 个）`, `Paste identity numbers (one per line, at most ${MAX_BATCH})`)}</label>
        <Input.TextArea id="batch-ids" rows={6} value={text} onChange={(e) => setText(e.target.value)} style={{ maxWidth: 560 }} />
        <Space>
          <Select aria-label={t('救助规则', 'Rule')} style={{ width: 420 }} value={chosen} onChange={setRule} options={options} />
          <Button type="primary" onClick={() => void run()} loading={busy}>
            {t('批量查询', 'Ask for all')}
          </Button>
          {lines.length > 0 && (
            <Button
              onClick={() => {
                const url = URL.createObjectURL(new Blob([csv(lines, chosen ?? '')], { type: 'text/csv;charset=utf-8' }));
                const a = document.createElement('a');
                a.href = url;
                a.download = `eligibility-${chosen}.csv`;
                a.click();
                setTimeout(() => URL.revokeObjectURL(url), 10_000);
              }}
            >
              {t('下载结果表（CSV）', 'Download the table (CSV)')}
            </Button>
          )}
        </Space>
        {busy && <Progress percent={Math.round((done / Math.max(1, text.split(/\s+/).filter(Boolean).length)) * 100)} />}
        {error && <Alert type="error" showIcon role="alert" message={error} />}
        {lines.length > 0 && (
          <Table
            size="small"
            rowKey="idNumber"
            dataSource={lines}
            pagination={false}
            columns={[
              { title: t('身份证号', 'Identity number'), dataIndex: 'idNumber' },
              { title: t('是否符合', 'Eligible'), dataIndex: 'eligible' },
              { title: t('原因', 'Reasons'), dataIndex: 'reasons' },
            ]}
          />
        )}
      </Space>
    </Card>
  );
}
