/**
 * The review queue: flagged records to decide (a caseworker sees its agency's), each with the records the
 * flag is about. A decision needs a reason; decisions taken here can be undone (the hub keeps every
 * decision; deciding again puts the opposite in force).
 */
import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, Input, Select, Space, Table, Tag } from 'antd';
import { HubError, money, request } from '../api.ts';
import { ResolveReviewDocument, ReviewQueueDocument, type ReviewFieldsFragment, type ReviewKind, type ReviewDecisionKind } from '../gql/generated.ts';
import { t } from '../i18n.ts';
import { agencyShort, flagExplain, flagName } from '../glossary.ts';
import { PurposeGate } from '../components.tsx';
import { useSystems } from '../systems.tsx';
import type { Claims } from '../session.ts';

const KINDS: ReviewKind[] = ['DUPLICATE', 'VOUCHER_CONFLICT', 'SUSPECTED_DUPLICATE', 'SETTLEMENT_PERSON_MISMATCH'];

/** What each decision does, in the words of the flag it decides. */
function decisionText(kind: string, d: ReviewDecisionKind): string {
  if (kind === 'DUPLICATE') return d === 'CONFIRM' ? t('确认重复（不计入）', 'Confirm duplicate') : t('不是重复（恢复计入）', 'Not a duplicate (counts again)');
  if (kind === 'SETTLEMENT_PERSON_MISMATCH') return d === 'CONFIRM' ? t('确认不符（按一般救助）', 'Confirm (general aid)') : t('标记有误', 'The flag is wrong');
  return d === 'CONFIRM' ? t('确认重复（此笔不计入）', 'Confirm duplicate (stops counting)') : t('不是重复（两笔都计入）', 'Not a duplicate (both count)');
}

export function ReviewPage({ claims }: { claims: Claims }) {
  return (
    <PurposeGate>
      <Queue claims={claims} />
    </PurposeGate>
  );
}

function Queue({ claims }: { claims: Claims }) {
  const { agencyOf, programTitle } = useSystems();
  const [kind, setKind] = useState<ReviewKind | undefined>(undefined);
  const [items, setItems] = useState<ReviewFieldsFragment[]>([]);
  const [total, setTotal] = useState(0);
  const [decided, setDecided] = useState<ReviewFieldsFragment[]>([]);
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      const d = await request(ReviewQueueDocument, { kind: kind ?? null, first: 100 });
      setItems(d.reviewQueue.edges.map((e) => e.node));
      setTotal(d.reviewQueue.totalCount);
    } catch (e) {
      setError(e instanceof HubError ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  }, [kind]);
  useEffect(() => void load(), [load]);

  async function decide(item: ReviewFieldsFragment, decision: ReviewDecisionKind, reason: string) {
    setError(null);
    try {
      const d = await request(ResolveReviewDocument, { id: item.id, decision, reason });
      setDecided((prev) => [d.resolveReview, ...prev.filter((x) => x.id !== item.id)]);
      setReasons((r) => ({ ...r, [item.id]: '' }));
      await load();
    } catch (e) {
      setError(e instanceof HubError ? e.message : String(e));
    }
  }

  const describe = (a: ReviewFieldsFragment['aid'] | ReviewFieldsFragment['related'][number]) =>
    `${a.paidOn ?? '—'} ${agencyShort(agencyOf(a.system))} ${programTitle(a.program)} ${money(a.amount)}（${t('凭证', 'voucher')} ${a.voucher ?? '—'}）`;

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space>
        <span>{t('类型', 'Kind')}</span>
        <Select
          aria-label={t('复核类型', 'Kind')}
          allowClear
          style={{ width: 220 }}
          placeholder={t('全部', 'All')}
          value={kind}
          onChange={(v) => setKind(v)}
          options={KINDS.map((k) => ({ value: k, label: flagName(k) }))}
        />
        <span data-testid="review-total">{t(`待复核 ${total} 条`, `${total} open`)}</span>
        {claims.role === 'CASEWORKER' && <span className="rh-explain">{t('（仅本机构的记录）', "(your agency's records)")}</span>}
      </Space>
      {error && <Alert type="error" showIcon role="alert" message={error} />}
      <Table
        size="small"
        loading={loading}
        rowKey="id"
        dataSource={items}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          {
            title: t('标记', 'Flag'),
            render: (_, i) => (
              <>
                <Tag color="#ad4e00">{flagName(i.kind)}</Tag>
                <div className="rh-explain">{flagExplain(i.kind)}</div>
              </>
            ),
          },
          { title: t('人员', 'Person'), render: (_, i) => `${i.aid.person.name ?? ''} ${i.aid.person.idNumber ?? ''}` },
          {
            title: t('记录及相关记录', 'Record and related'),
            render: (_, i) => (
              <>
                <div>{describe(i.aid)}</div>
                {i.related.map((r) => (
                  <div key={r.id} className="rh-explain">
                    ↔ {describe(r)}
                  </div>
                ))}
              </>
            ),
          },
          {
            title: t('决定', 'Decision'),
            render: (_, i) => (
              <Space direction="vertical">
                <Input
                  aria-label={t('决定理由', 'Reason')}
                  placeholder={t('决定理由（必填）', 'Reason (required)')}
                  value={reasons[i.id] ?? ''}
                  onChange={(e) => setReasons((r) => ({ ...r, [i.id]: e.target.value }))}
                />
                <Space>
                  {(['CONFIRM', 'DISMISS'] as const).map((d) => (
                    <Button key={d} size="small" type={d === 'CONFIRM' ? 'primary' : 'default'} disabled={(reasons[i.id] ?? '').trim().length < 4} onClick={() => void decide(i, d, reasons[i.id]!.trim())}>
                      {decisionText(i.kind, d)}
                    </Button>
                  ))}
                </Space>
              </Space>
            ),
          },
        ]}
      />
      {decided.length > 0 && (
        <Card size="small" title={t('本次已作出的决定', 'Decided in this session')}>
          {decided.map((i) => (
            <Space key={i.id} style={{ display: 'flex', marginBottom: 8 }} wrap>
              <Tag>{flagName(i.kind)}</Tag>
              <span>{describe(i.aid)}</span>
              <b data-testid="decision">{i.decision ? decisionText(i.kind, i.decision.decision) : t('未决定', 'undecided')}</b>
              <span className="rh-explain">{i.decision?.reason}</span>
              {i.decision && (
                <Button size="small" onClick={() => void decide(i, i.decision!.decision === 'CONFIRM' ? 'DISMISS' : 'CONFIRM', `${t('撤销决定', 'Undo')}：${i.decision!.reason}`)}>
                  {t('撤销此决定', 'Undo this decision')}
                </Button>
              )}
            </Space>
          ))}
        </Card>
      )}
    </Space>
  );
}
