/**
 * The quarterly report (季度救助资金使用情况通报): publishing an ended quarter, and downloads of every report
 * (summary by any dimensions, funds) as CSV or JSON. CSV is the hub's own format (src/reports/format.ts,
 * bilingual headers, UTF-8 with a BOM); when the hub serves `quarterlyReportFile` (XLSX too), downloads use it.
 */
import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Card, Checkbox, Descriptions, Popconfirm, Select, Space, Tag } from 'antd';
import { fen, HubError, request, tryRaw } from '../api.ts';
import { PublishDocument, PublishedDocument, ReportForDownloadDocument, type PublishedQuery, type ReportDimension, type ReportForDownloadQuery, type RowFieldsFragment } from '../gql/generated.ts';
import { reportCsv } from '../../../src/reports/format.ts';
import type { QuarterlyReport, ReportRow } from '../../../src/reports/quarterly.ts';
import { t } from '../i18n.ts';
import { currentQuarter, lastQuarters, quarterLabel } from './quarters.ts';

const DIMENSIONS: Array<[ReportDimension, string, string]> = [
  ['AGENCY', '机构', 'Agency'],
  ['PROGRAM', '救助项目', 'Program'],
  ['SYSTEM', '来源系统', 'Source system'],
  ['CITY', '地市', 'City'],
  ['COUNTY', '区县', 'County'],
  ['CATEGORY', '救助对象类别', 'Category'],
];

type Report = ReportForDownloadQuery['quarterlyReport'];

const big = (y: string) => BigInt(fen(y));
const row = (r: RowFieldsFragment): ReportRow => ({ ...r, amount: big(r.amount), duplicateAmount: big(r.duplicateAmount), excess: big(r.excess) });

/** The GraphQL answer in the hub's report shape, so that the CSV is written by the hub's one formatter. */
export function toHubReport(r: Report, groupBy: ReportDimension[]): QuarterlyReport {
  return {
    year: r.year,
    quarter: r.quarter,
    from: '',
    to: '',
    groupBy: groupBy as QuarterlyReport['groupBy'],
    rows: r.rows.map(row),
    totals: row(r.totals),
    funds: r.funds.map((f) => ({ ...f, opening: big(f.opening), inflows: big(f.inflows), outflows: big(f.outflows), closing: big(f.closing), paidNotArrived: big(f.paidNotArrived) })),
  };
}

function download(name: string, type: string, content: BlobPart) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const FILE_QUERY = `query ReportFile($year: Int!, $quarter: Int!, $format: ReportFileFormat!, $groupBy: [ReportDimension!]) {
  quarterlyReportFile(year: $year, quarter: $quarter, format: $format, groupBy: $groupBy) { filename contentType base64 sha256 }
}`;

export function ReportsPage() {
  const quarters = useMemo(() => lastQuarters(12), []);
  const now = currentQuarter();
  const [selected, setSelected] = useState(quarterLabel(quarters[quarters.length - 2]!));
  const q = quarters.find((x) => quarterLabel(x) === selected)!;
  const ended = q.year < now.year || (q.year === now.year && q.quarter < now.quarter);
  const [published, setPublished] = useState<PublishedQuery['publishedQuarterlyReport'] | undefined>(undefined);
  const [groupBy, setGroupBy] = useState<ReportDimension[]>(['AGENCY', 'PROGRAM']);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    setPublished(undefined);
    request(PublishedDocument, q).then((d) => setPublished(d.publishedQuarterlyReport ?? null), (e) => setError(e instanceof HubError ? e.message : String(e)));
  }, [selected]);

  async function publish() {
    setError(null);
    try {
      await request(PublishDocument, q);
      const d = await request(PublishedDocument, q);
      setPublished(d.publishedQuarterlyReport ?? null);
    } catch (e) {
      setError(e instanceof HubError ? e.message : String(e));
    }
  }

  async function get(format: 'CSV' | 'JSON' | 'XLSX') {
    setError(null);
    setNote(null);
    const base = `relief-hub-${q.year}Q${q.quarter}${groupBy.length ? '-' + groupBy.join('-').toLowerCase() : ''}`;
    try {
      // After the hub serves report files, it writes them itself (XLSX included).
      // Asked once per session: a hub without the field answers 400 (validation), which the browser logs.
      const known = sessionStorage.getItem('relief-hub.reportFile');
      const file = known === 'no' ? null : await tryRaw<{ quarterlyReportFile: { filename: string; contentType: string; base64: string } }>(FILE_QUERY, { ...q, format, groupBy });
      if (!file) sessionStorage.setItem('relief-hub.reportFile', 'no');
      if (file) {
        const bytes = Uint8Array.from(atob(file.quarterlyReportFile.base64), (c) => c.charCodeAt(0));
        download(file.quarterlyReportFile.filename, file.quarterlyReportFile.contentType, bytes);
        return;
      }
      if (format === 'XLSX') {
        setNote(t('此平台版本尚不提供 Excel 文件，请下载 CSV（Excel 可直接打开）。', 'This hub does not serve XLSX yet; the CSV opens in Excel.'));
        return;
      }
      const d = await request(ReportForDownloadDocument, { ...q, groupBy });
      if (format === 'CSV') download(`${base}.csv`, 'text/csv;charset=utf-8', reportCsv(toHubReport(d.quarterlyReport, groupBy)));
      else download(`${base}.json`, 'application/json', JSON.stringify(d.quarterlyReport, null, 2));
    } catch (e) {
      setError(e instanceof HubError ? e.message : String(e));
    }
  }

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Space>
        <span id="report-quarter">{t('季度', 'Quarter')}</span>
        <Select aria-labelledby="report-quarter" style={{ width: 160 }} value={selected} onChange={setSelected} options={quarters.map((x) => ({ value: quarterLabel(x), label: t(`${x.year}年第${x.quarter}季度`, quarterLabel(x)) }))} />
      </Space>
      {error && <Alert type="error" showIcon role="alert" message={error} />}
      <Card size="small" title={t('发布季度通报', 'Publish the quarter')}>
        {published === undefined ? null : published ? (
          <Descriptions size="small" column={3}>
            <Descriptions.Item label={t('状态', 'State')}>
              <Tag color="#237804" data-testid="published">{t('已发布', 'Published')}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('发布时间', 'Published at')}>{published.publishedAt.replace('T', ' ').slice(0, 19)}</Descriptions.Item>
            <Descriptions.Item label={t('发布人', 'By')}>{published.publishedBy}</Descriptions.Item>
          </Descriptions>
        ) : (
          <Space direction="vertical">
            <span>
              {t('本季度尚未发布。发布后通报内容冻结，各成员单位收到同一份通报；之后到达的数据将作为调整项出现在以后的通报中。', 'Not published. Publishing freezes the report as issued to every member unit; later data appears as adjustments.')}
            </span>
            <Popconfirm title={t('确定发布本季度通报？发布后不能撤回。', 'Publish this quarter? It cannot be withdrawn.')} okText={t('发布', 'Publish')} cancelText={t('取消', 'Cancel')} onConfirm={() => void publish()} disabled={!ended}>
              <Button type="primary" disabled={!ended}>
                {t('发布季度通报', 'Publish')}
              </Button>
            </Popconfirm>
            {!ended && <span className="rh-explain">{t('季度结束后才能发布。', 'A quarter is published after it ends.')}</span>}
          </Space>
        )}
      </Card>
      <Card size="small" title={t('下载报表', 'Downloads')}>
        <Space direction="vertical">
          <span>{t('分组维度（不选则只有合计）', 'Group by (none: totals only)')}</span>
          <Checkbox.Group value={groupBy} onChange={(v) => setGroupBy(v as ReportDimension[])} options={DIMENSIONS.map(([v, zh, en]) => ({ value: v, label: t(zh, en) }))} />
          <Space wrap>
            <Button onClick={() => void get('CSV')}>{t('下载 CSV（Excel 可打开）', 'Download CSV')}</Button>
            <Button onClick={() => void get('JSON')}>{t('下载 JSON', 'Download JSON')}</Button>
            <Button onClick={() => void get('XLSX')}>{t('下载 Excel', 'Download XLSX')}</Button>
          </Space>
          <span className="rh-explain">{t('报表含汇总及各资金的期初余额、本期收入、本期支出、期末余额、已发放未到账。', 'Each file has the summary and every fund’s opening, inflows, outflows, closing and paid-not-arrived.')}</span>
          {note && <Alert type="info" showIcon message={note} />}
        </Space>
      </Card>
    </Space>
  );
}
