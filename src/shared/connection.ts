/** Relay connections over an ordered list, with opaque cursors. */
import { HubError, ErrorCode } from './errors.ts';

export const MAX_PAGE = 500;

export function encodeCursor(kind: string, key: string | number): string {
  return Buffer.from(`${kind}:${key}`, 'utf8').toString('base64url');
}

/** Every kind of cursor the hub hands out, and the shape of its key (row ids; review item ids are base64url). */
const CURSOR_KEYS: Readonly<Record<string, RegExp>> = {
  quarantine: /^\d{1,18}$/,
  aid: /^\d{1,18}$/,
  tx: /^\d{1,18}$/,
  access: /^\d{1,18}$/,
  warning: /^\d{1,18}$/,
  run: /^\d{1,18}$/,
  review: /^[A-Za-z0-9_-]{1,200}$/,
};

/** The kind and key of a cursor this hub could have issued, or null (garbage, another encoding, a bad key). */
export function parseCursor(cursor: string): { kind: string; key: string } | null {
  if (cursor.length > 300 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) return null;
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon);
  const key = text.slice(colon + 1);
  return colon > 0 && CURSOR_KEYS[kind]?.test(key) ? { kind, key } : null;
}

export function decodeCursor(kind: string, cursor: string): string {
  const c = parseCursor(cursor);
  if (!c || c.kind !== kind) throw new HubError(ErrorCode.BAD_USER_INPUT, 'cursor is not valid here', { argument: 'after' });
  return c.key;
}

export function pageSize(first: number | null | undefined, fallback = 50): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAGE) {
    throw new HubError(ErrorCode.BAD_USER_INPUT, `first must be between 0 and ${MAX_PAGE}`, { argument: 'first' });
  }
  return n;
}

/** Slices an in-memory ordered list after the item whose key the cursor holds. */
export function sliceConnection<T>(kind: string, items: T[], keyOf: (t: T) => string | number, first: number | null | undefined, after: string | null | undefined) {
  const size = pageSize(first);
  let start = 0;
  if (after) {
    const key = decodeCursor(kind, after);
    const i = items.findIndex((t) => String(keyOf(t)) === key);
    if (i < 0) throw new HubError(ErrorCode.BAD_USER_INPUT, 'cursor does not point into this list', { argument: 'after' });
    start = i + 1;
  }
  const page = items.slice(start, start + size);
  const edges = page.map((node) => ({ cursor: encodeCursor(kind, keyOf(node)), node }));
  return {
    edges,
    pageInfo: { hasNextPage: start + size < items.length, endCursor: edges.length ? edges[edges.length - 1]!.cursor : null },
  };
}
