/** The stated purpose (`x-purpose`) and which operations need one (src/access/guard.ts). */
import { describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { buildSchema } from '../../src/graphql/schema.ts';
import { MAX_PURPOSE_CHARS, parsePurpose, readsPersonalData } from '../../src/access/guard.ts';

describe('x-purpose', () => {
  it('reads plain text and percent-encoded UTF-8 (what a browser sends for Chinese); blank is none', () => {
    expect(parsePurpose('approving temporary assistance')).toBe('approving temporary assistance');
    expect(parsePurpose(encodeURIComponent('审核临时救助申请'))).toBe('审核临时救助申请');
    expect(parsePurpose(encodeURIComponent('复核 50% 自付'))).toBe('复核 50% 自付');
    expect(parsePurpose(undefined)).toBeNull();
    expect(parsePurpose('  \t ')).toBeNull();
    expect(parsePurpose('a\u0000b\nc')).toBe('a b c');
  });

  it('refuses malformed encodings and purposes longer than the bound, with BAD_USER_INPUT', () => {
    for (const bad of ['%E5%AE', '%FF', encodeURIComponent('审'.repeat(MAX_PURPOSE_CHARS + 1)), 'x'.repeat(MAX_PURPOSE_CHARS + 1), 'x'.repeat(100_000)]) {
      expect(() => parsePurpose(bad)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    }
    expect(parsePurpose('审'.repeat(MAX_PURPOSE_CHARS))).toHaveLength(MAX_PURPOSE_CHARS);
  });
});

describe('operations that read personal data', () => {
  const schema = buildSchema();
  const reads = (q: string, op?: string) => readsPersonalData(schema, parse(q), op);

  it('any field of or returning a personal type, through fragments and unions too', () => {
    expect(reads('{ person(idNumber: "x") { id } }')).toBe(true);
    expect(reads('{ settlement(settlementId: "S") { __typename } }')).toBe(true);
    expect(reads('{ funds { transactions { edges { node { aid { amount } } } } } }')).toBe(true);
    expect(reads('{ eligibility(idNumber: "x", rule: "R") { eligible } }')).toBe(true);
    expect(reads('query { ...F } fragment F on Query { earlyWarnings { edges { node { evidence } } } }')).toBe(true);
    expect(reads('mutation { recordAid(input: { idNumber: "x", program: "P", amount: "1.00" }) { ... on AidRecorded { aid { id } } } }')).toBe(true);
  });

  it('not aggregates, counts and codes', () => {
    expect(reads('{ hub { version } funds { code balance } reviewQueue { totalCount } earlyWarnings { totalCount } }')).toBe(false);
    expect(reads('mutation { recordAid(input: { idNumber: "x", program: "P", amount: "1.00" }) { __typename } }')).toBe(false);
    expect(reads('query A { hub { version } } query B { person(idNumber: "x") { id } }', 'A')).toBe(false);
    expect(reads('query A { hub { version } } query B { person(idNumber: "x") { id } }', 'B')).toBe(true);
  });
});
