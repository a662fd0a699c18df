/**
 * The HTTP client of a pulled system (src/ingest/pull.ts): it fetches the pages its adapter's `PullSpec`
 * describes (union-women: `GET {base}/api/v1/claims?since=…&cursor=…` answering `{"items":[…],"nextCursor":…}`,
 * sources.md §6), each page's items and the cursor to the next.
 *
 * It only fetches: the caller applies each page as it arrives and keeps the watermark, so a pull that gives
 * up keeps what it already applied. Retries are bounded per request: 5xx answers, network faults and
 * requests that time out back off exponentially; 429 waits as long as Retry-After asks (seconds or an HTTP
 * date).
 *
 * The API is hostile until read, like any file (src/formats/limits.ts): each request has a timeout (answer
 * included) and the pull a total one; an answer is read up to `maxPageBytes` and no further; a pull follows
 * at most `maxPages` pages and never a cursor twice; a redirect is followed only within the base's origin;
 * credentials in the base URL are sent as HTTP Basic authorization and never printed (`redactUrl`).
 */
import type { PullSpec, SourceRecord } from './adapter.ts';
import { parseJsonBounded } from '../formats/json.ts';
import { limits } from '../formats/limits.ts';

/**
 * Why a pull gave up: `PULL_FAILED` (a status that will not get better, or too many failed tries, timeouts
 * included), `PULL_TIMEOUT` (the whole pull took longer than allowed), `PAGE_TOO_LARGE`, `PAGE_MALFORMED`
 * (nested too deep), `REDIRECT_REFUSED` (to another origin), `TOO_MANY_PAGES`, `CURSOR_REPEATED`.
 */
export type PullErrorCode = 'PULL_FAILED' | 'PULL_TIMEOUT' | 'PAGE_TOO_LARGE' | 'PAGE_MALFORMED' | 'REDIRECT_REFUSED' | 'TOO_MANY_PAGES' | 'CURSOR_REPEATED';

/** The pull gave up. Its message and url never carry the credentials of the base URL. */
export class PullError extends Error {
  constructor(
    message: string,
    /** The last HTTP status, null when the last try failed before an answer (network fault). */
    readonly status: number | null,
    /** Tries made for the request that failed. */
    readonly tries: number,
    readonly url: string,
    readonly code: PullErrorCode = 'PULL_FAILED',
  ) {
    super(message);
    this.name = 'PullError';
  }
}

/**
 * A URL as it may be printed, logged or stored: user and password replaced by `***`, and the value of any
 * query parameter whose name says it is a secret (token, key, password, signature…).
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//***@');
  }
  if (u.username || u.password) {
    u.username = '***';
    u.password = '';
  }
  for (const k of [...u.searchParams.keys()]) {
    if (/token|key|secret|pass|pwd|sig|auth|credential/i.test(k)) u.searchParams.set(k, '***');
  }
  return u.toString();
}

/** The base without its credentials, and those credentials as an Authorization header (HTTP Basic). */
function splitCredentials(base: string): { base: string; authorization: string | null } {
  const u = new URL(base);
  if (!u.username && !u.password) return { base, authorization: null };
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  return { base: u.toString(), authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

export interface PulledPage {
  items: unknown[];
  nextCursor: string | null;
  /** 0-based number of the page in this pull. */
  page: number;
}

export interface PullOptions {
  /** Base URL of the API, e.g. `https://ngak.example.org` (a path prefix is kept). */
  base: string;
  /** The watermark: the last `updatedAt` already stored, or null for everything. */
  since: string | null;
  fetch?: typeof fetch;
  /** Tries per request before giving up (default 5). */
  maxTries?: number;
  sleep?: (ms: number) => Promise<void>;
  /** First back-off after a failure (default 500 ms), doubled per try up to `maxDelayMs` (default 30 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** The longest Retry-After honoured (default 10 min); a server asking for more is given up on. */
  maxRetryAfterMs?: number;
  /** The clock for Retry-After dates and the total timeout; tests pin it. */
  now?: () => number;
  /** Milliseconds one request may take, answer included (default `limits.pullRequestTimeoutMs`). */
  requestTimeoutMs?: number;
  /** Milliseconds the whole pull may take (default `limits.pullTotalTimeoutMs`). */
  totalTimeoutMs?: number;
  /** Bytes of one answer (default `limits.maxPageBytes`). */
  maxPageBytes?: number;
  /** Pages of one pull (default `limits.maxPages`). */
  maxPages?: number;
}

type Resolved = Required<Omit<PullOptions, 'since' | 'base'>> & { authorization: string | null; origin: string; deadline: number };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After as milliseconds to wait: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  const h = header.trim();
  if (/^\d+$/.test(h)) return Number(h) * 1000;
  const at = Date.parse(h);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** A page's items and next cursor as the spec reads them from the JSON answer, or why the answer is unusable. */
function pageOf(spec: PullSpec, text: string): { items: unknown[]; nextCursor: string | null } | string {
  const parsed = parseJsonBounded(text);
  if (!parsed.ok) return `the answer is ${parsed.error}`;
  return spec.page(parsed.data);
}

class TooLarge extends Error {}

/** The answer's body as text, read no further than `max` bytes (a declared length past it is refused unread). */
async function boundedText(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel();
    throw new TooLarge();
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw new TooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const MAX_REDIRECTS = 5;

/** One GET, following redirects only within the base's origin, bounded by the request timeout. */
async function fetchOnce(url: string, o: Resolved, signal: AbortSignal): Promise<{ res: Response; url: string }> {
  let at = url;
  for (let hops = 0; ; hops++) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (o.authorization) headers.authorization = o.authorization;
    const res = await o.fetch(at, { headers, redirect: 'manual', signal });
    if (res.status < 300 || res.status >= 400 || res.status === 304) return { res, url: at };
    await res.body?.cancel();
    const location = res.headers.get('location');
    if (!location) return { res, url: at };
    const next = new URL(location, at);
    if (next.origin !== o.origin) {
      throw new PullError(`GET ${redactUrl(at)} redirects to ${redactUrl(next.origin)}, another origin than the base: refused`, res.status, 1, redactUrl(at), 'REDIRECT_REFUSED');
    }
    if (hops >= MAX_REDIRECTS) throw new PullError(`GET ${redactUrl(url)}: more than ${MAX_REDIRECTS} redirects`, res.status, 1, redactUrl(url), 'REDIRECT_REFUSED');
    at = next.toString();
  }
}

async function getPage(spec: PullSpec, url: string, o: Resolved): Promise<{ items: unknown[]; nextCursor: string | null }> {
  const shown = redactUrl(url);
  let status: number | null = null;
  let problem = '';
  let timedOut = false;
  for (let tries = 1; ; tries++) {
    let wait = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (tries - 1));
    const left = o.deadline - o.now();
    if (left <= 0) throw new PullError(`the pull took longer than ${o.totalTimeoutMs} ms; last: ${problem || 'none'}`, status, tries - 1, shown, 'PULL_TIMEOUT');
    const timeout = Math.min(o.requestTimeoutMs, left);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout);
    try {
      const { res } = await fetchOnce(url, o, controller.signal);
      status = res.status;
      timedOut = false;
      if (res.ok) {
        let text: string;
        try {
          text = await boundedText(res, o.maxPageBytes);
        } catch (e) {
          if (e instanceof TooLarge) {
            throw new PullError(`GET ${shown}: the answer is larger than ${o.maxPageBytes} bytes: refused, not retried`, res.status, tries, shown, 'PAGE_TOO_LARGE');
          }
          throw e;
        }
        // A cut-off body is as transient as a 5xx: it is retried, not trusted. One nested past all reason is not.
        const page = pageOf(spec, text);
        if (typeof page !== 'string') return page;
        if (/nested deeper/.test(page)) throw new PullError(`GET ${shown}: ${page}`, res.status, tries, shown, 'PAGE_MALFORMED');
        problem = page;
      } else if (res.status === 429) {
        await res.body?.cancel();
        problem = 'too many requests (429)';
        const asked = retryAfterMs(res.headers.get('retry-after'), o.now());
        if (asked !== null) {
          if (asked > o.maxRetryAfterMs) {
            throw new PullError(`GET ${shown}: the server asks to retry after ${Math.ceil(asked / 1000)} s, longer than the pull waits`, 429, tries, shown);
          }
          wait = asked;
        }
      } else if (res.status >= 500) {
        await res.body?.cancel();
        problem = `server error ${res.status}`;
      } else {
        await res.body?.cancel();
        throw new PullError(`GET ${shown} answered ${res.status}: not retried`, res.status, tries, shown);
      }
    } catch (e) {
      if (e instanceof PullError) throw e;
      status = null;
      timedOut = controller.signal.aborted;
      problem = timedOut ? `no answer within ${timeout} ms` : `network fault: ${redactUrl((e as Error).message)}`;
    } finally {
      clearTimeout(timer);
    }
    if (tries >= o.maxTries) throw new PullError(`GET ${shown} failed after ${tries} tries; last: ${problem}`, status, tries, shown, timedOut ? 'PULL_TIMEOUT' : 'PULL_FAILED');
    if (o.now() + wait > o.deadline) throw new PullError(`the pull would take longer than ${o.totalTimeoutMs} ms; last: ${problem}`, status, tries, shown, 'PULL_TIMEOUT');
    await o.sleep(wait);
  }
}

/**
 * Fetches every page changed since the watermark, following cursors to the end, one page at a time (the
 * next page is requested only when the caller asks for it, so applying a page happens before fetching more).
 */
export async function* fetchPages(spec: PullSpec, opts: PullOptions): AsyncGenerator<PulledPage> {
  const { base, authorization } = splitCredentials(opts.base);
  const now = opts.now ?? Date.now;
  const o: Resolved = {
    fetch: opts.fetch ?? globalThis.fetch,
    maxTries: Math.max(1, opts.maxTries ?? 5),
    sleep: opts.sleep ?? defaultSleep,
    baseDelayMs: opts.baseDelayMs ?? 500,
    maxDelayMs: opts.maxDelayMs ?? 30_000,
    maxRetryAfterMs: opts.maxRetryAfterMs ?? 600_000,
    now,
    requestTimeoutMs: opts.requestTimeoutMs ?? limits.pullRequestTimeoutMs,
    totalTimeoutMs: opts.totalTimeoutMs ?? limits.pullTotalTimeoutMs,
    maxPageBytes: opts.maxPageBytes ?? limits.maxPageBytes,
    maxPages: opts.maxPages ?? limits.maxPages,
    authorization,
    origin: new URL(base).origin,
    deadline: 0,
  };
  o.deadline = now() + o.totalTimeoutMs;
  const seen = new Set<string>();
  let cursor: string | null = null;
  for (let page = 0; ; page++) {
    const url = spec.pageUrl(base, opts.since, cursor);
    if (page >= o.maxPages) throw new PullError(`the API still had a next page after ${o.maxPages} pages: given up`, 200, 1, redactUrl(url), 'TOO_MANY_PAGES');
    const { items, nextCursor } = await getPage(spec, url, o);
    yield { items, nextCursor, page };
    if (nextCursor === null) return;
    // A server handing back a cursor it already gave would keep us paging forever.
    if (seen.has(nextCursor)) throw new PullError(`GET ${redactUrl(url)}: cursor "${nextCursor}" was already followed`, 200, 1, redactUrl(url), 'CURSOR_REPEATED');
    seen.add(nextCursor);
    cursor = nextCursor;
  }
}

/** One pulled item as a source record; an adapter reading the same items saved to a file locates them its own way. */
export function itemRecord(file: string, path: string, item: unknown): SourceRecord<unknown> {
  return { location: { file, path }, raw: JSON.stringify(item) ?? 'null', value: item };
}

/** The records of one pulled page, located `pull:<page>:<i>`. */
export function pulledRecords(file: string, page: PulledPage): SourceRecord<unknown>[] {
  return page.items.map((item, i) => itemRecord(file, `pull:${page.page}:${i}`, item));
}
