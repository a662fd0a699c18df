/**
 * The live side of `union-women` (sources.md §6): an HTTP client for the Women Workers' Committee claims API,
 * `GET {base}/api/v1/claims?since=…&cursor=…` answering `{"items":[…],"nextCursor":…}`.
 *
 * It only fetches: the caller applies each page as it arrives and keeps the watermark, so a pull that gives
 * up keeps what it already applied. Retries are bounded per request: 5xx answers and network faults back off
 * exponentially; 429 waits as long as Retry-After asks (seconds or an HTTP date).
 */
import type { SourceRecord } from '../../src/ingest/adapter.ts';

/** The pull gave up: a status that will not get better, or too many failed tries. */
export class PullError extends Error {
  readonly code = 'PULL_FAILED';
  constructor(
    message: string,
    /** The last HTTP status, null when the last try failed before an answer (network fault). */
    readonly status: number | null,
    /** Tries made for the request that failed. */
    readonly tries: number,
    readonly url: string,
  ) {
    super(message);
    this.name = 'PullError';
  }
}

export interface ClaimPage {
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
  /** The clock for Retry-After dates; tests pin it. */
  now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function claimsUrl(base: string, since: string | null, cursor: string | null): string {
  const url = new URL('api/v1/claims', base.endsWith('/') ? base : `${base}/`);
  if (since !== null) url.searchParams.set('since', since);
  if (cursor !== null) url.searchParams.set('cursor', cursor);
  return url.toString();
}

/** Retry-After as milliseconds to wait: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  const h = header.trim();
  if (/^\d+$/.test(h)) return Number(h) * 1000;
  const at = Date.parse(h);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

function pageOf(text: string): { items: unknown[]; nextCursor: string | null } | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'the answer is not JSON';
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'the answer is not a JSON object';
  const { items, nextCursor } = body as { items?: unknown; nextCursor?: unknown };
  if (!Array.isArray(items)) return 'the answer has no items array';
  if (nextCursor != null && typeof nextCursor !== 'string') return 'nextCursor is not a string';
  return { items, nextCursor: nextCursor === '' ? null : (nextCursor ?? null) };
}

async function getPage(url: string, o: Required<Omit<PullOptions, 'since' | 'base'>>): Promise<{ items: unknown[]; nextCursor: string | null }> {
  let status: number | null = null;
  let problem = '';
  for (let tries = 1; ; tries++) {
    let wait = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (tries - 1));
    try {
      const res = await o.fetch(url, { headers: { accept: 'application/json' } });
      status = res.status;
      if (res.ok) {
        // A cut-off body is as transient as a 5xx: it is retried, not trusted.
        const page = pageOf(await res.text());
        if (typeof page !== 'string') return page;
        problem = page;
      } else if (res.status === 429) {
        await res.body?.cancel();
        problem = 'too many requests (429)';
        const asked = retryAfterMs(res.headers.get('retry-after'), o.now());
        if (asked !== null) {
          if (asked > o.maxRetryAfterMs) {
            throw new PullError(`GET ${url}: the server asks to retry after ${Math.ceil(asked / 1000)} s, longer than the pull waits`, 429, tries, url);
          }
          wait = asked;
        }
      } else if (res.status >= 500) {
        await res.body?.cancel();
        problem = `server error ${res.status}`;
      } else {
        await res.body?.cancel();
        throw new PullError(`GET ${url} answered ${res.status}: not retried`, res.status, tries, url);
      }
    } catch (e) {
      if (e instanceof PullError) throw e;
      status = null;
      problem = `network fault: ${(e as Error).message}`;
    }
    if (tries >= o.maxTries) throw new PullError(`GET ${url} failed after ${tries} tries; last: ${problem}`, status, tries, url);
    await o.sleep(wait);
  }
}

/**
 * Fetches every page changed since the watermark, following cursors to the end, one page at a time (the
 * next page is requested only when the caller asks for it, so applying a page happens before fetching more).
 */
export async function* fetchClaimPages(opts: PullOptions): AsyncGenerator<ClaimPage> {
  const o = {
    fetch: opts.fetch ?? globalThis.fetch,
    maxTries: Math.max(1, opts.maxTries ?? 5),
    sleep: opts.sleep ?? defaultSleep,
    baseDelayMs: opts.baseDelayMs ?? 500,
    maxDelayMs: opts.maxDelayMs ?? 30_000,
    maxRetryAfterMs: opts.maxRetryAfterMs ?? 600_000,
    now: opts.now ?? Date.now,
  };
  const seen = new Set<string>();
  let cursor: string | null = null;
  for (let page = 0; ; page++) {
    const url = claimsUrl(opts.base, opts.since, cursor);
    const { items, nextCursor } = await getPage(url, o);
    yield { items, nextCursor, page };
    if (nextCursor === null) return;
    // A server handing back a cursor it already gave would keep us paging forever.
    if (seen.has(nextCursor)) throw new PullError(`GET ${url}: cursor "${nextCursor}" was already followed`, 200, 1, url);
    seen.add(nextCursor);
    cursor = nextCursor;
  }
}

/** One claim item as a source record; the same map() serves saved pages (`pages[n].items[i]`) and pulls. */
export function claimRecord(file: string, path: string, item: unknown): SourceRecord<unknown> {
  return { location: { file, path }, raw: JSON.stringify(item) ?? 'null', value: item };
}

/** The records of one pulled page, located `pull:<page>:<i>`. */
export function pulledRecords(file: string, page: ClaimPage): SourceRecord<unknown>[] {
  return page.items.map((item, i) => claimRecord(file, `pull:${page.page}:${i}`, item));
}
