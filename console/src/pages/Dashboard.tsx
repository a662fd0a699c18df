/**
 * The platform's dashboard for a quarter: totals; by agency, program, city, county and category as tables
 * and charts; duplicates removed and excess by quarter as trends; funds with balances, overdrawn flags and
 * paid-not-arrived.
 */
import { useEffect, useMemo, useState } from 'react';
import { Alert, Card, Col, Row, Select, Space, Statistic, Table, Tag } from 'antd';
import { fen, HubError, money, request } from '../api.ts';
import { DashboardDocument, QuarterTotalsDocument, type DashboardQuery, type RowFieldsFragment } from '../gql/generated.ts';
import { t } from '../i18n.ts';
import { agencyShort, categoryName, regionName } from '../glossary.ts';
import { Chart } from '../chart.tsx';
import { useSystems } from '../systems.tsx';
import { lastQuarters, quarterLabel, type Quarter } from './quarters.ts';

type Totals = { q: Quarter; totals: RowFieldsFragment; publishedAt: string | null };

export function DashboardPage() {
  const quarters = useMemo(() => lastQuarters(8), []);
  const [trend, setTrend] = useState<Totals[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [data, setData] = useState<DashboardQuery | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { programTitle } = useSystems();

  useEffect(() => {
    Promise.all(quarters.map((q) => request(QuarterTotalsDocument, q).then((d) => ({ q, totals: d.quarterlyReport.totals, publishedAt: d.quarterlyReport.publishedAt }))))
      .then((all) => {
        setTrend(all);
        // The latest ended quarter with aid (a report is of a finished quarter); else the latest with any.
        const ended = all.slice(0, -1);
        const latest = [...ended].reverse().find((x) => x.totals.personTimes > 0) ?? [...all].reverse().find((x) => x.totals.personTimes > 0) ?? all[all.length - 1]!;
        setSelected(quarterLabel(latest.q));
      })
      .catch((e) => setError(e instanceof HubError ? e.message : String(e)));
  }, [quarters]);

  useEffect(() => {
    if (!selected) return;
    const q = quarters.find((x) => quarterLabel(x) === selected)!;
    setData(null);
    request(DashboardDocument, q).then(setData, (e) => setError(e instanceof HubError ? e.message : String(e)));
  }, [selected, quarters]);

  if (error) return <Alert type="error" showIcon role="alert" message={error} />;
  const totals = data?.byAgency.totals;

  const rowTable = (rows: readonly RowFieldsFragment[], dim: keyof RowFieldsFragment, name: (code: string | null | undefined) => string, title: string) => {
    const sorted = [...rows].sort((a, b) => fen(b.amount) - fen(a.amount));
    return (
      <Card size="small" title={title}>
        <Chart
          height={Math.max(140, sorted.length * 26 + 60)}
          label={`${title}：${sorted.map((r) => `${name(r[dim] as string)} ${r.amount}元`).join('，')}`}
          option={{
            tooltip: { trigger: 'axis' },
            grid: { left: 10, right: 20, top: 20, bottom: 10, containLabel: true },
            xAxis: { type: 'value', name: t('元', 'yuan') },
            yAxis: { type: 'category', data: sorted.map((r) => name(r[dim] as string)).reverse() },
            series: [{ type: 'bar', name: t('救助金额', 'Amount'), data: sorted.map((r) => fen(r.amount) / 100).reverse(), itemStyle: { color: '#0b5cad' } }],
          }}
        />
        <Table
          size="small"
          pagination={false}
          rowKey={(r) => String(r[dim])}
          dataSource={sorted}
          columns={[
            { title: title, render: (_, r) => name(r[dim] as string) },
            { title: t('救助人数', 'Persons'), dataIndex: 'persons', align: 'right' },
            { title: t('救助人次', 'Person-times'), dataIndex: 'personTimes', align: 'right' },
            { title: t('救助金额', 'Amount'), align: 'right', render: (_, r) => money(r.amount) },
            { title: t('剔除重复上报', 'Duplicates removed'), align: 'right', render: (_, r) => `${r.duplicateCount}（${money(r.duplicateAmount)}）` },
            { title: t('超额救助', 'Over-aid'), align: 'right', render: (_, r) => money(r.excess) },
          ]}
        />
      </Card>
    );
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Space>
        <span id="quarter-label">{t('季度', 'Quarter')}</span>
        <Select
          aria-labelledby="quarter-label"
          style={{ width: 140 }}
          value={selected ?? undefined}
          onChange={setSelected}
          options={quarters.map((q) => ({ value: quarterLabel(q), label: t(`${q.year}年第${q.quarter}季度`, quarterLabel(q)) }))}
        />
        {data?.byAgency.publishedAt && <Tag color="#237804">{t('已发布', 'Published')} {data.byAgency.publishedAt.slice(0, 10)}</Tag>}
      </Space>
      {totals && (
        <Row gutter={16}>
          {[
            [t('救助人数', 'Persons'), totals.persons],
            [t('救助人次', 'Person-times'), totals.personTimes],
            [t('救助金额', 'Amount counted'), money(totals.amount)],
            [t('剔除重复上报', 'Duplicates removed'), `${totals.duplicateCount}（${money(totals.duplicateAmount)}）`],
            [t('超额救助', 'Over-aid'), money(totals.excess)],
          ].map(([label, value]) => (
            <Col key={String(label)} xs={12} md={8} lg={4}>
              <Card size="small">
                <Statistic title={label} value={value as string} />
              </Card>
            </Col>
          ))}
        </Row>
      )}
      {trend && (
        <Card size="small" title={t('各季度剔除重复上报与超额救助趋势', 'Duplicates removed and over-aid by quarter')}>
          <Chart
            label={trend.map((x) => `${quarterLabel(x.q)}：${t('剔除重复', 'duplicates')} ${x.totals.duplicateAmount}，${t('超额', 'excess')} ${x.totals.excess}`).join('；')}
            option={{
              tooltip: { trigger: 'axis' },
              legend: { top: 0 },
              grid: { left: 10, right: 20, top: 40, bottom: 10, containLabel: true },
              xAxis: { type: 'category', data: trend.map((x) => quarterLabel(x.q)) },
              yAxis: [
                { type: 'value', name: t('剔除重复、超额（元）', 'Duplicates, over-aid (yuan)') },
                { type: 'value', name: t('救助金额（元）', 'Amount (yuan)'), splitLine: { show: false } },
              ],
              series: [
                { type: 'bar', name: t('救助金额', 'Amount'), yAxisIndex: 1, data: trend.map((x) => fen(x.totals.amount) / 100), itemStyle: { color: '#d6e4ff' } },
                { type: 'line', name: t('剔除重复上报金额', 'Duplicates removed'), data: trend.map((x) => fen(x.totals.duplicateAmount) / 100), itemStyle: { color: '#0b5cad' } },
                { type: 'line', name: t('超额救助', 'Over-aid'), data: trend.map((x) => fen(x.totals.excess) / 100), itemStyle: { color: '#cf1322' } },
              ],
            }}
          />
        </Card>
      )}
      {data && (
        <>
          <Row gutter={16}>
            <Col xs={24} xl={12}>{rowTable(data.byAgency.rows, 'agency', agencyShort, t('按机构', 'By agency'))}</Col>
            <Col xs={24} xl={12}>{rowTable(data.byProgram.rows, 'program', programTitle, t('按救助项目', 'By program'))}</Col>
          </Row>
          <Row gutter={16}>
            <Col xs={24} xl={12}>{rowTable(data.byCity.rows, 'city', regionName, t('按市县', 'By city'))}</Col>
            <Col xs={24} xl={12}>{rowTable(data.byCategory.rows, 'category', categoryName, t('按救助对象类别', 'By category'))}</Col>
          </Row>
          {rowTable(data.byCounty.rows, 'county', regionName, t('按区县', 'By county'))}
          <Card size="small" title={t('资金池', 'Fund pool')}>
            <Table
              size="small"
              pagination={false}
              rowKey="fund"
              dataSource={data.byAgency.funds}
              columns={[
                { title: t('资金', 'Fund'), render: (_, f) => `${programTitle(f.program)}（${agencyShort(f.agency)}）` },
                { title: t('期初余额', 'Opening'), align: 'right', render: (_, f) => money(f.opening) },
                { title: t('本期收入', 'Inflows'), align: 'right', render: (_, f) => money(f.inflows) },
                { title: t('本期支出', 'Outflows'), align: 'right', render: (_, f) => money(f.outflows) },
                {
                  title: t('期末余额', 'Closing'),
                  align: 'right',
                  render: (_, f) => (
                    <>
                      {money(f.closing)} {f.overdrawn && <Tag color="#a8071a">{t('透支', 'Overdrawn')}</Tag>}
                    </>
                  ),
                },
                { title: t('已发放未到账', 'Paid, not arrived'), align: 'right', render: (_, f) => money(f.paidNotArrived) },
                {
                  title: t('当前余额', 'Balance now'),
                  align: 'right',
                  render: (_, f) => {
                    const now = data.funds.find((x) => x.code === f.fund);
                    return now ? (
                      <>
                        {money(now.balance)} {now.overdrawn && <Tag color="#a8071a">{t('透支', 'Overdrawn')}</Tag>}
                      </>
                    ) : (
                      '—'
                    );
                  },
                },
              ]}
            />
          </Card>
        </>
      )}
    </Space>
  );
}
