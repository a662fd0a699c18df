/**
 * The person page: identity (masked as the hub answers it), statuses, household, warnings with their
 * evidence, the whole aid history across agencies (table and timeline, duplicates struck through under their
 * primary, each flag in words), every stay as a one-bill statement (一单制) with a stacked bar, and aid recording.
 */
import { useMemo } from 'react';
import { Alert, Button, Card, Col, Descriptions, Empty, Row, Space, Table, Tabs, Tag, Timeline, Typography } from 'antd';
import { fen, money, yuan } from '../api.ts';
import { t } from '../i18n.ts';
import { agencyShort, categoryName, linkName, regionName, sexName, statusName, warningExplain, warningName } from '../glossary.ts';
import { EvidenceText, FlagTags } from '../components.tsx';
import { Chart } from '../chart.tsx';
import { useSystems } from '../systems.tsx';
import type { Claims } from '../session.ts';
import type { Person } from './Lookup.tsx';
import { RecordAidForm } from './RecordAid.tsx';

type Aid = Person['aid']['edges'][number]['node'];
type Stay = Person['settlements'][number];

/** Primaries in payment order, each followed by the records that duplicate it. */
export function withDuplicatesBesidePrimary(aid: readonly Aid[]): Array<Aid & { isDuplicate: boolean }> {
  const byPrimary = new Map<string, Aid[]>();
  const primaries: Aid[] = [];
  const ids = new Set(aid.map((a) => a.id));
  for (const a of aid) {
    const p = a.duplicateOf?.id;
    if (p && ids.has(p)) byPrimary.set(p, [...(byPrimary.get(p) ?? []), a]);
    else primaries.push(a);
  }
  return primaries.flatMap((p) => [{ ...p, isDuplicate: !!p.duplicateOf }, ...(byPrimary.get(p.id) ?? []).map((d) => ({ ...d, isDuplicate: true }))]);
}

const counts = (a: { status: string; duplicateOf?: { id: string } | null }) => a.status !== 'REVERSED' && !a.duplicateOf;

export function PersonView({ person, claims, idNumber, onChanged }: { person: Person; claims: Claims; idNumber: string; onChanged: () => void }) {
  const { agencyOf, programTitle } = useSystems();
  const aid = useMemo(() => withDuplicatesBesidePrimary(person.aid.edges.map((e) => e.node)), [person]);
  const openWarnings = person.warnings.filter((w) => !w.closedAt);
  const canRecord = claims.role === 'CASEWORKER' || claims.role === 'PLATFORM';

  const aidColumns = [
    { title: t('发放日期', 'Paid on'), key: 'paidOn', className: 'rh-nowrap', render: (a: Aid) => a.paidOn ?? `${t('审批', 'approved')} ${a.approvedOn ?? '—'}` },
    { title: t('救助机构', 'Agency'), key: 'agency', render: (a: Aid) => agencyShort(agencyOf(a.system)) },
    { title: t('救助项目', 'Program'), key: 'program', render: (a: Aid) => programTitle(a.program) },
    { title: t('金额', 'Amount'), key: 'amount', align: 'right' as const, className: 'rh-nowrap', render: (a: Aid) => money(a.amount) },
    { title: t('状态', 'Status'), key: 'status', className: 'rh-nowrap', render: (a: Aid) => statusName(a.status) },
    {
      title: t('关联住院', 'Stay'),
      key: 'stay',
      render: (a: Aid) => (a.linkedSettlement ? `${a.linkedSettlement.settlementId}（${linkName(a.linkKind)}）` : linkName(a.linkKind)),
    },
    {
      title: t('标记及说明', 'Flags'),
      key: 'flags',
      className: 'rh-keep',
      render: (a: Aid & { isDuplicate: boolean }) => (
        <Space direction="vertical" size={0}>
          <FlagTags flags={a.flags} excess={a.excess} overridden={!!a.overrideReason} explain />
          {a.duplicateOf && (
            <span className="rh-explain">
              {t('首报记录：', 'Primary: ')}
              {agencyShort(agencyOf(a.duplicateOf.system))} {t('记录号', 'record')} {a.duplicateOf.recordId}
            </span>
          )}
          {a.overrideReason && <span className="rh-explain">{t('超额度理由：', 'Override reason: ')}{a.overrideReason}</span>}
        </Space>
      ),
    },
    { title: t('凭证号 / 记录号', 'Voucher / record'), key: 'rec', render: (a: Aid) => `${a.voucher ?? '—'} / ${a.recordId}` },
  ];

  const timeline = useMemo(() => {
    const items: Array<{ day: string; color: string; children: React.ReactNode }> = [];
    for (const a of aid) {
      const day = a.paidOn ?? a.approvedOn ?? '';
      items.push({
        day,
        color: a.isDuplicate ? 'gray' : a.flags.length ? 'orange' : 'blue',
        children: (
          <span style={a.isDuplicate ? { textDecoration: 'line-through', color: '#595959' } : undefined}>
            {day} {agencyShort(agencyOf(a.system))} · {programTitle(a.program)} · {money(a.amount)} · {statusName(a.status)}{' '}
            {(a.flags.length > 0 || a.excess !== '0.00') && <FlagTags flags={a.flags} excess={a.excess} />}
          </span>
        ),
      });
    }
    for (const s of person.settlements) {
      const day = s.dischargedOn ?? s.admittedOn ?? '';
      items.push({
        day,
        color: 'green',
        children: (
          <span>
            {s.admittedOn}–{s.dischargedOn} {t('住院', 'stay')} {s.hospitalName ?? s.hospitalCode} · {t('总费用', 'total')} {money(s.total)} · {t('个人负担', 'burden')} {money(s.burden)}
          </span>
        ),
      });
    }
    return items.sort((a, b) => a.day.localeCompare(b.day));
  }, [aid, person, agencyOf, programTitle]);

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Card title={t('基本信息', 'Identity')} className="rh-print-hide">
        <Descriptions size="small" column={{ xs: 1, md: 3 }}>
          <Descriptions.Item label={t('姓名', 'Name')}>{person.name ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('身份证号', 'Identity number')}>
            <span data-testid="id-number">{person.idNumber ?? t('临时人员（身份待确认）', 'Provisional (identity unknown)')}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('性别', 'Sex')}>{sexName(person.sex)}</Descriptions.Item>
          <Descriptions.Item label={t('出生日期', 'Born')}>{person.birthDate ?? t('（已隐藏）', '(masked)')}</Descriptions.Item>
          <Descriptions.Item label={t('区县', 'County')}>{person.countyName ?? regionName(person.county)}</Descriptions.Item>
          <Descriptions.Item label={t('地市', 'City')}>{regionName(person.city)}</Descriptions.Item>
        </Descriptions>
        {person.idNumber?.includes('*') && (
          <div className="rh-explain">
            {t('此人不属于本县，也未获本机构救助，身份证号按规定部分隐藏。', 'This person is outside your county and your agency’s recipients: the number is masked.')}
          </div>
        )}
      </Card>

      <Row gutter={16} className="rh-print-hide">
        <Col xs={24} lg={12}>
          <Card title={t('认定身份及有效期', 'Statuses')} size="small">
            {person.statuses.length === 0 ? (
              <Empty description={t('无认定身份', 'No status')} />
            ) : (
              <Table
                size="small"
                pagination={false}
                rowKey={(s) => `${s.category}-${s.validFrom}-${s.system}`}
                dataSource={person.statuses}
                columns={[
                  { title: t('身份', 'Category'), render: (_, s) => categoryName(s.category) },
                  { title: t('有效期', 'Valid'), render: (_, s) => `${s.validFrom} ~ ${s.validTo ?? t('至今', 'now')}` },
                  { title: t('认定机构', 'Certified by'), render: (_, s) => agencyShort(agencyOf(s.system)) },
                ]}
              />
            )}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('家庭成员', 'Household')} size="small" extra={person.household.annualIncome ? `${t('家庭年收入', 'Annual income')} ${money(person.household.annualIncome)}` : null}>
            <Table
              size="small"
              pagination={false}
              rowKey={(m) => m.person.id}
              dataSource={person.household.members}
              locale={{ emptyText: t('单人户', 'Household of one') }}
              columns={[
                { title: t('姓名', 'Name'), render: (_, m) => m.person.name ?? '—' },
                { title: t('与户主关系', 'Relationship'), render: (_, m) => m.relationship ?? '—' },
                { title: t('身份证号', 'Identity number'), render: (_, m) => m.person.idNumber ?? '—' },
              ]}
            />
            <div className="rh-explain">
              {t('家庭个人负担合计', 'Household burden')}：{money(person.household.burden)}
            </div>
          </Card>
        </Col>
      </Row>

      <Card title={t('预警', 'Warnings')} size="small" className="rh-print-hide">
        {openWarnings.length === 0 ? (
          <span>{t('无未关闭的预警。', 'No open warning.')}</span>
        ) : (
          openWarnings.map((w) => (
            <Alert
              key={w.id}
              type="warning"
              showIcon
              style={{ marginBottom: 8 }}
              message={`${warningName(w.kind)}（${t('自', 'since')} ${w.openedAt.slice(0, 10)}）`}
              description={
                <>
                  <div>{warningExplain(w.kind)}</div>
                  <EvidenceText evidence={w.evidence} />
                </>
              }
            />
          ))
        )}
      </Card>

      <Tabs
        items={[
          {
            key: 'history',
            label: t(`救助记录（${person.aid.totalCount}条）`, `Aid history (${person.aid.totalCount})`),
            children: (
              <Space direction="vertical" style={{ width: '100%' }}>
                <div>
                  {t('各机构计入合计', 'Counted total, all agencies')}：<b>{money(person.aid.totalAmount)}</b>
                  <span className="rh-explain">　{t('（划线的是重复上报，紧随其首报记录，不计入合计）', '(struck-through rows are duplicate reports, under their primary; they count nowhere)')}</span>
                </div>
                <Table
                  size="small"
                  rowKey="id"
                  dataSource={aid}
                  columns={aidColumns}
                  pagination={{ pageSize: 50, hideOnSinglePage: true }}
                  rowClassName={(a) => (a.isDuplicate ? 'rh-dup' : '')}
                  scroll={{ x: true }}
                />
              </Space>
            ),
          },
          {
            key: 'timeline',
            label: t('时间轴', 'Timeline'),
            children: timeline.length ? <Timeline items={timeline.map((i) => ({ color: i.color, children: i.children }))} /> : <Empty />,
          },
          {
            key: 'stays',
            label: t(`一单制结算（${person.settlements.length}次住院）`, `One-bill statements (${person.settlements.length})`),
            children: person.settlements.length ? (
              <Space direction="vertical" style={{ width: '100%' }}>
                {person.settlements.map((s) => (
                  <Statement key={s.settlementId} stay={s} person={person} />
                ))}
              </Space>
            ) : (
              <Empty description={t('没有住院结算记录', 'No hospital stay')} />
            ),
          },
          ...(canRecord
            ? [
                {
                  key: 'record',
                  label: t('记录救助', 'Record aid'),
                  children: <RecordAidForm person={person} claims={claims} idNumber={idNumber} onRecorded={onChanged} />,
                },
              ]
            : []),
        ]}
      />
    </Space>
  );
}

/** One stay with every layer that paid for it (一单制结算单), printable on its own. */
function Statement({ stay: s, person }: { stay: Stay; person: Person }) {
  const { agencyOf } = useSystems();
  const byAgency = new Map<string, number>();
  for (const a of s.aid) if (counts(a)) byAgency.set(agencyOf(a.system), (byAgency.get(agencyOf(a.system)) ?? 0) + fen(a.amount));
  const layers: Array<[string, number, string]> = [
    [t('基本医保', 'Basic insurance'), fen(s.basicInsurance), '#1677ff'],
    [t('大病保险', 'Critical illness'), fen(s.criticalIllness), '#69b1ff'],
    [t('职工大额补充', 'Supplement'), fen(s.supplement), '#91caff'],
    [t('医疗救助基金', 'Assistance fund'), fen(s.assistanceFundPaid), '#13c2c2'],
  ];
  const palette = ['#52c41a', '#faad14', '#722ed1', '#eb2f96', '#fa8c16', '#2f54eb', '#a0d911'];
  const agencyLayers: Array<[string, number, string]> = [...byAgency.entries()].map(([ag, f], i) => [agencyShort(ag), f, palette[i % palette.length]!]);
  const remaining: [string, number, string] = [t('剩余个人负担', 'Remaining burden'), fen(s.remaining), '#bfbfbf'];
  const series = [...layers, ...agencyLayers, remaining].map(([name, f, color]) => ({
    name,
    type: 'bar',
    stack: 'bill',
    itemStyle: { color },
    data: [f / 100],
    label: { show: false },
  }));
  const excess = fen(s.excess);
  const print = () => {
    document.body.classList.add('rh-printing');
    const el = document.getElementById(`stmt-${s.settlementId}`);
    el?.classList.add('rh-print-target');
    window.print();
    el?.classList.remove('rh-print-target');
    document.body.classList.remove('rh-printing');
  };
  return (
    <Card
      id={`stmt-${s.settlementId}`}
      className="rh-stmt"
      size="small"
      title={`${t('一单制结算单', 'One-bill statement')} ${s.settlementId}`}
      extra={
        <Button size="small" className="rh-noprint" onClick={print}>
          {t('打印', 'Print')}
        </Button>
      }
    >
      <Typography.Paragraph style={{ marginBottom: 8 }}>
        {person.name} · {s.hospitalName ?? s.hospitalCode} · {s.admittedOn} ~ {s.dischargedOn}
        {s.refundedBy && <Tag color="#a8071a" style={{ marginLeft: 8 }}>{t('结算已退费', 'Refunded')} {s.refundedBy}</Tag>}
      </Typography.Paragraph>
      <Descriptions size="small" bordered column={{ xs: 1, sm: 2, lg: 3 }}>
        <Descriptions.Item label={t('医疗总费用', 'Total cost')}>{money(s.total)}</Descriptions.Item>
        <Descriptions.Item label={t('基本医保', 'Basic insurance')}>{money(s.basicInsurance)}</Descriptions.Item>
        <Descriptions.Item label={t('大病保险', 'Critical illness')}>{money(s.criticalIllness)}</Descriptions.Item>
        <Descriptions.Item label={t('职工大额补充', 'Supplement')}>{money(s.supplement)}</Descriptions.Item>
        <Descriptions.Item label={t('医疗救助基金', 'Assistance fund')}>{money(s.assistanceFundPaid)}</Descriptions.Item>
        <Descriptions.Item label={t('个人负担', 'Personal burden')}>
          <b>{money(s.burden)}</b>
        </Descriptions.Item>
        {[...byAgency.entries()].map(([ag, f]) => (
          <Descriptions.Item key={ag} label={`${agencyShort(ag)} ${t('已计入救助', 'counted aid')}`}>
            {money(yuan(f))}
          </Descriptions.Item>
        ))}
        <Descriptions.Item label={t('已计入救助合计', 'Counted aid')}>{money(s.countedAid)}</Descriptions.Item>
        <Descriptions.Item label={t('超额救助', 'Over-aid')}>
          <span style={excess > 0 ? { color: '#cf1322', fontWeight: 600 } : undefined}>{money(s.excess)}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('剩余可救助额度', 'Remaining capacity')}>
          <b>{money(s.remaining)}</b>
        </Descriptions.Item>
      </Descriptions>
      <Chart
        className="rh-chart-small"
        label={t(
          `结算单${s.settlementId}费用构成：总费用${s.total}元，个人负担${s.burden}元，已计入救助${s.countedAid}元，超额${s.excess}元，剩余${s.remaining}元`,
          `Stay ${s.settlementId}: total ${s.total}, burden ${s.burden}, counted aid ${s.countedAid}, excess ${s.excess}, remaining ${s.remaining}`,
        )}
        option={{
          tooltip: { trigger: 'item', valueFormatter: (v: number) => `¥${v.toFixed(2)}` },
          legend: { bottom: 0, type: 'scroll' },
          grid: { left: 10, right: 20, top: 10, bottom: 40, containLabel: true },
          xAxis: { type: 'value' },
          yAxis: { type: 'category', data: [t('费用', 'Cost')] },
          series,
        }}
      />
      {excess > 0 && (
        <div className="rh-explain" style={{ color: '#cf1322' }}>
          {t(`各机构救助合计超出个人负担 ${money(s.excess)}（超额救助）。`, `Aid exceeds the personal burden by ${money(s.excess)} (over-aid).`)}
        </div>
      )}
    </Card>
  );
}
