/**
 * The live side of `union-women` (sources.md §6): what the generic pull (src/ingest/pull.ts, its HTTP client
 * src/ingest/pull-http.ts) needs to know of the Women Workers' Committee claims API,
 * `GET {base}/api/v1/claims?since=…&cursor=…` answering `{"items":[…],"nextCursor":…}`, resumed from the
 * latest `updatedAt` applied.
 */
import type { PullSpec } from '../../src/ingest/adapter.ts';
import { fetchPages, type PulledPage, type PullOptions } from '../../src/ingest/pull-http.ts';

export function claimsUrl(base: string, since: string | null, cursor: string | null): string {
  const url = new URL('api/v1/claims', base.endsWith('/') ? base : `${base}/`);
  if (since !== null) url.searchParams.set('since', since);
  if (cursor !== null) url.searchParams.set('cursor', cursor);
  return url.toString();
}

/** `{"items": [...], "nextCursor": "…" | null}`; an empty cursor also ends the pull. */
function claimsPage(body: unknown): { items: unknown[]; nextCursor: string | null } | string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'the answer is not a JSON object';
  const { items, nextCursor } = body as { items?: unknown; nextCursor?: unknown };
  if (!Array.isArray(items)) return 'the answer has no items array';
  if (nextCursor != null && typeof nextCursor !== 'string') return 'nextCursor is not a string';
  return { items, nextCursor: nextCursor === '' ? null : (nextCursor ?? null) };
}

export const claimsApi: PullSpec = { pageUrl: claimsUrl, page: claimsPage, watermarkField: 'updatedAt' };

/** The claims API's pages (what `relief-hub pull union-women` applies one by one). */
export function fetchClaimPages(opts: PullOptions): AsyncGenerator<PulledPage> {
  return fetchPages(claimsApi, opts);
}
