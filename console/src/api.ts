/**
 * The console's GraphQL client: typed operations (gql/generated.ts) posted to the hub's /graphql with the
 * bearer token and the stated purpose. `x-purpose` travels as encodeURIComponent(purpose): header values are
 * Latin-1, purposes are Chinese; the hub decodes it.
 */
import type { TypedDocumentString } from './gql/generated.ts';
import { purpose, token } from './session.ts';
import { t } from './i18n.ts';

export class HubError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function request<R, V>(doc: TypedDocumentString<R, V>, variables?: V, extraHeaders: Record<string, string> = {}): Promise<R> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...extraHeaders };
  const bearer = token();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const p = purpose();
  if (p) headers['x-purpose'] = encodeURIComponent(p);
  let res: Response;
  try {
    res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query: doc.toString(), variables: variables ?? {} }) });
  } catch {
    throw new HubError('NETWORK', t('无法连接到平台，请稍后再试。', 'The hub cannot be reached; try again.'));
  }
  let body: { data?: R | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  try {
    body = await res.json();
  } catch {
    throw new HubError('BAD_RESPONSE', t(`平台返回了无法识别的应答（HTTP ${res.status}）。`, `Unreadable answer (HTTP ${res.status}).`));
  }
  const first = body.errors?.[0];
  if (first) {
    const code = first.extensions?.code ?? 'ERROR';
    throw new HubError(code, errorText(code, first.message));
  }
  if (!body.data) throw new HubError('NO_DATA', t('平台没有返回数据。', 'The hub returned no data.'));
  return body.data;
}

export function errorText(code: string, message: string): string {
  const known: Record<string, [string, string]> = {
    UNAUTHENTICATED: ['登录已失效，请重新登录。', 'Your sign-in has expired; sign in again.'],
    FORBIDDEN: ['您的角色无权进行此操作。', 'Your role may not do this.'],
    PURPOSE_REQUIRED: ['请先说明查询用途。', 'State the purpose first.'],
    INVALID_ID_NUMBER: ['身份证号无效：请核对18位号码（最后一位可以是X）。', 'Invalid identity number: check the 18 characters.'],
    RATE_LIMITED: ['请求过于频繁，请一分钟后再试。', 'Too many requests; wait a minute.'],
    NOT_FOUND: ['没有找到。', 'Not found.'],
  };
  const k = known[code];
  if (k) return t(k[0], k[1]);
  return message;
}

/** Yuan strings ("1234.50") to fen and back, for sums the console draws (never floating point for money). */
export function fen(yuan: string | null | undefined): number {
  if (!yuan) return 0;
  const m = yuan.trim().match(/^(-)?(\d+)(?:\.(\d{1,2}))?$/);
  if (!m) return 0;
  const v = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -v : v;
}

export function yuan(f: number): string {
  const sign = f < 0 ? '-' : '';
  const a = Math.abs(f);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** "1234.50" → "¥1,234.50" */
export function money(y: string | null | undefined): string {
  if (y === null || y === undefined) return '—';
  const [int, dec] = y.replace('-', '').split('.');
  return `${y.startsWith('-') ? '-' : ''}¥${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${dec ?? '00'}`;
}
