/** The query measure of src/access/limits.ts: fragments measured once, every expansion counted; introspection apart. */
import { describe, expect, it } from 'vitest';
import { getIntrospectionQuery, parse } from 'graphql';
import { enforceLimits, measure } from '../../src/access/limits.ts';

describe('measuring a query', () => {
  it('counts every expansion of 40 fragments each spreading the next twice (2^39 paths) without walking them', () => {
    const n = 40;
    const defs = Array.from({ length: n }, (_, i) => (i === n - 1 ? `fragment F${i} on Query { hub { version } }` : `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`));
    const m = measure(parse(`{ ...F0 }\n${defs.join('\n')}`));
    expect(m).toEqual({ depth: 2, introspectionDepth: 0, fields: 2 ** 39 * 2 });
    expect(() => enforceLimits(parse(`{ ...F0 }\n${defs.join('\n')}`), { maxDepth: 12, maxFields: 400 })).toThrow(/selects \d+ fields/);
  });

  it('measures a fragment by where it is spread: its depth adds to the depth of the spread', () => {
    const q = parse(`{ a { b { ...X } } c { ...X } } fragment X on T { d { e { f } } }`);
    // a.b.d.e.f is 5 deep; fields: a b (d e f) c (d e f) = 2 + 3 + 1 + 3
    expect(measure(q)).toEqual({ depth: 5, introspectionDepth: 0, fields: 9 });
  });

  it('measures introspection apart only when asked, and still counts its fields', () => {
    const doc = parse(getIntrospectionQuery());
    const apart = measure(doc, { introspection: true });
    const together = measure(doc);
    expect(apart.depth).toBe(1);
    expect(apart.introspectionDepth).toBe(together.depth);
    expect(apart.fields).toBe(together.fields);
    expect(() => enforceLimits(doc, { maxDepth: 12, maxFields: 400, introspection: true })).not.toThrow();
    expect(() => enforceLimits(doc, { maxDepth: 12, maxFields: 400 })).toThrow(/nests \d+ levels/);
  });
});
