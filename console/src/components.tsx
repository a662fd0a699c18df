/** Pieces several pages share: the purpose fields, evidence in words, flags with their meaning. */
import { useState, type ReactNode } from 'react';
import { Alert, Button, Form, Input, Select, Space, Tag, Tooltip, type SelectProps } from 'antd';
import { t } from './i18n.ts';
import { categoryName, flagExplain, flagName, regionName } from './glossary.ts';
import { money, yuan } from './api.ts';
import { purpose, setPurpose } from './session.ts';


/**
 * A Select inside a required Form.Item: the form puts aria-required on the select's outer div, where ARIA
 * does not allow it (axe: aria-allowed-attr); the requirement is shown by the label's mark and the message.
 */
export function FormSelect(props: SelectProps & { 'aria-required'?: unknown }) {
  const { "aria-required": _required, ...rest } = props;
  return <Select {...rest} />;
}

export function purposeChoices(): string[] {
  return [
    t('审批临时救助申请', 'Approving temporary assistance'),
    t('审核医疗救助申请', 'Reviewing a medical assistance application'),
    t('核对重复或超额救助', 'Checking duplicate or excess aid'),
    t('处理预警线索', 'Following up an early warning'),
    t('答复群众咨询', "Answering the person's enquiry"),
    t('审计检查', 'Audit'),
    t('其他（请在下方说明）', 'Other (explain below)'),
  ];
}

/** The purpose fields of a form: a short list and free text; "other" needs the text. */
export function PurposeFields() {
  const choices = purposeChoices();
  const other = choices[choices.length - 1]!;
  return (
    <>
      <Form.Item
        name="purposeChoice"
        label={t('查询用途', 'Purpose')}
        rules={[{ required: true, message: t('请选择查询用途：每次查询个人信息都要说明用途，并记入访问日志。', 'Choose the purpose: every read of personal data states one and is logged.') }]}
      >
        <FormSelect style={{ minWidth: 260 }} options={choices.map((c) => ({ value: c, label: c }))} placeholder={t('请选择', 'Choose')} />
      </Form.Item>
      <Form.Item
        name="purposeText"
        label={t('用途说明', 'Details')}
        dependencies={['purposeChoice']}
        rules={[
          ({ getFieldValue }) => ({
            validator: (_, v: string | undefined) =>
              getFieldValue('purposeChoice') === other && !(v ?? '').trim()
                ? Promise.reject(new Error(t('选择“其他”时请说明用途。', 'Explain the purpose when choosing “other”.')))
                : Promise.resolve(),
          }),
        ]}
      >
        <Input maxLength={200} placeholder={t('如：申请编号、来访事由（选填）', 'e.g. application number (optional)')} style={{ minWidth: 240 }} />
      </Form.Item>
    </>
  );
}

/** Stores the purpose the form gave; returns it. */
export function applyPurpose(v: { purposeChoice?: string; purposeText?: string }): string {
  const choices = purposeChoices();
  const other = choices[choices.length - 1]!;
  const text = (v.purposeText ?? '').trim();
  const p = v.purposeChoice === other ? text : text ? `${v.purposeChoice}：${text}` : v.purposeChoice!;
  setPurpose(p);
  return p;
}

/** Pages that read personal data ask for the purpose once per session (changeable). */
export function PurposeGate({ children }: { children: ReactNode }) {
  const [current, setCurrent] = useState(purpose());
  const [changing, setChanging] = useState(false);
  if (current && !changing) {
    return (
      <Space direction="vertical" style={{ width: '100%' }}>
        <Alert
          type="info"
          showIcon
          message={
            <span>
              {t('当前查询用途：', 'Current purpose: ')}
              <b data-testid="purpose">{current}</b>{' '}
              <Button size="small" type="link" onClick={() => setChanging(true)}>
                {t('更改', 'Change')}
              </Button>
            </span>
          }
        />
        {children}
      </Space>
    );
  }
  return (
    <Form
      layout="inline"
      aria-label={t('查询用途', 'Purpose')}
      onFinish={(v) => {
        setCurrent(applyPurpose(v));
        setChanging(false);
      }}
    >
      <PurposeFields />
      <Button type="primary" htmlType="submit">
        {t('确定', 'OK')}
      </Button>
    </Form>
  );
}

/** Flags of an aid record as tags; each says what it means on hover and in words beside it when asked. */
export function FlagTags({ flags, excess, overridden, explain = false }: { flags: readonly string[]; excess?: string; overridden?: boolean; explain?: boolean }) {
  const all = [...flags];
  if (excess && excess !== '0.00') all.push('EXCESS');
  if (overridden) all.push('OVERRIDDEN');
  if (all.length === 0) return <span>—</span>;
  // Solid tags with white text: the preset light tags do not reach WCAG AA contrast.
  const color = (f: string) => (f === 'DUPLICATE' || f === 'EXCESS' ? '#a8071a' : f === 'INFERRED_LINK' ? '#0b5cad' : '#ad4e00');
  return (
    <Space direction="vertical" size={2}>
      {all.map((f) => (
        <span key={f}>
          <Tooltip title={flagExplain(f)}>
            <Tag color={color(f)}>{f === 'EXCESS' ? `${flagName(f)} ${money(excess)}` : flagName(f)}</Tag>
          </Tooltip>
          {explain && <div className="rh-explain">{flagExplain(f)}</div>}
        </span>
      ))}
    </Space>
  );
}

const EVIDENCE_LABELS: Record<string, [string, string]> = {
  settlementId: ['结算单号', 'Settlement'],
  dischargedOn: ['出院日期', 'Discharged'],
  admittedOn: ['入院日期', 'Admitted'],
  category: ['认定身份', 'Category'],
  burdenFen: ['个人负担', 'Personal burden'],
  assistanceFundPaidFen: ['医疗救助已支付', 'Assistance fund paid'],
  netBurdenFen: ['扣除救助后的净负担', 'Net burden after aid'],
  annualIncomeFen: ['家庭年收入', 'Annual household income'],
  countedFen: ['已计入救助', 'Counted aid'],
  countedAidFen: ['已计入救助', 'Counted aid'],
  netFen: ['净负担', 'Net burden'],
  windowDays: ['统计天数', 'Window (days)'],
  asOf: ['计算日期', 'As of'],
  incomeShareBp: ['占年收入比例', 'Share of income'],
  fallbackFen: ['收入未知时的标准', 'Threshold when income is unknown'],
  threshold: ['预警标准', 'Threshold'],
  stays: ['相关住院', 'Stays'],
  county: ['区县', 'County'],
  hospitalName: ['医院', 'Hospital'],
};

function evidenceValue(key: string, value: unknown): ReactNode {
  if (value === null || value === undefined) return t('未知', 'unknown');
  if (key.endsWith('Fen') && (typeof value === 'string' || typeof value === 'number')) return money(yuan(Number(value)));
  if (key === 'incomeShareBp') return `${Number(value) / 100}%`;
  if (key === 'category' && typeof value === 'string') return categoryName(value);
  if (key === 'county' && typeof value === 'string') return regionName(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return t('无', 'none');
    return (
      <ul style={{ margin: 0, paddingLeft: 18 }}>
        {value.map((v, i) => (
          <li key={i}>{typeof v === 'object' && v ? <EvidenceText evidence={v as Record<string, unknown>} inline /> : String(v)}</li>
        ))}
      </ul>
    );
  }
  if (typeof value === 'object') return <EvidenceText evidence={value as Record<string, unknown>} inline />;
  return String(value);
}

/** A warning's evidence (JSON) in words: each known key with its Chinese name, money in yuan. */
export function EvidenceText({ evidence, inline = false }: { evidence: unknown; inline?: boolean }) {
  if (!evidence || typeof evidence !== 'object') return null;
  const entries = Object.entries(evidence as Record<string, unknown>);
  const items = entries.map(([k, v]) => {
    const label = EVIDENCE_LABELS[k];
    return (
      <span key={k} style={{ marginRight: 12, display: inline ? 'inline' : 'block' }}>
        {label ? t(label[0], label[1]) : k}：{evidenceValue(k, v)}
      </span>
    );
  });
  return inline ? <span>{items}</span> : <div>{items}</div>;
}
