/**
 * The quarterly report (季度救助资金使用情况通报): publishing an ended quarter, and downloads of every report
 * (summary by any dimensions, funds, indicators) as XLSX, CSV (one table a file) or JSON, each written by the hub
 * itself (`quarterlyReportFile`), so the browser offers exactly the files member units receive.
 */
import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Card, Checkbox, Descriptions, Popconfirm, Select, Space, Tag } from 'antd';
import { HubError, request } from '../api.ts';
import { PublishDocument, PublishedDocument, ReportFileDocument, type PublishedQuery, type ReportDimension, type ReportFileFormat, type ReportSection } from '../gql/generated.ts';
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

export function ReportsPage() {
  const quarters = useMemo(() => lastQuarters(12), []);
  const now = currentQuarter();
  const [selected, setSelected] = useState(quarterLabel(quarters[quarters.length - 2]!));
  const q = quarters.find((x) => quarterLabel(x) === selected)!;
  const ended = q.year < now.year || (q.year === now.year && q.quarter < now.quarter);
  const [published, setPublished] = useState<PublishedQuery['publishedQuarterlyReport'] | undefined>(undefined);
  const [groupBy, setGroupBy] = useState<ReportDimension[]>(['AGENCY', 'PROGRAM']);
  const [error, setError] = useState<string | null>(null);

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

  /** Every file is written by the hub (src/reports/): the same bytes a member unit receives, suppressed for every role but the platform. */
  async function get(format: ReportFileFormat, section: ReportSection = 'SUMMARY') {
    setError(null);
    try {
      const f = (await request(ReportFileDocument, { ...q, format, groupBy, section })).quarterlyReportFile;
      download(f.filename, f.contentType, Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0)));
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
            <Button type="primary" onClick={() => void get('XLSX')}>{t('下载 Excel（汇总、资金、指标、说明）', 'Download XLSX')}</Button>
            <Button onClick={() => void get('CSV')}>{t('下载 CSV 汇总', 'Download CSV: summary')}</Button>
            <Button onClick={() => void get('CSV', 'FUNDS')}>{t('下载 CSV 资金', 'Download CSV: funds')}</Button>
            <Button onClick={() => void get('CSV', 'INDICATORS')}>{t('下载 CSV 指标', 'Download CSV: indicators')}</Button>
            <Button onClick={() => void get('JSON')}>{t('下载 JSON', 'Download JSON')}</Button>
          </Space>
          <span className="rh-explain">{t('报表含汇总及各资金的期初余额、本期收入、本期支出、期末余额、已发放未到账。', 'Each file has the summary and every fund’s opening, inflows, outflows, closing and paid-not-arrived.')}</span>
        </Space>
      </Card>
    </Space>
  );
}
