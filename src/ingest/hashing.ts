/**
 * Content hashes of source records: a stable JSON text of what a record says (keys sorted, bigints as text),
 * hashed with SHA-256. A stored hash tells a re-delivery from a correction, so the text must never change.
 */
import { createHash } from 'node:crypto';

/**
 * JSON with bigint as text and dates as ISO, keys in a fixed order: the basis of content hashes. Written out
 * by hand (one pass, no intermediate objects) because it runs for every record; it prints exactly what
 * `JSON.stringify` with a key-sorting, bigint-to-text replacer prints (the property test in
 * pipeline.test.ts holds it to that), so stored hashes stay valid.
 */
export function stableJson(value: unknown): string {
  return stable(value) ?? 'null';
}

const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;

/**
 * Keys sorted, then in the order an object built from them enumerates them (what the original replacer
 * printed): array-index keys first, ascending as numbers, then the others in sorted order.
 */
function sortedKeys(o: object): string[] {
  const keys = Object.keys(o).sort();
  const isIndex = (k: string) => INDEX_KEY.test(k) && Number(k) < 4294967295;
  if (!keys.some(isIndex)) return keys;
  return [...keys.filter(isIndex).sort((a, b) => Number(a) - Number(b)), ...keys.filter((k) => !isIndex(k))];
}

function stable(v: unknown): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return `"${v.toString()}"`;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  const o = v as Record<string, unknown> & { toJSON?: () => unknown };
  if (typeof o.toJSON === 'function') return stable(o.toJSON());
  if (Array.isArray(o)) {
    let out = '[';
    for (let i = 0; i < o.length; i++) out += (i ? ',' : '') + (stable(o[i]) ?? 'null');
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const k of sortedKeys(o)) {
    const s = stable(o[k]);
    if (s === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + s;
    first = false;
  }
  return out + '}';
}

/**
 * JSON text that a database cannot store: an escaped NUL (no text or jsonb value holds U+0000) or an escaped
 * lone surrogate (jsonb refuses it). JSON.stringify escapes both; an even run of backslashes before `\u` is
 * an escaped backslash, not an escape.
 */
export const UNSTORABLE_JSON = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
