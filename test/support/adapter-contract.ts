/**
 * The contract every adapter keeps (style.md), as one suite a test file runs on an adapter: re-import is
 * idempotent, every bad record is quarantined with its location and reason, nothing invalid reaches the
 * canonical tables, a file that fails its own integrity check applies nothing, and the adapter's SDL fragment
 * merges. test/integration/adapters-contract.test.ts runs it on the twelve; test/integration/test-adapter/ on a
 * thirteenth, test-only one.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Kind, parse } from 'graphql';
import { rows, type Database } from '../../src/db/client.ts';
import type { Adapter } from '../../src/ingest/adapter.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { normalizeIdNumber } from '../../src/identity/id-number.ts';
import { buildSchema } from '../../src/graphql/schema.ts';
import type { ContractFixture } from '../../adapters/contract-fixture.ts';
import { resetDatabase, testDatabase, testDbKind } from './db.ts';

const CANONICAL = ['persons', 'households', 'household_members', 'statuses', 'settlements', 'settlement_refunds', 'aid_records', 'aid_record_versions', 'donations', 'source_records', 'source_heads', 'quarantine', 'person_merges'];

async function tableCounts(database: Database): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of CANONICAL) {
    const r = await rows<{ n: string }>(database.db, sql.raw(`SELECT count(*)::text AS n FROM ${t}`));
    out[t] = Number(r[0]!.n);
  }
  return out;
}

// A fixed clock: fixtures' planted future dates are far ahead of it, their valid dates behind it.
const now = new Date('2026-11-01T00:00:00+08:00');

/** Defines the contract suite for one adapter and the small file it ships (`fixtures.ts`'s `contractFixture`). */
export function adapterContract(adapter: Adapter, fixture: () => ContractFixture | Promise<ContractFixture>): void {
  const code = adapter.code;
  describe(`adapter contract: ${code} (${testDbKind})`, () => {
    let database: Database;
    beforeAll(async () => {
      database = await testDatabase();
    });
    beforeEach(async () => {
      await resetDatabase(database);
    });

    it('ingests its fixture: exact records, quarantine by reason with locations, nothing invalid in the canonical tables', async () => {
      const fx = await fixture();
      const s = await ingest(database, adapter, bufferInput(fx.name, fx.content), { now });
      expect(s.rejected).toBe(false);
      expect(s.records).toBe(fx.records);
      const expectedQuarantined = Object.values(fx.quarantined).reduce((a, b) => a + (b ?? 0), 0);
      expect(s.quarantined).toBe(expectedQuarantined);
      expect(s.new + s.updated + s.unchanged + s.quarantined).toBe(s.records);

      const q = await rows<{ reason_code: string; n: string }>(database.db, sql`SELECT reason_code, count(*)::text AS n FROM quarantine GROUP BY reason_code`);
      const byReason = Object.fromEntries(q.map((r) => [r.reason_code, Number(r.n)]));
      expect(byReason).toEqual(Object.fromEntries(Object.entries(fx.quarantined).filter(([, n]) => n)));
      const located = await rows<{ location: Record<string, unknown>; raw: string; message: string }>(database.db, sql`SELECT location, raw, message FROM quarantine`);
      for (const item of located) {
        expect(item.location.file).toBe(fx.name);
        expect(['line', 'row', 'element', 'path'].some((k) => item.location[k] !== undefined)).toBe(true);
        expect(item.raw.length).toBeGreaterThan(0);
        expect(item.message.length).toBeGreaterThan(0);
      }

      const ids = await rows<{ id_number: string }>(database.db, sql`SELECT id_number FROM persons WHERE id_number IS NOT NULL`);
      for (const { id_number } of ids) expect(normalizeIdNumber(id_number)).toEqual({ ok: true, idNumber: id_number });
      const negative = await rows<{ n: string }>(
        database.db,
        sql`SELECT ((SELECT count(*) FROM aid_records WHERE amount_fen < 0) + (SELECT count(*) FROM settlements WHERE total_fen < 0) + (SELECT count(*) FROM donations WHERE amount_fen < 0))::text AS n`,
      );
      expect(negative[0]!.n).toBe('0');
      const heads = await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM source_heads WHERE system = ${code}`);
      expect(Number(heads[0]!.n)).toBeLessThanOrEqual(s.new);
      const provenance = await rows<{ n: string }>(
        database.db,
        sql`SELECT count(*)::text AS n FROM aid_records a LEFT JOIN source_records r ON r.id = a.source_record_ref WHERE r.id IS NULL OR r.raw = ''`,
      );
      expect(provenance[0]!.n).toBe('0');
    });

    it('re-importing the same file changes nothing', async () => {
      const fx = await fixture();
      const first = await ingest(database, adapter, bufferInput(fx.name, fx.content), { now });
      const before = await tableCounts(database);
      const again = await ingest(database, adapter, bufferInput(fx.name, fx.content), { now });
      expect(again.new).toBe(0);
      expect(again.updated).toBe(0);
      expect(again.unchanged).toBe(first.new + first.updated + first.unchanged);
      expect(again.quarantined).toBe(first.quarantined);
      expect(await tableCounts(database)).toEqual(before);
    });

    it('a file that fails its own integrity check applies nothing and says why', async () => {
      const fx = await fixture();
      if (!fx.rejected) {
        expect(adapter.verify).toBeUndefined();
        return;
      }
      const s = await ingest(database, adapter, bufferInput(fx.rejected.name, fx.rejected.content), { now });
      expect(s).toMatchObject({ rejected: true, reason: fx.rejected.reason, records: 0, new: 0, quarantined: 0 });
      expect(s.message).toBeTruthy();
      const counts = await tableCounts(database);
      expect(Object.values(counts).every((n) => n === 0)).toBe(true);
    });

    it('its SDL fragment parses and merges into the one schema', () => {
      if (adapter.sdl) expect(() => parse(adapter.sdl!)).not.toThrow();
      const schema = buildSchema();
      expect(schema.getType('AidRecord')).toBeDefined();
      // Every type the fragment defines, and every field it adds to a type, is in the schema the hub builds.
      for (const def of adapter.sdl ? parse(adapter.sdl).definitions : []) {
        if (def.kind === Kind.OBJECT_TYPE_DEFINITION) expect(schema.getType(def.name.value), def.name.value).toBeDefined();
        if (def.kind === Kind.OBJECT_TYPE_EXTENSION) {
          // Compared by shape: @graphql-tools may hold another copy of graphql's classes than this file.
          const fields = (schema.getType(def.name.value) as { getFields?: () => Record<string, unknown> } | undefined)?.getFields?.() ?? {};
          for (const f of def.fields ?? []) expect(fields[f.name.value], `${def.name.value}.${f.name.value}`).toBeDefined();
        }
      }
    });
  });
}
