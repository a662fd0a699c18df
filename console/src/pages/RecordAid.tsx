/**
 * Recording aid: the program (the caseworker's agency's), the amount, the stay it covers. Before saving,
 * the stay's remaining capacity (rule 6) and the fund's balance are shown live; aid above the remaining
 * capacity needs an override reason, which the hub keeps. The hub checks both again, atomically.
 */
import { useEffect, useState } from 'react';
import { Alert, Button, Card, Checkbox, Descriptions, Form, Input, Select, Space } from 'antd';
import { fen, HubError, money, request } from '../api.ts';
import { CapacityDocument, FundBalanceDocument, RecordAidDocument, type CapacityQuery, type FundBalanceQuery, type RecordAidMutation } from '../gql/generated.ts';
import { t } from '../i18n.ts';
import { FormSelect } from '../components.tsx';
import { refusalName } from '../glossary.ts';
import { useSystems } from '../systems.tsx';
import type { Claims } from '../session.ts';
import type { Person } from './Lookup.tsx';

const AMOUNT = /^\d{1,9}(\.\d{1,2})?$/;
const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10); // China Standard Time

interface Values {
  program: string;
  amount: string;
  settlementId?: string;
  hospitalCode?: string;
  voucher?: string;
  approvedOn?: string;
  paid: boolean;
  paidOn?: string;
  overrideReason?: string;
}

type Stay = NonNullable<CapacityQuery['person']>['settlements'][number];

export function RecordAidForm({ person, claims, idNumber, onRecorded }: { person: Person; claims: Claims; idNumber: string; onRecorded: () => void }) {
  const [form] = Form.useForm<Values>();
  const { programsOfAgency } = useSystems();
  const programs = programsOfAgency(claims.role === 'CASEWORKER' ? claims.agency : null);
  const program = Form.useWatch('program', form);
  const settlementId = Form.useWatch('settlementId', form);
  const amount = Form.useWatch('amount', form);
  const paid = Form.useWatch('paid', form);
  const [capacity, setCapacity] = useState<Stay | null>(null);
  const [fund, setFund] = useState<FundBalanceQuery['fund'] | null>(null);
  const [result, setResult] = useState<RecordAidMutation['recordAid'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    setCapacity(null);
    if (!settlementId) return;
    let live = true;
    request(CapacityDocument, { idNumber }).then(
      (d) => live && setCapacity(d.person?.settlements.find((x) => x.settlementId === settlementId) ?? null),
      () => live && setCapacity(null),
    );
    return () => {
      live = false;
    };
  }, [settlementId, result]);

  useEffect(() => {
    setFund(null);
    const p = programs.find((x) => x.code === program);
    if (!p) return;
    let live = true;
    request(FundBalanceDocument, { code: p.fundCode }).then(
      (d) => live && setFund(d.fund ?? null),
      () => live && setFund(null),
    );
    return () => {
      live = false;
    };
  }, [program, result]);

  const over = capacity && amount && AMOUNT.test(amount) ? fen(amount) > fen(capacity.remaining) : false;
  const overFund = fund && amount && AMOUNT.test(amount) ? fen(amount) > fen(fund.balance) : false;

  async function submit(v: Values) {
    setSaving(true);
    setError(null);
    setResult(null);
    try {
      const d = await request(RecordAidDocument, {
        input: {
          idNumber,
          program: v.program,
          amount: v.amount,
          settlementId: v.settlementId || null,
          hospitalCode: v.settlementId ? null : v.hospitalCode?.trim() || null,
          voucher: v.voucher?.trim() || null,
          approvedOn: v.approvedOn || null,
          paidOn: v.paid ? v.paidOn || today() : null,
          overrideReason: over ? v.overrideReason?.trim() || null : null,
        },
      });
      setResult(d.recordAid);
      if (d.recordAid.__typename === 'AidRecorded') {
        form.resetFields(['amount', 'voucher', 'overrideReason']);
        onRecorded();
      }
    } catch (e) {
      setError(e instanceof HubError ? e.message : String(e));
    } finally {
      setSaving(false);
    }
  }

  const stays = person.settlements.filter((s) => !s.refundedBy);
  return (
    <Card size="small">
      <Form<Values>
        form={form}
        layout="vertical"
        aria-label={t('记录救助', 'Record aid')}
        style={{ maxWidth: 640 }}
        initialValues={{ program: programs.length === 1 ? programs[0]!.code : undefined, paid: true, paidOn: today(), approvedOn: today() }}
        onFinish={submit}
      >
        <Form.Item label={t('救助对象', 'Recipient')}>
          <span>
            {person.name} · {person.idNumber}
          </span>
        </Form.Item>
        <Form.Item name="program" label={t('救助项目', 'Program')} rules={[{ required: true, message: t('请选择救助项目。', 'Choose the program.') }]}>
          <FormSelect
            options={programs.map((p) => ({ value: p.code, label: p.title }))}
            placeholder={t('请选择', 'Choose')}
          />
        </Form.Item>
        <Form.Item name="settlementId" label={t('对应住院（结算单）', 'Hospital stay (settlement)')}>
          <Select
            allowClear
            placeholder={t('不关联住院（一般救助）', 'No stay (general aid)')}
            options={stays.map((s) => ({ value: s.settlementId, label: `${s.settlementId} · ${s.hospitalName ?? s.hospitalCode ?? ''} · ${s.admittedOn}~${s.dischargedOn} · ${t('剩余', 'remaining')} ${money(s.remaining)}` }))}
          />
        </Form.Item>
        {capacity && (
          <Descriptions size="small" bordered column={3} style={{ marginBottom: 16 }} data-testid="capacity">
            <Descriptions.Item label={t('个人负担', 'Burden')}>{money(capacity.burden)}</Descriptions.Item>
            <Descriptions.Item label={t('已计入救助', 'Counted aid')}>{money(capacity.countedAid)}</Descriptions.Item>
            <Descriptions.Item label={t('剩余可救助额度', 'Remaining')}>
              <b>{money(capacity.remaining)}</b>
            </Descriptions.Item>
          </Descriptions>
        )}
        {!settlementId && (
          <Form.Item name="hospitalCode" label={t('医院编码（未关联住院时选填）', 'Hospital code (optional)')}>
            <Input maxLength={40} />
          </Form.Item>
        )}
        <Form.Item
          name="amount"
          label={t('救助金额（元）', 'Amount (yuan)')}
          rules={[
            { required: true, message: t('请输入金额。', 'Enter the amount.') },
            { pattern: AMOUNT, message: t('金额格式如 1200 或 1200.50。', 'An amount like 1200 or 1200.50.') },
          ]}
          extra={fund ? `${t('资金余额', 'Fund balance')}：${money(fund.balance)}${fund.overdrawn ? t('（已透支）', ' (overdrawn)') : ''}` : undefined}
        >
          <Input inputMode="decimal" maxLength={14} style={{ width: 200 }} />
        </Form.Item>
        {over && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 16 }}
            role="status"
            message={t(
              `金额超出该次住院的剩余可救助额度 ${money(capacity!.remaining)}，超出部分将成为超额救助。如确需发放，请填写理由。`,
              `The amount is above the stay's remaining capacity ${money(capacity!.remaining)}. Give a reason to go above it.`,
            )}
          />
        )}
        {over && (
          <Form.Item name="overrideReason" label={t('超额度发放理由', 'Reason to go above the capacity')} rules={[{ required: true, whitespace: true, message: t('超出剩余额度时必须填写理由。', 'A reason is required above the capacity.') }]}>
            <Input.TextArea rows={2} maxLength={500} />
          </Form.Item>
        )}
        {overFund && <Alert type="error" showIcon style={{ marginBottom: 16 }} message={t('资金余额不足，平台将拒绝此笔救助。', 'The fund’s balance does not cover this amount.')} />}
        <Space wrap>
          <Form.Item name="voucher" label={t('凭证号', 'Voucher')}>
            <Input maxLength={60} />
          </Form.Item>
          <Form.Item name="approvedOn" label={t('审批日期', 'Approved on')}>
            <Input type="date" />
          </Form.Item>
          <Form.Item name="paid" valuePropName="checked" label={t('是否已发放', 'Paid')}>
            <Checkbox>{t('已发放', 'Paid')}</Checkbox>
          </Form.Item>
          {paid && (
            <Form.Item name="paidOn" label={t('发放日期', 'Paid on')}>
              <Input type="date" />
            </Form.Item>
          )}
        </Space>
        <Form.Item>
          <Button type="primary" htmlType="submit" loading={saving}>
            {t('提交救助记录', 'Record the aid')}
          </Button>
        </Form.Item>
      </Form>
      {error && <Alert type="error" showIcon role="alert" message={error} />}
      {result?.__typename === 'AidRecorded' && (
        <Alert
          type="success"
          showIcon
          role="status"
          message={t(`已记录救助 ${money(result.aid.amount)}${result.overridden ? '（超额度发放，理由已保存）' : ''}。`, `Recorded ${money(result.aid.amount)}${result.overridden ? ' (above the capacity, reason kept)' : ''}.`)}
        />
      )}
      {result?.__typename === 'AidRefused' && (
        <Alert
          type="error"
          showIcon
          role="alert"
          message={`${t('未记录：', 'Not recorded: ')}${refusalName(result.reason)}`}
          description={[
            result.remaining !== null ? `${t('剩余可救助额度', 'Remaining')} ${money(result.remaining)}` : null,
            result.balance !== null ? `${t('资金余额', 'Fund balance')} ${money(result.balance)}` : null,
          ]
            .filter(Boolean)
            .join('；')}
        />
      )}
    </Card>
  );
}
