import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/graphql/schema.ts';

describe('the schema', () => {
  const schema = buildSchema();

  it('describes every type, field, argument and enum value (the API documents itself for its users)', () => {
    // Duck-typed: @graphql-tools may hold graphql's CommonJS build while this file has its ES module build,
    // and graphql's is*Type() checks refuse objects of the other.
    const BUILT_IN = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);
    type Described = { name: string; description?: string | null };
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap()) as unknown as Array<Described & Record<string, unknown>>) {
      if (type.name.startsWith('__') || BUILT_IN.has(type.name)) continue;
      if (!type.description?.trim()) missing.push(type.name);
      if (typeof type.getFields === 'function') {
        const fields = (type.getFields as () => Record<string, Described & { args?: Described[] }>)();
        for (const field of Object.values(fields)) {
          if (!field.description?.trim()) missing.push(`${type.name}.${field.name}`);
          for (const arg of field.args ?? []) if (!arg.description?.trim() && !['first', 'after'].includes(arg.name)) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (typeof type.getValues === 'function') {
        for (const v of (type.getValues as () => Described[])()) if (!v.description?.trim()) missing.push(`${type.name}.${v.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('keeps the names of the public contract', () => {
    const q = schema.getQueryType()!.getFields();
    for (const name of ['person', 'household', 'settlement', 'quarantine']) expect(q[name], name).toBeDefined();
    expect(q.person!.args.map((a) => a.name)).toEqual(['idNumber']);
    const m = schema.getMutationType()!.getFields();
    expect(m.ingest!.args.map((a) => a.name)).toEqual(expect.arrayContaining(['system', 'content', 'encoding']));
    for (const s of ['Yuan', 'Date', 'DateTime']) expect(schema.getType(s), s).toBeDefined();
  });
});
