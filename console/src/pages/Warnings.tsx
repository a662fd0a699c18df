/** Early warnings with filters (kind, county or city, closed ones too), each with its evidence in words. */
import { useEffect, useState } from 'react';
import { Alert, Button, Checkbox, Input, Select, Space, Table, Tag } from 'antd';
import { HubError, request } from '../api.ts';
import { WarningsDocument, type WarningsQuery, type WarningKind } from '../gql/generated.ts';
import { t } from '../i18n.ts';
import { ALL_WARNINGS, regionName, warningExplain, warningName } from '../glossary.ts';
import { EvidenceText, PurposeGate } from '../components.tsx';
import type { Claims } from '../session.ts';

type W = WarningsQuery['earlyWarnings']['edges'][number]['node'];

export function WarningsPage({ claims }: { claims: Claims }) {
  return (
    <PurposeGate>
      <List claims={claims} />
    </PurposeGate>
  );
}

function List({ claims }: { claims: Claims }) {
  const [kind, setKind] = useState<WarningKind | undefined>();
  const [county, setCounty] = useState('');
  const [includeClosed, setIncludeClosed] = useState(false);
  const [pages, setPages] = useState<{ items: W[]; total: number; next: string | null }>({ items: [], total: 0, next: null });
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  async function load(after: string | null) {
    setLoading(true);
    setError(null);
    try {
      const d = await request(WarningsDocument, { kind: kind ?? null, county: county.trim() || null, includeClosed, first: 50, after });
      const c = d.earlyWarnings;
      setPages((p) => ({ items: after ? [...p.items, ...c.edges.map((e) => e.node)] : c.edges.map((e) => e.node), total: c.totalCount, next: c.pageInfo.hasNextPage ? c.pageInfo.endCursor ?? null : null }));
    } catch (e) {
      setError(e instanceof HubError ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  }
  useEffect(() => void load(null), [kind, includeClosed]);

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Select aria-label={t('预警类型', 'Kind')} allowClear placeholder={t('全部类型', 'All kinds')} style={{ width: 200 }} value={kind} onChange={setKind} options={ALL_WARNINGS.map((k) => ({ value: k, label: warningName(k) }))} />
        {claims.role === 'PLATFORM' && (
          <Input.Search
            aria-label={t('区县或地市代码', 'County or city code')}
            placeholder={t('区县(6位)或地市(4位)代码', 'County (6) or city (4) code')}
            style={{ width: 260 }}
            value={county}
            onChange={(e) => setCounty(e.target.value)}
            onSearch={() => void load(null)}
            enterButton={t('筛选', 'Filter')}
          />
        )}
        <Checkbox checked={includeClosed} onChange={(e) => setIncludeClosed(e.target.checked)}>
          {t('包括已关闭', 'Include closed')}
        </Checkbox>
        <span data-testid="warnings-total">{t(`共 ${pages.total} 条`, `${pages.total} warnings`)}</span>
      </Space>
      {error && <Alert type="error" showIcon role="alert" message={error} />}
      <Table
        size="small"
        loading={loading}
        rowKey="id"
        dataSource={pages.items}
        pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false }}
        columns={[
          {
            title: t('预警', 'Warning'),
            render: (_, w) => (
              <>
                <Tag color={w.closedAt ? 'default' : '#ad4e00'}>{warningName(w.kind)}</Tag>
                {w.closedAt && <Tag>{t('已关闭', 'closed')}</Tag>}
                <div className="rh-explain">{warningExplain(w.kind)}</div>
              </>
            ),
          },
          { title: t('人员', 'Person'), render: (_, w) => `${w.person?.name ?? ''} ${w.person?.idNumber ?? ''}` },
          { title: t('区县', 'County'), render: (_, w) => regionName(w.county) },
          { title: t('发现日期', 'Opened'), render: (_, w) => w.openedAt.slice(0, 10) },
          { title: t('依据', 'Evidence'), render: (_, w) => <EvidenceText evidence={w.evidence} /> },
        ]}
      />
      {pages.next && (
        <Button onClick={() => void load(pages.next)} loading={loading}>
          {t('加载更多', 'More')}
        </Button>
      )}
    </Space>
  );
}
