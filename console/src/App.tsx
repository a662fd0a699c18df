/**
 * The console: sign-in, then the pages of the signed-in role. Navigation is kept in memory (no identity
 * number or token ever appears in the address bar).
 */
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { App as AntApp, Button, ConfigProvider, Form, Input, Layout, Menu, Result, Segmented, Space, Spin, Typography } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import { currentLang, setLang, t, type Lang } from './i18n.ts';
import { decodeClaims, signIn, signOut, type Claims } from './session.ts';
import { agencyShort, regionName, roleName } from './glossary.ts';
import { SystemsProvider } from './systems.tsx';

// Each page is its own chunk, loaded when first opened: a charity never downloads the dashboard's charts.
const LookupPage = lazy(() => import('./pages/Lookup.tsx').then((m) => ({ default: m.LookupPage })));
const ReviewPage = lazy(() => import('./pages/Review.tsx').then((m) => ({ default: m.ReviewPage })));
const DashboardPage = lazy(() => import('./pages/Dashboard.tsx').then((m) => ({ default: m.DashboardPage })));
const WarningsPage = lazy(() => import('./pages/Warnings.tsx').then((m) => ({ default: m.WarningsPage })));
const QuarantinePage = lazy(() => import('./pages/Quarantine.tsx').then((m) => ({ default: m.QuarantinePage })));
const ReportsPage = lazy(() => import('./pages/Reports.tsx').then((m) => ({ default: m.ReportsPage })));
const CharityPage = lazy(() => import('./pages/Charity.tsx').then((m) => ({ default: m.CharityPage })));
const AuditPage = lazy(() => import('./pages/Audit.tsx').then((m) => ({ default: m.AuditPage })));

/** Ant Design's default greys and light colours fall below WCAG AA contrast; these reach it (axe checks each page). */
const THEME = {
  token: {
    colorPrimary: '#0b5cad',
    colorInfo: '#0b5cad',
    colorLink: '#0b5cad',
    colorSuccess: '#237804',
    colorWarning: '#ad6800',
    colorError: '#cf1322',
    // Light backgrounds of alerts as Ant Design's defaults (the darker text colours above would otherwise tint them).
    colorSuccessBg: '#f6ffed',
    colorSuccessBorder: '#b7eb8f',
    colorWarningBg: '#fffbe6',
    colorWarningBorder: '#ffe58f',
    colorErrorBg: '#fff2f0',
    colorErrorBorder: '#ffccc7',
    colorInfoBg: '#e6f4ff',
    colorInfoBorder: '#91caff',
    colorTextSecondary: '#595959',
    colorTextTertiary: '#595959',
    colorTextQuaternary: '#6e6e6e',
    colorTextDescription: '#595959',
    colorTextPlaceholder: '#6e6e6e',
    borderRadius: 4,
  },
};

type PageKey = 'lookup' | 'review' | 'dashboard' | 'warnings' | 'quarantine' | 'reports' | 'charity' | 'audit';

function pagesOf(role: Claims['role']): Array<{ key: PageKey; label: string }> {
  const lookup = { key: 'lookup' as const, label: t('人员查询与救助', 'Look up a person') };
  const review = { key: 'review' as const, label: t('复核待办', 'Review queue') };
  switch (role) {
    case 'CASEWORKER':
      return [lookup, review, { key: 'warnings', label: t('本县预警', 'Warnings (county)') }];
    case 'PLATFORM':
      return [
        { key: 'dashboard', label: t('数据看板', 'Dashboard') },
        { key: 'warnings', label: t('预警', 'Warnings') },
        review,
        { key: 'quarantine', label: t('隔离区', 'Quarantine') },
        { key: 'reports', label: t('季度通报与下载', 'Reports & downloads') },
        lookup,
      ];
    case 'CHARITY':
      return [{ key: 'charity', label: t('救助资格查询', 'Eligibility') }];
    case 'AUDITOR':
      return [{ key: 'audit', label: t('访问日志', 'Access log') }];
    default:
      return [];
  }
}

function SignIn({ onSignedIn }: { onSignedIn: (c: Claims) => void }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <Result
      status="403"
      title={t('请登录', 'Please sign in')}
      subTitle={t(
        '请使用省统一身份认证平台发放的登录链接或令牌登录。演示环境中，启动命令（npm start）会打印各角色的登录链接。',
        "Use the sign-in link or token from the province's identity service. In the demo, npm start prints a sign-in link for each role.",
      )}
      extra={
        <Form
          layout="inline"
          style={{ justifyContent: 'center' }}
          onFinish={(v: { token: string }) => {
            const c = signIn(v.token ?? '');
            if (c) onSignedIn(c);
            else setError(t('令牌无效或已过期。', 'The token is not valid or has expired.'));
          }}
        >
          <Form.Item name="token" label={t('登录令牌', 'Token')} validateStatus={error ? 'error' : undefined} help={error}>
            <Input.Password style={{ width: 360 }} autoComplete="off" />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {t('登录', 'Sign in')}
          </Button>
        </Form>
      }
    />
  );
}

export function App() {
  const [lang, setLangState] = useState<Lang>(currentLang());
  const [claims, setClaims] = useState<Claims | null>(() => decodeClaims());
  const pages = useMemo(() => (claims ? pagesOf(claims.role) : []), [claims, lang]);
  const [page, setPage] = useState<PageKey | null>(null);
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  }, [lang]);
  const active = page && pages.some((p) => p.key === page) ? page : pages[0]?.key;

  const who = claims
    ? [roleName(claims.role), claims.agency ? agencyShort(claims.agency) : null, claims.county ? regionName(claims.county) : null].filter(Boolean).join(' · ')
    : '';

  return (
    <ConfigProvider locale={lang === 'zh' ? zhCN : enUS} theme={THEME}>
      <AntApp>
        <Layout style={{ minHeight: '100vh' }} key={lang}>
          <Layout.Header className="rh-header">
            <h1>{t('海南省医疗救助一站式平台', 'Hainan medical assistance hub')}</h1>
            <span className="rh-spacer" />
            {claims && <span className="rh-who" data-testid="who">{who}</span>}
            <Segmented
              aria-label={t('界面语言', 'Language')}
              size="small"
              value={lang}
              options={[
                { label: '中文', value: 'zh' },
                { label: 'English', value: 'en' },
              ]}
              onChange={(v) => {
                setLang(v as Lang);
                setLangState(v as Lang);
              }}
            />
            {claims && (
              <Button
                size="small"
                onClick={() => {
                  signOut();
                  setClaims(null);
                }}
              >
                {t('退出', 'Sign out')}
              </Button>
            )}
          </Layout.Header>
          {!claims ? (
            <Layout.Content className="rh-content">
              <SignIn onSignedIn={setClaims} />
            </Layout.Content>
          ) : (
            <SystemsProvider>
              <Layout>
                <Layout.Sider width={200} theme="light" breakpoint="lg" collapsedWidth={0}>
                  <nav aria-label={t('功能', 'Pages')}>
                    <Menu mode="inline" selectedKeys={active ? [active] : []} items={pages} onClick={(e) => setPage(e.key as PageKey)} style={{ height: '100%' }} />
                  </nav>
                </Layout.Sider>
                <Layout.Content className="rh-content">
                    <Space direction="vertical" style={{ width: '100%' }}>
                      <Typography.Title level={2} style={{ marginTop: 0 }}>
                        {pages.find((p) => p.key === active)?.label}
                      </Typography.Title>
                      <Suspense fallback={<Spin />}>
                      {active === 'lookup' && <LookupPage claims={claims} />}
                      {active === 'review' && <ReviewPage claims={claims} />}
                      {active === 'dashboard' && <DashboardPage />}
                      {active === 'warnings' && <WarningsPage claims={claims} />}
                      {active === 'quarantine' && <QuarantinePage />}
                      {active === 'reports' && <ReportsPage />}
                      {active === 'charity' && <CharityPage />}
                      {active === 'audit' && <AuditPage />}
                      </Suspense>
                    </Space>
                </Layout.Content>
              </Layout>
            </SystemsProvider>
          )}
        </Layout>
      </AntApp>
    </ConfigProvider>
  );
}
