/**
 * The ingest repository: every statement that writes source records, quarantine and canonical facts.
 * Multi-row statements per batch; each carries a label comment.
 */
import { and, asc, count, eq, gt, isNull, sql, type SQL } from 'drizzle-orm';
import { A, rows, type Db, type Drizzle, type Tx } from '../db/client.ts';
import { quarantine } from '../db/schema.ts';
import { fundCodeOf } from '../codes.ts';
import { normalizeVoucher } from '../identity/text.ts';
import type { RunOutcome, RunStatus } from './runs.ts';
import type { AidFact, DonationFact, Location, MembershipFact, RefundFact, ResidenceFact, SettlementFact, StatusFact } from './adapter.ts';

export interface Head {
  contentHash: string;
  identity: string | null;
  version: number;
}

export async function loadHeads(tx: Tx, system: string, recordIds: string[]): Promise<Map<string, Head>> {
  const out = new Map<string, Head>();
  if (recordIds.length === 0) return out;
  const r = await rows<{ record_id: string; content_hash: string; identity: string | null; version: number }>(
    tx,
    sql`/* ingest.load-heads */ SELECT record_id, content_hash, identity, version FROM source_heads WHERE system = ${system} AND record_id = ANY(${A(recordIds)}::text[])`,
  );
  for (const h of r) out.set(h.record_id, { contentHash: h.content_hash, identity: h.identity, version: Number(h.version) });
  return out;
}

/** Those of these systems that have no source heads at all (none of their records was ever received). */
export async function systemsWithoutHeads(tx: Tx, systems: string[]): Promise<Set<string>> {
  if (systems.length === 0) return new Set();
  const r = await rows<{ system: string }>(
    tx,
    sql`/* ingest.systems-without-heads */ SELECT s AS system FROM unnest(${A(systems)}::text[]) AS t(s) WHERE NOT EXISTS (SELECT 1 FROM source_heads h WHERE h.system = t.s)`,
  );
  return new Set(r.map((x) => x.system));
}

/** Every version of these records ever received, by content hash. */
export async function loadKnownVersions(tx: Tx, system: string, recordIds: string[]): Promise<Set<string>> {
  if (recordIds.length === 0) return new Set();
  const r = await rows<{ k: string }>(
    tx,
    sql`/* ingest.load-known-versions */ SELECT record_id || '#' || content_hash AS k FROM source_records WHERE system = ${system} AND record_id = ANY(${A(recordIds)}::text[])`,
  );
  return new Set(r.map((x) => x.k));
}

export interface NewVersion {
  recordId: string;
  contentHash: string;
  identity: string | null;
  location: Location;
  raw: string;
  paymentKey?: string | null;
  /** The provisional key the version's person reference carries (src/identity/persons.ts `separate`). */
  provisionalKey?: string | null;
}

/** Stores the raw source records of new and changed records and moves their heads; returns recordId → source_records.id. */
export async function storeVersions(tx: Tx, system: string, file: string, runId: number, versions: NewVersion[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (versions.length === 0) return out;
  const ids = versions.map((v) => v.recordId);
  const hashes = versions.map((v) => v.contentHash);
  const locs = versions.map((v) => JSON.stringify(v.location));
  const raws = versions.map((v) => v.raw);
  const identities = versions.map((v) => v.identity);
  const paymentKeys = versions.map((v) => v.paymentKey ?? null);
  const provisionalKeys = versions.map((v) => v.provisionalKey ?? null);
  const inserted = await rows<{ id: string; record_id: string }>(
    tx,
    sql`/* ingest.insert-source-records */ INSERT INTO source_records (system, record_id, content_hash, file, location, raw, ingest_run_id)
        SELECT ${system}, r, h, ${file}, l::jsonb, w, ${runId} FROM unnest(${A(ids)}::text[], ${A(hashes)}::text[], ${A(locs)}::text[], ${A(raws)}::text[]) AS t(r, h, l, w)
        ON CONFLICT (system, record_id, content_hash) DO UPDATE SET ingested_at = source_records.ingested_at
        RETURNING id::text AS id, record_id`,
  );
  for (const r of inserted) out.set(r.record_id, Number(r.id));
  const refs = ids.map((i) => out.get(i)!);
  await tx.execute(sql`/* ingest.upsert-heads */ 
    INSERT INTO source_heads (system, record_id, content_hash, identity, payment_key, provisional_key, version, source_record_ref)
    SELECT ${system}, r, h, i, k, pk, 1, s FROM unnest(${A(ids)}::text[], ${A(hashes)}::text[], ${A(identities)}::text[], ${A(paymentKeys)}::text[], ${A(provisionalKeys)}::text[], ${A(refs)}::bigint[]) AS t(r, h, i, k, pk, s)
    ON CONFLICT (system, record_id) DO UPDATE SET content_hash = EXCLUDED.content_hash, payment_key = EXCLUDED.payment_key, provisional_key = EXCLUDED.provisional_key,
      identity = COALESCE(source_heads.identity, EXCLUDED.identity), version = source_heads.version + 1,
      source_record_ref = EXCLUDED.source_record_ref, updated_at = now()`);
  return out;
}

/** The records of a system known by their vouchers whose own-fields key is one of these (payment key → record ids). */
export async function recordsByPaymentKey(tx: Tx, system: string, keys: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (keys.length === 0) return out;
  const r = await rows<{ record_id: string; payment_key: string }>(
    tx,
    sql`/* ingest.records-by-payment-key */ SELECT record_id, payment_key FROM source_heads WHERE system = ${system} AND payment_key = ANY(${A(keys)}::text[]) AND record_id <> payment_key ORDER BY record_id`,
  );
  for (const x of r) out.set(x.payment_key, [...(out.get(x.payment_key) ?? []), x.record_id]);
  return out;
}

/** The voucher, as received, of each of these aid records. */
export async function vouchersOf(tx: Tx, system: string, recordIds: string[]): Promise<Map<string, string | null>> {
  if (recordIds.length === 0) return new Map();
  const r = await rows<{ record_id: string; voucher: string | null }>(
    tx,
    sql`/* ingest.vouchers-of */ SELECT record_id, voucher FROM aid_records WHERE system = ${system} AND record_id = ANY(${A(recordIds)}::text[])`,
  );
  return new Map(r.map((x) => [x.record_id, x.voucher]));
}

/**
 * A record delivered first without its voucher, now delivered with it, takes the voucher as its record id: the
 * same record, corrected (sources.md §8). Its versions, head, canonical rows and open quarantine follow.
 */
export async function renameRecord(tx: Tx, system: string, from: string, to: string): Promise<void> {
  await tx.execute(sql`/* ingest.rename-record */ UPDATE source_heads SET record_id = ${to} WHERE system = ${system} AND record_id = ${from}`);
  await tx.execute(sql`/* ingest.rename-source-records */ UPDATE source_records SET record_id = ${to} WHERE system = ${system} AND record_id = ${from}`);
  await tx.execute(sql`/* ingest.rename-aid */ UPDATE aid_records SET record_id = ${to} WHERE system = ${system} AND record_id = ${from}`);
  await tx.execute(sql`/* ingest.rename-statuses */ UPDATE statuses SET source_record_id = ${to} WHERE source_system = ${system} AND source_record_id = ${from}`);
  await tx.execute(sql`/* ingest.rename-household-members */ UPDATE household_members SET source_record_id = ${to} WHERE source_system = ${system} AND source_record_id = ${from}`);
  await tx.execute(sql`/* ingest.rename-quarantine */ UPDATE quarantine SET record_id = ${to} WHERE system = ${system} AND record_id = ${from} AND resolved_at IS NULL`);
}

export interface QuarantineRow {
  recordId: string | null;
  location: Location;
  reason: string;
  message: string;
  raw: string;
  /** The parsed fields, as stable JSON. */
  value: string;
  rawHash: string;
}

/** Quarantines bad records; the same bad record delivered again is the same quarantine item. */
export async function storeQuarantine(tx: Tx, system: string, file: string, runId: number, items: QuarantineRow[]): Promise<void> {
  if (items.length === 0) return;
  await tx.execute(sql`/* ingest.insert-quarantine */ 
    INSERT INTO quarantine (system, file, location, record_id, reason_code, message, raw, value, raw_hash, ingest_run_id)
    SELECT ${system}, ${file}, l::jsonb, r, c, m, w, v::jsonb, h, ${runId}
    FROM unnest(${A(items.map((i) => JSON.stringify(i.location)))}::text[], ${A(items.map((i) => i.recordId))}::text[],
                ${A(items.map((i) => i.reason))}::text[], ${A(items.map((i) => i.message))}::text[], ${A(items.map((i) => i.raw))}::text[],
                ${A(items.map((i) => i.rawHash))}::text[], ${A(items.map((i) => i.value))}::text[]) AS t(l, r, c, m, w, h, v)
    ON CONFLICT (system, raw_hash) DO NOTHING`);
}

/** A valid delivery of a record settles the quarantine items of earlier bad deliveries of it. */
export async function resolveQuarantineFor(tx: Tx, system: string, recordIds: string[]): Promise<void> {
  if (recordIds.length === 0) return;
  await tx.execute(sql`/* ingest.resolve-quarantine */ 
    UPDATE quarantine SET resolved_at = now(), resolution = 'SUPERSEDED'
    WHERE system = ${system} AND resolved_at IS NULL AND record_id = ANY(${A(recordIds)}::text[])`);
}

type WithPerson<F> = F & { personId: number; recordId: string; sourceRef: number };

/**
 * Each record's residence replaces what the same record stated before (a corrected record replaces its
 * residence); the persons' counties are derived afterwards (`deriveCounties`).
 */
export async function applyResidences(tx: Tx, system: string, facts: WithPerson<ResidenceFact>[]): Promise<void> {
  if (facts.length === 0) return;
  // One residence per record, the current version's
  await tx.execute(sql`/* ingest.residence */ 
    INSERT INTO residences (source_system, source_record_id, person_id, county_code, as_of, source_record_ref)
    SELECT DISTINCT ON (r) ${system}, r, p, c, a, s FROM unnest(${A(facts.map((f) => f.recordId))}::text[], ${A(facts.map((f) => f.personId))}::bigint[],
      ${A(facts.map((f) => f.countyCode))}::text[], ${A(facts.map((f) => f.asOf))}::date[], ${A(facts.map((f) => f.sourceRef))}::bigint[]) AS t(r, p, c, a, s)
    ORDER BY r
    ON CONFLICT (source_system, source_record_id) DO UPDATE SET person_id = EXCLUDED.person_id, county_code = EXCLUDED.county_code,
      as_of = EXCLUDED.as_of, source_record_ref = EXCLUDED.source_record_ref`);
}

/**
 * Persons' counties from the current residences (domain.md "Identity"): the latest by its own date, ties to
 * the later delivery (the later source version), else the identity number's address code.
 */
export async function deriveCounties(tx: Tx, personIds: number[]): Promise<void> {
  if (personIds.length === 0) return;
  await tx.execute(sql`/* ingest.derive-counties */ 
    UPDATE persons p SET county_code = COALESCE(x.c, CASE WHEN p.id_number IS NOT NULL THEN substr(p.id_number, 1, 6) ELSE p.county_code END), county_as_of = x.a
    FROM (SELECT q.id, r.county_code AS c, r.as_of AS a FROM unnest(${A(personIds)}::bigint[]) AS q(id)
          LEFT JOIN LATERAL (SELECT county_code, as_of FROM residences WHERE person_id = q.id ORDER BY as_of DESC, source_record_ref DESC NULLS LAST LIMIT 1) r ON true) x
    WHERE p.id = x.id AND (p.county_code IS DISTINCT FROM COALESCE(x.c, CASE WHEN p.id_number IS NOT NULL THEN substr(p.id_number, 1, 6) ELSE p.county_code END)
                           OR p.county_as_of IS DISTINCT FROM x.a)`);
}

/** Each record's membership replaces what the same record stated before; households are derived afterwards (`deriveHouseholds`). */
export async function applyMemberships(tx: Tx, system: string, facts: WithPerson<MembershipFact>[]): Promise<void> {
  if (facts.length === 0) return;
  const keys = facts.map((f) => f.householdKey);
  // A household exists once a record names it
  await tx.execute(sql`/* ingest.upsert-households */ 
    INSERT INTO households (key, source_system) SELECT DISTINCT k, ${system} FROM unnest(${A(keys)}::text[]) AS t(k)
    ON CONFLICT (key) DO NOTHING`);
  // One membership per record, the current version's
  await tx.execute(sql`/* ingest.upsert-memberships */ 
    INSERT INTO memberships (source_system, source_record_id, household_key, person_id, relationship, as_of, annual_income_fen, per_capita_income_fen, county_code, source_record_ref)
    SELECT DISTINCT ON (r) ${system}, r, k, p, rel, a, i, pc, c, s
    FROM unnest(${A(facts.map((f) => f.recordId))}::text[], ${A(keys)}::text[], ${A(facts.map((f) => f.personId))}::bigint[], ${A(facts.map((f) => f.relationship))}::text[],
      ${A(facts.map((f) => f.asOf))}::date[], ${A(facts.map((f) => (f.annualIncomeFen == null ? null : f.annualIncomeFen.toString())))}::bigint[],
      ${A(facts.map((f) => (f.perCapitaIncomeFen == null ? null : f.perCapitaIncomeFen.toString())))}::bigint[], ${A(facts.map((f) => f.countyCode ?? null))}::text[],
      ${A(facts.map((f) => f.sourceRef))}::bigint[]) AS t(r, k, p, rel, a, i, pc, c, s)
    ORDER BY r
    ON CONFLICT (source_system, source_record_id) DO UPDATE SET household_key = EXCLUDED.household_key, person_id = EXCLUDED.person_id,
      relationship = EXCLUDED.relationship, as_of = EXCLUDED.as_of, annual_income_fen = EXCLUDED.annual_income_fen,
      per_capita_income_fen = EXCLUDED.per_capita_income_fen, county_code = EXCLUDED.county_code, source_record_ref = EXCLUDED.source_record_ref`);
}

/**
 * Household membership of these persons, and the income and county of these households, from the current
 * memberships: a member belongs to the households its current records name (relationship and since from
 * them); a household's income is the one stated latest (ties: the larger), its county the latest stated.
 */
export async function deriveHouseholds(tx: Tx, personIds: number[], householdKeys: string[]): Promise<void> {
  if (personIds.length > 0) {
    const P = A(personIds);
    // Memberships no current record states any more
    await tx.execute(sql`/* ingest.derive-members-remove */ 
      DELETE FROM household_members hm USING households h
      WHERE h.id = hm.household_id AND hm.person_id = ANY(${P}::bigint[])
        AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.household_key = h.key AND m.person_id = hm.person_id)`);
    await tx.execute(sql`/* ingest.derive-members */ 
      INSERT INTO household_members (household_id, person_id, relationship, source_system, source_record_id, since)
      SELECT DISTINCT ON (h.id, m.person_id) h.id, m.person_id, m.relationship, m.source_system, m.source_record_id,
        min(m.as_of) OVER (PARTITION BY h.id, m.person_id)
      FROM memberships m JOIN households h ON h.key = m.household_key
      WHERE m.person_id = ANY(${P}::bigint[])
      ORDER BY h.id, m.person_id, m.as_of DESC NULLS LAST, m.source_record_ref DESC NULLS LAST
      ON CONFLICT (household_id, person_id) DO UPDATE SET relationship = EXCLUDED.relationship, source_system = EXCLUDED.source_system,
        source_record_id = EXCLUDED.source_record_id, since = EXCLUDED.since
      -- A membership that stays as it was is not written again (a new row version and index entries for every
      -- member of every household a batch touches, most of them unchanged)
      WHERE (household_members.relationship, household_members.source_system, household_members.source_record_id, household_members.since)
        IS DISTINCT FROM (EXCLUDED.relationship, EXCLUDED.source_system, EXCLUDED.source_record_id, EXCLUDED.since)`);
  }
  if (householdKeys.length > 0) {
    // One pass over each household's memberships (one index probe a household): the income of the latest
    // statement that states one (ties: the larger), the latest statement's day, the latest stated county. As four
    // correlated sub-queries the UPDATE evaluated each twice (its condition and its SET), eight probes a
    // household, 490–630 ms a batch inside a large load (issue 17).
    await tx.execute(sql`/* ingest.derive-household-income */ 
      UPDATE households h SET annual_income_fen = x.i, per_capita_income_fen = x.pc, income_as_of = x.a, county_code = x.c
      FROM (SELECT k.key, v.i, v.pc, v.a, v.c
            FROM unnest(${A(householdKeys)}::text[]) AS k(key)
            CROSS JOIN LATERAL (
              SELECT (array_agg(m.annual_income_fen ORDER BY m.as_of DESC NULLS LAST, m.annual_income_fen DESC NULLS LAST, m.per_capita_income_fen DESC NULLS LAST)
                        FILTER (WHERE m.annual_income_fen IS NOT NULL OR m.per_capita_income_fen IS NOT NULL))[1] AS i,
                     (array_agg(m.per_capita_income_fen ORDER BY m.as_of DESC NULLS LAST, m.annual_income_fen DESC NULLS LAST, m.per_capita_income_fen DESC NULLS LAST)
                        FILTER (WHERE m.annual_income_fen IS NOT NULL OR m.per_capita_income_fen IS NOT NULL))[1] AS pc,
                     max(m.as_of) AS a,
                     (array_agg(m.county_code ORDER BY m.as_of DESC NULLS LAST, m.county_code DESC) FILTER (WHERE m.county_code IS NOT NULL))[1] AS c
              FROM memberships m WHERE m.household_key = k.key) v) x
      WHERE h.key = x.key AND (h.annual_income_fen IS DISTINCT FROM x.i OR h.per_capita_income_fen IS DISTINCT FROM x.pc
                               OR h.income_as_of IS DISTINCT FROM x.a OR h.county_code IS DISTINCT FROM x.c)`);
  }
}

/**
 * What the current versions of these records say before a correction replaces them: their persons, the
 * stays and vouchers they named, the refunds' cancelled stays, the households they put their persons in
 * and every member of those households. The new version's consequences are derived for these as well as
 * for what the new version names, so that a correction changes everything it touches, old side included.
 */
export interface Before {
  persons: number[];
  settlements: string[];
  vouchers: string[];
  households: string[];
}

export async function stateBefore(tx: Tx, system: string, recordIds: string[]): Promise<Before> {
  const out: Before = { persons: [], settlements: [], vouchers: [], households: [] };
  if (recordIds.length === 0) return out;
  const R = A(recordIds);
  // One statement over every table a record can have written
  const r = await rows<{ p: string | null; s: string | null; v: string | null; h: string | null }>(
    tx,
    sql`/* ingest.state-before */ SELECT person_id::text AS p, settlement_ref AS s, voucher_normalized AS v, NULL AS h FROM aid_records WHERE system = ${system} AND record_id = ANY(${R}::text[])
        UNION ALL SELECT NULL, linked_settlement_id, NULL, NULL FROM aid_records WHERE system = ${system} AND record_id = ANY(${R}::text[]) AND linked_settlement_id IS NOT NULL
        UNION ALL SELECT person_id::text, settlement_id, NULL, NULL FROM settlements WHERE settlement_id = ANY(${R}::text[])
        UNION ALL SELECT NULL, original_settlement_id, NULL, NULL FROM settlement_refunds WHERE refund_id = ANY(${R}::text[])
        UNION ALL SELECT person_id::text, NULL, NULL, NULL FROM statuses WHERE source_system = ${system} AND source_record_id = ANY(${R}::text[])
        UNION ALL SELECT person_id::text, NULL, NULL, NULL FROM status_statements WHERE source_system = ${system} AND source_record_id = ANY(${R}::text[])
        UNION ALL SELECT person_id::text, NULL, NULL, NULL FROM residences WHERE source_system = ${system} AND source_record_id = ANY(${R}::text[])
        UNION ALL SELECT person_id::text, NULL, NULL, household_key FROM memberships WHERE source_system = ${system} AND source_record_id = ANY(${R}::text[])`,
  );
  const persons = new Set<number>();
  const settlements = new Set<string>();
  const vouchers = new Set<string>();
  const households = new Set<string>();
  for (const x of r) {
    if (x.p !== null) persons.add(Number(x.p));
    if (x.s !== null) settlements.add(x.s);
    if (x.v !== null) vouchers.add(x.v);
    if (x.h !== null) households.add(x.h);
  }
  if (persons.size > 0 || households.size > 0) {
    // The households those persons were in, and their members
    const hh = await rows<{ key: string; p: string }>(
      tx,
      // Two index lookups joined by UNION: written as one WHERE with OR, PostgreSQL scanned every household and
      // searched the key array for each (minutes for a 1% correction delivery at 1.15 million persons).
      sql`/* ingest.state-before-households */ WITH hs AS (SELECT id FROM households WHERE key = ANY(${A([...households])}::text[])
                      UNION SELECT household_id FROM household_members WHERE person_id = ANY(${A([...persons])}::bigint[]))
          SELECT h.key, m.person_id::text AS p FROM hs JOIN households h ON h.id = hs.id JOIN household_members m ON m.household_id = h.id`,
    );
    for (const x of hh) {
      households.add(x.key);
      persons.add(Number(x.p));
    }
  }
  return { persons: [...persons], settlements: [...settlements], vouchers: [...vouchers], households: [...households] };
}

export async function applyStatuses(tx: Tx, system: string, facts: WithPerson<StatusFact>[]): Promise<void> {
  if (facts.length === 0) return;
  // One row per key in a batch (derived statuses share keys): the earliest.
  await tx.execute(sql`/* ingest.upsert-statuses */ 
    INSERT INTO statuses (person_id, category, detail, valid_from, valid_to, county_code, source_system, source_record_id, source_record_ref)
    SELECT DISTINCT ON (r) p, c, d::jsonb, f, t, k, ${system}, r, s
    FROM unnest(${A(facts.map((f) => f.personId))}::bigint[], ${A(facts.map((f) => f.category))}::text[], ${A(facts.map((f) => JSON.stringify(f.detail ?? {})))}::text[],
                ${A(facts.map((f) => f.validFrom))}::date[], ${A(facts.map((f) => f.validTo))}::date[], ${A(facts.map((f) => f.countyCode ?? null))}::text[],
                ${A(facts.map((f) => statusRecordId(f)))}::text[], ${A(facts.map((f) => f.sourceRef))}::bigint[]) AS x(p, c, d, f, t, k, r, s)
    ORDER BY r, f, s
    ON CONFLICT (source_system, source_record_id) DO UPDATE SET person_id = EXCLUDED.person_id, category = EXCLUDED.category,
      detail = CASE WHEN statuses.source_record_id LIKE 'derived:%' AND statuses.valid_from <= EXCLUDED.valid_from THEN statuses.detail ELSE EXCLUDED.detail END,
      valid_from = CASE WHEN statuses.source_record_id LIKE 'derived:%' THEN LEAST(statuses.valid_from, EXCLUDED.valid_from) ELSE EXCLUDED.valid_from END,
      valid_to = EXCLUDED.valid_to, county_code = EXCLUDED.county_code,
      source_record_ref = CASE WHEN statuses.source_record_id LIKE 'derived:%' AND statuses.valid_from <= EXCLUDED.valid_from THEN statuses.source_record_ref ELSE EXCLUDED.source_record_ref END`);
}

/**
 * Statuses a source implies through its payments (facts with a derived key): each record's statement replaces
 * what the same record stated before, and the `statuses` row of every key stated now or before is the
 * aggregate of the current statements — in force from the earliest, its detail and county from that one —
 * or is removed when no current record states it any more (a payment moved to another person takes its
 * evidence with it).
 */
export async function applyDerivedStatuses(tx: Tx, system: string, facts: WithPerson<StatusFact>[]): Promise<void> {
  if (facts.length === 0) return;
  const recIds = [...new Set(facts.map((f) => f.recordId))];
  // The records' earlier statements go; their keys are aggregated again
  const old = await rows<{ k: string }>(
    tx,
    sql`/* ingest.status-statements-replace */ DELETE FROM status_statements WHERE source_system = ${system} AND source_record_id = ANY(${A(recIds)}::text[]) RETURNING derived_key AS k`,
  );
  await tx.execute(sql`/* ingest.status-statements */ 
    INSERT INTO status_statements (source_system, source_record_id, derived_key, person_id, category, detail, valid_from, valid_to, county_code, source_record_ref)
    SELECT ${system}, r, k, p, c, d::jsonb, f, t, y, s
    FROM unnest(${A(facts.map((f) => f.recordId))}::text[], ${A(facts.map((f) => f.derivedKey!))}::text[], ${A(facts.map((f) => f.personId))}::bigint[],
      ${A(facts.map((f) => f.category))}::text[], ${A(facts.map((f) => JSON.stringify(f.detail ?? {})))}::text[], ${A(facts.map((f) => f.validFrom))}::date[],
      ${A(facts.map((f) => f.validTo))}::date[], ${A(facts.map((f) => f.countyCode ?? null))}::text[], ${A(facts.map((f) => f.sourceRef))}::bigint[]) AS x(r, k, p, c, d, f, t, y, s)
    ON CONFLICT (source_system, source_record_id, derived_key) DO UPDATE SET person_id = EXCLUDED.person_id, category = EXCLUDED.category,
      detail = EXCLUDED.detail, valid_from = EXCLUDED.valid_from, valid_to = EXCLUDED.valid_to, county_code = EXCLUDED.county_code,
      source_record_ref = EXCLUDED.source_record_ref`);
  const keys = [...new Set([...old.map((o) => o.k), ...facts.map((f) => f.derivedKey!)])];
  // Keys no current record states
  await tx.execute(sql`/* ingest.derived-statuses-remove */ 
    DELETE FROM statuses st WHERE st.source_system = ${system} AND st.source_record_id = ANY(${A(keys)}::text[])
      AND NOT EXISTS (SELECT 1 FROM status_statements m WHERE m.source_system = ${system} AND m.derived_key = st.source_record_id)`);
  // Each key from its current statements, the earliest first
  await tx.execute(sql`/* ingest.derived-statuses */ 
    INSERT INTO statuses (person_id, category, detail, valid_from, valid_to, county_code, source_system, source_record_id, source_record_ref)
    SELECT DISTINCT ON (m.derived_key) m.person_id, m.category, m.detail, m.valid_from, m.valid_to, m.county_code, ${system}, m.derived_key, m.source_record_ref
    FROM status_statements m WHERE m.source_system = ${system} AND m.derived_key = ANY(${A(keys)}::text[])
    ORDER BY m.derived_key, m.valid_from, m.source_record_id
    ON CONFLICT (source_system, source_record_id) DO UPDATE SET person_id = EXCLUDED.person_id, category = EXCLUDED.category, detail = EXCLUDED.detail,
      valid_from = EXCLUDED.valid_from, valid_to = EXCLUDED.valid_to, county_code = EXCLUDED.county_code, source_record_ref = EXCLUDED.source_record_ref`);
}

/** A status implied by payments is keyed by its derived key, so the person holds it once. */
function statusRecordId(f: WithPerson<StatusFact>): string {
  return f.derivedKey ?? f.recordId;
}

const F = (v: bigint) => v.toString();

export async function applySettlements(tx: Tx, facts: WithPerson<SettlementFact>[], hashes: string[]): Promise<void> {
  if (facts.length === 0) return;
  await tx.execute(sql`/* ingest.upsert-settlements */ 
    INSERT INTO settlements (settlement_id, person_id, insured_person_no, hospital_code, hospital_name, admitted_on, discharged_on, diagnosis_code,
      total_fen, policy_scope_fen, basic_fen, critical_fen, supplement_fen, assistance_fen, burden_fen, settled_at, content_hash, source_record_ref,
      refunded_by)
    SELECT x.*, (SELECT min(refund_id) FROM settlement_refunds r WHERE r.original_settlement_id = x.sid)
    FROM unnest(${A(facts.map((f) => f.settlementId))}::text[], ${A(facts.map((f) => f.personId))}::bigint[], ${A(facts.map((f) => f.insuredPersonNo))}::text[],
      ${A(facts.map((f) => f.hospitalCode))}::text[], ${A(facts.map((f) => f.hospitalName))}::text[], ${A(facts.map((f) => f.admittedOn))}::date[],
      ${A(facts.map((f) => f.dischargedOn))}::date[], ${A(facts.map((f) => f.diagnosisCode))}::text[], ${A(facts.map((f) => F(f.totalFen)))}::bigint[],
      ${A(facts.map((f) => F(f.policyScopeFen)))}::bigint[], ${A(facts.map((f) => F(f.basicFen)))}::bigint[], ${A(facts.map((f) => F(f.criticalFen)))}::bigint[],
      ${A(facts.map((f) => F(f.supplementFen)))}::bigint[], ${A(facts.map((f) => F(f.assistanceFen)))}::bigint[], ${A(facts.map((f) => F(f.burdenFen)))}::bigint[],
      ${A(facts.map((f) => (f.settledAt ? f.settledAt.toISOString() : null)))}::timestamptz[], ${A(hashes)}::text[], ${A(facts.map((f) => f.sourceRef))}::bigint[])
      AS x(sid, pid, psn, hc, hn, ad, dd, dc, tot, pol, bas, cri, sup, ass, bur, sat, ch, sr)
    ON CONFLICT (settlement_id) DO UPDATE SET person_id = EXCLUDED.person_id, insured_person_no = EXCLUDED.insured_person_no,
      hospital_code = EXCLUDED.hospital_code, hospital_name = EXCLUDED.hospital_name, admitted_on = EXCLUDED.admitted_on,
      discharged_on = EXCLUDED.discharged_on, diagnosis_code = EXCLUDED.diagnosis_code, total_fen = EXCLUDED.total_fen,
      policy_scope_fen = EXCLUDED.policy_scope_fen, basic_fen = EXCLUDED.basic_fen, critical_fen = EXCLUDED.critical_fen,
      supplement_fen = EXCLUDED.supplement_fen, assistance_fen = EXCLUDED.assistance_fen, burden_fen = EXCLUDED.burden_fen,
      settled_at = EXCLUDED.settled_at, content_hash = EXCLUDED.content_hash, source_record_ref = EXCLUDED.source_record_ref, updated_at = now()`);
}

export async function applyRefunds(tx: Tx, facts: WithPerson<RefundFact>[] | Array<RefundFact & { sourceRef: number }>, before: string[] = []): Promise<void> {
  if (facts.length === 0) return;
  await tx.execute(sql`/* ingest.insert-refunds */ 
    INSERT INTO settlement_refunds (refund_id, original_settlement_id, refunded_at, source_record_ref)
    SELECT * FROM unnest(${A(facts.map((f) => f.refundId))}::text[], ${A(facts.map((f) => f.originalSettlementId))}::text[],
      ${A(facts.map((f) => (f.at ? f.at.toISOString() : null)))}::timestamptz[], ${A(facts.map((f) => f.sourceRef))}::bigint[])
    ON CONFLICT (refund_id) DO UPDATE SET original_settlement_id = EXCLUDED.original_settlement_id, refunded_at = EXCLUDED.refunded_at`);
  // A stay is cancelled by the refunds that name it now, and only by them
  // (a refund corrected to name another stay gives the first one back); `before` are the stays they named before
  const named = [...new Set([...facts.map((f) => f.originalSettlementId), ...before])];
  await tx.execute(sql`/* ingest.cancel-refunded-settlements */ 
    UPDATE settlements s SET refunded_by = (SELECT min(r.refund_id) FROM settlement_refunds r WHERE r.original_settlement_id = s.settlement_id)
    WHERE s.settlement_id = ANY(${A(named)}::text[])
      AND s.refunded_by IS DISTINCT FROM (SELECT min(r.refund_id) FROM settlement_refunds r WHERE r.original_settlement_id = s.settlement_id)`);
}

export async function applyAid(tx: Tx, system: string, facts: WithPerson<AidFact>[], hashes: string[], updated: Set<string>): Promise<void> {
  if (facts.length === 0) return;
  const recIds = facts.map((f) => f.recordId);
  const changed = recIds.filter((r) => updated.has(r));
  if (changed.length > 0) {
    // The superseded version is kept as history (rule 1).
    await tx.execute(sql`/* ingest.keep-aid-version */ 
      INSERT INTO aid_record_versions (aid_id, version, content, content_hash, source_record_ref)
      SELECT a.id, a.version, to_jsonb(a) - 'flags' - 'duplicate_of' - 'excess_fen' - 'link_kind' - 'linked_settlement_id', a.content_hash, a.source_record_ref
      FROM aid_records a WHERE a.system = ${system} AND a.record_id = ANY(${A(changed)}::text[])
      ON CONFLICT DO NOTHING`);
  }
  await tx.execute(sql`/* ingest.upsert-aid */ 
    INSERT INTO aid_records (system, record_id, person_id, program, fund_code, amount_fen, approved_on, paid_on, voucher, voucher_normalized,
      settlement_ref, hospital_code, status, details, content_hash, source_record_ref)
    SELECT ${system}, x.* FROM unnest(${A(recIds)}::text[], ${A(facts.map((f) => f.personId))}::bigint[], ${A(facts.map((f) => f.program))}::text[],
      ${A(facts.map((f) => fundCodeOf(f.program)))}::text[], ${A(facts.map((f) => F(f.amountFen)))}::bigint[], ${A(facts.map((f) => f.approvedOn))}::date[],
      ${A(facts.map((f) => f.paidOn))}::date[], ${A(facts.map((f) => f.voucher))}::text[], ${A(facts.map((f) => normalizeVoucher(f.voucher)))}::text[],
      ${A(facts.map((f) => f.settlementRef))}::text[], ${A(facts.map((f) => f.hospitalCode))}::text[], ${A(facts.map((f) => f.status))}::text[],
      ${A(facts.map((f) => JSON.stringify(f.details ?? {})))}::jsonb[], ${A(hashes)}::text[], ${A(facts.map((f) => f.sourceRef))}::bigint[])
      AS x(r, p, pg, fc, am, ap, pa, v, vn, sr, hc, st, d, ch, src)
    ON CONFLICT (system, record_id) DO UPDATE SET person_id = EXCLUDED.person_id, program = EXCLUDED.program, fund_code = EXCLUDED.fund_code,
      amount_fen = EXCLUDED.amount_fen, approved_on = EXCLUDED.approved_on, paid_on = EXCLUDED.paid_on, voucher = EXCLUDED.voucher,
      voucher_normalized = EXCLUDED.voucher_normalized, settlement_ref = EXCLUDED.settlement_ref, hospital_code = EXCLUDED.hospital_code,
      status = CASE WHEN aid_records.status = 'ARRIVED' AND EXCLUDED.status = 'PAID' THEN 'ARRIVED' ELSE EXCLUDED.status END,
      details = EXCLUDED.details, content_hash = EXCLUDED.content_hash, source_record_ref = EXCLUDED.source_record_ref,
      version = aid_records.version + 1, updated_at = now()
    WHERE aid_records.content_hash <> EXCLUDED.content_hash`);
}

export async function applyDonations(tx: Tx, system: string, fundCode: string, facts: Array<DonationFact & { recordId: string; sourceRef: number }>, hashes: string[]): Promise<void> {
  if (facts.length === 0) return;
  await tx.execute(sql`/* ingest.upsert-donations */ 
    INSERT INTO donations (system, donation_id, donor, amount_fen, received_at, fund_code, content_hash, source_record_ref)
    SELECT ${system}, x.d, x.n, x.a, x.r, ${fundCode}, x.h, x.s FROM unnest(${A(facts.map((f) => f.donationId))}::text[], ${A(facts.map((f) => f.donor))}::text[],
      ${A(facts.map((f) => F(f.amountFen)))}::bigint[], ${A(facts.map((f) => f.receivedAt.toISOString()))}::timestamptz[], ${A(hashes)}::text[],
      ${A(facts.map((f) => f.sourceRef))}::bigint[]) AS x(d, n, a, r, h, s)
    ON CONFLICT (system, donation_id) DO UPDATE SET donor = EXCLUDED.donor, amount_fen = EXCLUDED.amount_fen, received_at = EXCLUDED.received_at,
      content_hash = EXCLUDED.content_hash, source_record_ref = EXCLUDED.source_record_ref`);
}

// Ingest runs (src/ingest/runs.ts keeps the owner, the heartbeat's timing and which runs the sweep takes for gone)

/** Writes a run RUNNING, owned by `owner`; returns its id. */
export async function insertRun(db: Db, system: string, file: string, owner: string): Promise<number> {
  const run = await rows<{ id: string }>(
    db,
    sql`/* runs.start */ INSERT INTO ingest_runs (system, file, owner, heartbeat_at) VALUES (${system}, ${file}, ${owner}, now()) RETURNING id::text AS id`,
  );
  return Number(run[0]!.id);
}

export async function markRunFinished(db: Db, s: RunOutcome): Promise<void> {
  await db.execute(sql`/* runs.finish */
    UPDATE ingest_runs SET status = 'FINISHED', finished_at = now(), records = ${s.records}, new_count = ${s.new}, updated_count = ${s.updated},
      unchanged_count = ${s.unchanged}, quarantined_count = ${s.quarantined}, rejected = ${s.rejected},
      reason = ${s.reason}, message = ${s.message}
    WHERE id = ${s.runId}`);
}

/** Marks these runs ABORTED (those still RUNNING) with this message. */
export async function markRunsFailed(db: Db, runIds: number[], message: string): Promise<void> {
  await db.execute(
    sql`/* runs.abort-failed */ UPDATE ingest_runs SET status = 'ABORTED', finished_at = now(), reason = 'ABORTED',
            message = ${message}
          WHERE id = ANY(${A(runIds)}::bigint[]) AND status = 'RUNNING'`,
  );
}

export async function beatRuns(db: Db, runIds: number[]): Promise<void> {
  await db.execute(sql`/* runs.heartbeat */ UPDATE ingest_runs SET heartbeat_at = now() WHERE id = ANY(${A(runIds)}::bigint[]) AND status = 'RUNNING'`);
}

/**
 * Marks ABORTED the RUNNING runs of owners other than `owner`: with `staleAfterS`, only those whose heartbeat
 * (or start) is older than that many seconds; without, all of them. Returns their ids.
 */
export async function abortRunsOfGoneOwners(db: Db, owner: string, staleAfterS: number | null): Promise<number[]> {
  const gone =
    staleAfterS !== null
      ? sql`owner IS DISTINCT FROM ${owner} AND coalesce(heartbeat_at, started_at) < now() - make_interval(secs => ${staleAfterS})`
      : sql`owner IS DISTINCT FROM ${owner}`;
  const aborted = await rows<{ id: string }>(
    db,
    sql`/* runs.abort-orphaned */ UPDATE ingest_runs SET status = 'ABORTED', finished_at = now(), reason = 'ABORTED',
          message = 'the process running this ingest stopped before it finished (' || coalesce(owner, 'unknown') || '); nothing of it was applied'
        WHERE status = 'RUNNING' AND ${gone} RETURNING id::text AS id`,
  );
  return aborted.map((r) => Number(r.id));
}

export interface RunRow {
  id: number;
  system: string;
  file: string;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  records: number;
  quarantined: number;
  rejected: boolean;
  reason: string | null;
  message: string | null;
  owner: string | null;
}

/** Runs newest first, optionally of one status; `afterId` pages on. */
export async function listRuns(db: Db, opts: { status?: RunStatus | null; afterId?: number | null; limit: number }): Promise<{ items: RunRow[]; total: number; hasNext: boolean }> {
  const where = sql`(${opts.status ?? null}::text IS NULL OR status = ${opts.status ?? null})`;
  const page = await rows<Record<string, unknown>>(
    db,
    sql`/* runs.list */ SELECT id::text AS id, system, file, status, (extract(epoch FROM started_at) * 1000)::bigint::text AS started_at, (extract(epoch FROM finished_at) * 1000)::bigint::text AS finished_at, records, quarantined_count,
          rejected, reason, message, owner
        FROM ingest_runs WHERE ${where} AND (${opts.afterId ?? null}::bigint IS NULL OR id < ${opts.afterId ?? null}) ORDER BY id DESC LIMIT ${opts.limit + 1}`,
  );
  const total = await rows<{ n: string }>(db, sql`/* runs.count */ SELECT count(*)::text AS n FROM ingest_runs WHERE ${where}`);
  const items = page.slice(0, opts.limit).map((r) => ({
    id: Number(r.id),
    system: String(r.system),
    file: String(r.file),
    status: r.status as RunStatus,
    startedAt: new Date(Number(r.started_at)),
    finishedAt: r.finished_at === null ? null : new Date(Number(r.finished_at)),
    records: Number(r.records),
    quarantined: Number(r.quarantined_count),
    rejected: Boolean(r.rejected),
    reason: (r.reason as string | null) ?? null,
    message: (r.message as string | null) ?? null,
    owner: (r.owner as string | null) ?? null,
  }));
  return { items, total: Number(total[0]!.n), hasNext: page.length > opts.limit };
}

// Pull watermarks (src/ingest/pull.ts decides where a watermark moves)

export async function loadWatermark(db: Db, system: string): Promise<string | null> {
  const r = await rows<{ watermark: string }>(db, sql`/* pull.read-watermark */ SELECT watermark FROM sync_watermarks WHERE system = ${system}`);
  return r[0]?.watermark ?? null;
}

export async function storeWatermark(db: Db, system: string, watermark: string): Promise<void> {
  await db.execute(sql`/* pull.store-watermark */ 
          INSERT INTO sync_watermarks (system, watermark) VALUES (${system}, ${watermark})
          ON CONFLICT (system) DO UPDATE SET watermark = EXCLUDED.watermark, updated_at = now()`);
}

// Reading the quarantine (src/ingest/quarantine.ts, src/ingest/reprocess.ts)

/** Quarantine items in id order, optionally of one system and with the resolved ones; `afterId` pages on. */
export async function quarantinePage(
  db: Db,
  opts: { system?: string | null; afterId?: number | null; limit: number; includeResolved?: boolean },
): Promise<{ items: Array<typeof quarantine.$inferSelect>; total: number; hasNext: boolean }> {
  const where: SQL[] = [];
  if (opts.system) where.push(eq(quarantine.system, opts.system));
  if (!opts.includeResolved) where.push(isNull(quarantine.resolvedAt));
  const filter = where.length ? and(...where) : undefined;
  const [{ n }] = (await db.select({ n: count() }).from(quarantine).where(and(sql`/* quarantine.count */ true`, filter))) as [{ n: number }];
  const pageWhere = opts.afterId ? and(filter, gt(quarantine.id, opts.afterId)) : filter;
  const items = await db.select().from(quarantine).where(and(sql`/* quarantine.page */ true`, pageWhere)).orderBy(asc(quarantine.id)).limit(opts.limit + 1);
  return { items: items.slice(0, opts.limit), total: Number(n), hasNext: items.length > opts.limit };
}

/** One quarantine item by id, resolved or not. */
export async function quarantineItem(db: Db, id: number): Promise<typeof quarantine.$inferSelect | undefined> {
  const [item] = await db.select().from(quarantine).where(sql`/* reprocess.load-item */ ${quarantine.id} = ${id}`).limit(1);
  return item;
}

/** Resolves a quarantine item as re-processed. */
export async function resolveReprocessed(db: Db, id: number): Promise<void> {
  await db.execute(sql`/* reprocess.resolve-item */ UPDATE quarantine SET resolved_at = now(), resolution = 'REPROCESSED' WHERE id = ${id}`);
}

// Planner statistics (src/ingest/statistics.ts decides when)

/** The tables an ingest writes and derivation reads. */
const INGEST_TABLES = sql.raw(
  'persons, households, household_members, statuses, settlements, settlement_refunds, aid_records, donations, source_records, source_heads, quarantine, ledger_transactions, ledger_postings, warnings, person_merges',
);

/** ANALYZE of the tables an ingest writes, inside the caller's transaction (it sees the transaction's own rows). */
export async function analyzeIngestTables(tx: Tx): Promise<void> {
  await tx.execute(sql`/* ingest.analyze */ ANALYZE ${INGEST_TABLES}`);
}

/**
 * After a bulk load has committed (outside any transaction): the aid table vacuumed, so that its pages are marked
 * all-visible and the quarterly report reads a quarter's aid from its index alone. Until autovacuum comes round
 * to a table just written (minutes at provincial scale), every index entry is checked against the table: the
 * report took 2.2–2.6 s then at 1,150,000 persons, 0.8–1.5 s once vacuumed (issue 17). A role that does not own
 * the table gets a warning from PostgreSQL and the load is unaffected.
 */
export async function vacuumAfterLoad(db: Drizzle): Promise<void> {
  await db.execute(sql`/* ingest.vacuum-after-load */ VACUUM (ANALYZE) aid_records`);
}

// Units of work

/**
 * A savepoint inside the caller's transaction: `work` is undone alone when it throws (the transaction goes
 * on), kept when it resolves. (drizzle's nested transaction, on both drivers.)
 */
export function savepoint<T>(tx: Tx, work: (sp: Tx) => Promise<T>): Promise<T> {
  return tx.transaction(work);
}
