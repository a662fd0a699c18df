/**
 * Every adapter's contract fixtures hold the counts they declare, read and mapped without a database (the
 * integration contract suite then ingests them); a fixture meant to be refused is refused with its reason.
 */
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { adapters } from '../../adapters/index.ts';
import { FileRejectedError, type Adapter, type ByteInput } from '../../src/ingest/adapter.ts';
import type { ContractFixture } from '../../adapters/contract-fixture.ts';
import { mapRecord } from '../../src/ingest/common-rules.ts';

const input = (name: string, content: Buffer): ByteInput => ({ name, open: () => Readable.from([content]) });
const ctx = { system: '', now: new Date('2026-11-01T00:00:00+08:00'), today: '2026-11-01' };

async function fixturesOf(code: string): Promise<ContractFixture[]> {
  const mod = (await import(`../../adapters/${code}/fixtures.ts`)) as Record<string, unknown>;
  const out: ContractFixture[] = [];
  for (const [name, value] of Object.entries(mod)) {
    if (!name.endsWith('Fixture')) continue;
    out.push(typeof value === 'function' ? await (value as () => Promise<ContractFixture>)() : (value as ContractFixture));
  }
  return out;
}

async function readAndMap(adapter: Adapter, fx: { name: string; content: Buffer }) {
  const i = input(fx.name, fx.content);
  if (adapter.verify) await adapter.verify(i);
  const reasons: Record<string, number> = {};
  let records = 0;
  for await (const rec of adapter.read(i)) {
    records++;
    const out = mapRecord(adapter, rec, { ...ctx, system: adapter.code });
    if (!out.ok) reasons[out.reason] = (reasons[out.reason] ?? 0) + 1;
  }
  return { records, reasons };
}

describe.each(adapters.map((a) => [a.code, a] as const))('%s contract fixtures', (code, adapter) => {
  it('hold the counts they declare', async () => {
    const fixtures = await fixturesOf(code);
    expect(fixtures.length).toBeGreaterThan(0);
    for (const fx of fixtures) {
      const got = await readAndMap(adapter, fx);
      expect({ file: fx.name, ...got }).toEqual({ file: fx.name, records: fx.records, reasons: Object.fromEntries(Object.entries(fx.quarantined).filter(([, n]) => n)) });
    }
  });

  it('a fixture meant to be refused is refused whole, with its reason', async () => {
    for (const fx of await fixturesOf(code)) {
      if (!fx.rejected) continue;
      const err = await readAndMap(adapter, fx.rejected).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FileRejectedError);
      expect((err as FileRejectedError).reason).toBe(fx.rejected.reason);
    }
  });
});
