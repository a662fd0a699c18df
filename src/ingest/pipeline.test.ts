import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stableJson } from './hashing.ts';

/** The definition stableJson must keep printing: content hashes already stored depend on it. */
function reference(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
    }
    return v;
  }) ?? 'null';
}

describe('stableJson', () => {
  it('prints what JSON.stringify with a key-sorting, bigint-as-text replacer prints', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.bigInt(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.date({ noInvalidDate: true }),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node')), fc.dictionary(fc.string(), tie('node'))),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(stableJson(v)).toBe(reference(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts keys at every depth and writes amounts in fen as text', () => {
    expect(stableJson({ b: 1n, a: { d: [new Date('2026-01-02T00:00:00Z'), undefined], c: 'x' } })).toBe('{"a":{"c":"x","d":["2026-01-02T00:00:00.000Z",null]},"b":"1"}');
  });
});
