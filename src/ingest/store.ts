/**
 * The ingest repository: every statement that writes source records, quarantine and canonical facts.
 * Multi-row statements per batch; each carries a label comment.
 */
import { sql } from 'drizzle-orm';
import { A, rows, type Tx } from '../db/client.ts';
import { fundCodeOf } from '../codes.ts';
import { normalizeVoucher } from '../identity/text.ts';
import type { AidFact, DonationFact, Location, MembershipFact, RefundFact, ResidenceFact, SettlementFact, StatusFact } from './adapter.ts';

export interface Head {
  contentHash: string;
  identity: string | null;
  version: number;
}

export async function loadHeads(tx: Tx, system: string, recordIds: string[]): Promise<Map<string, Head>> {
  const out = new Map<string, Head>();
  if (recordIds.length === 0) return out;
  // label: ingest.load-heads
  const r = await rows<{ record_id: string; content_hash: string; identity: string | null; version: number }>(
    tx,
    sql`SELECT record_id, content_hash, identity, version FROM source_heads WHERE system = ${system} AND record_id = ANY(${A(recordIds)}::text[])`,
  );
  for (const h of r) out.set(h.record_id, { contentHash: h.content_hash, identity: h.identity, version: Number(h.version) });
  return out;
}

/** Every version of these records ever received, by content hash. */
export async function loadKnownVersions(tx: Tx, system: string, recordIds: string[]): Promise<Set<string>> {
  if (recordIds.length === 0) return new Set();
  // label: ingest.load-known-versions
  const r = await rows<{ k: string }>(
    tx,
    sql`SELECT record_id || '#' || content_hash AS k FROM source_records WHERE system = ${system} AND record_id = ANY(${A(recordIds)}::text[])`,
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
  // label: ingest.insert-source-records
  const inserted = await rows<{ id: string; record_id: string }>(
    tx,
    sql`INSERT INTO source_records (system, record_id, content_hash, file, location, raw, ingest_run_id)
        SELECT ${system}, r, h, ${file}, l::jsonb, w, ${runId} FROM unnest(${A(ids)}::text[], ${A(hashes)}::text[], ${A(locs)}::text[], ${A(raws)}::text[]) AS t(r, h, l, w)
        ON CONFLICT (system, record_id, content_hash) DO UPDATE SET ingested_at = source_records.ingested_at
        RETURNING id::text AS id, record_id`,
  );
  for (const r of inserted) out.set(r.record_id, Number(r.id));
  const refs = ids.map((i) => out.get(i)!);
  // label: ingest.upsert-heads
  await tx.execute(sql`
    INSERT INTO source_heads (system, record_id, content_hash, identity, payment_key, version, source_record_ref)
    SELECT ${system}, r, h, i, k, 1, s FROM unnest(${A(ids)}::text[], ${A(hashes)}::text[], ${A(identities)}::text[], ${A(paymentKeys)}::text[], ${A(refs)}::bigint[]) AS t(r, h, i, k, s)
    ON CONFLICT (system, record_id) DO UPDATE SET content_hash = EXCLUDED.content_hash, payment_key = EXCLUDED.payment_key,
      identity = COALESCE(source_heads.identity, EXCLUDED.identity), version = source_heads.version + 1,
      source_record_ref = EXCLUDED.source_record_ref, updated_at = now()`);
  return out;
}

/** The records of a system known by their vouchers whose own-fields key is one of these (payment key → record ids). */
export async function recordsByPaymentKey(tx: Tx, system: string, keys: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (keys.length === 0) return out;
  // label: ingest.records-by-payment-key
  const r = await rows<{ record_id: string; payment_key: string }>(
    tx,
    sql`SELECT record_id, payment_key FROM source_heads WHERE system = ${system} AND payment_key = ANY(${A(keys)}::text[]) AND record_id <> payment_key ORDER BY record_id`,
  );
  for (const x of r) out.set(x.payment_key, [...(out.get(x.payment_key) ?? []), x.record_id]);
  return out;
}

/** The voucher, as received, of each of these aid records. */
export async function vouchersOf(tx: Tx, system: string, recordIds: string[]): Promise<Map<string, string | null>> {
  if (recordIds.length === 0) return new Map();
  // label: ingest.vouchers-of
  const r = await rows<{ record_id: string; voucher: string | null }>(
    tx,
    sql`SELECT record_id, voucher FROM aid_records WHERE system = ${system} AND record_id = ANY(${A(recordIds)}::text[])`,
  );
  return new Map(r.map((x) => [x.record_id, x.voucher]));
}

/**
 * A record delivered first without its voucher, now delivered with it, takes the voucher as its record id: the
 * same record, corrected (sources.md §8). Its versions, head, canonical rows and open quarantine follow.
 */
export async function renameRecord(tx: Tx, system: string, from: string, to: string): Promise<void> {
  // label: ingest.rename-record
  await tx.execute(sql`UPDATE source_heads SET record_id = ${to} WHERE system = ${system} AND record_id = ${from}`);
  await tx.execute(sql`UPDATE source_records SET record_id = ${to} WHERE system = ${system} AND record_id = ${from}`);
  await tx.execute(sql`UPDATE aid_records SET record_id = ${to} WHERE system = ${system} AND record_id = ${from}`);
  await tx.execute(sql`UPDATE statuses SET source_record_id = ${to} WHERE source_system = ${system} AND source_record_id = ${from}`);
  await tx.execute(sql`UPDATE household_members SET source_record_id = ${to} WHERE source_system = ${system} AND source_record_id = ${from}`);
  await tx.execute(sql`UPDATE quarantine SET record_id = ${to} WHERE system = ${system} AND record_id = ${from} AND resolved_at IS NULL`);
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
  // label: ingest.insert-quarantine
  await tx.execute(sql`
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
  // label: ingest.resolve-quarantine
  await tx.execute(sql`
    UPDATE quarantine SET resolved_at = now(), resolution = 'SUPERSEDED'
    WHERE system = ${system} AND resolved_at IS NULL AND record_id = ANY(${A(recordIds)}::text[])`);
}

type WithPerson<F> = F & { personId: number; recordId: string; sourceRef: number };

export async function applyResidences(tx: Tx, facts: WithPerson<ResidenceFact>[]): Promise<void> {
  if (facts.length === 0) return;
  // label: ingest.residence — the latest residence wins; ties go to the larger county code, so order never matters.
  await tx.execute(sql`
    UPDATE persons p SET county_code = x.c, county_as_of = x.a
    FROM (SELECT DISTINCT ON (pid) pid, c, a FROM unnest(${A(facts.map((f) => f.personId))}::bigint[], ${A(facts.map((f) => f.countyCode))}::text[],
            ${A(facts.map((f) => f.asOf))}::date[]) AS t(pid, c, a) ORDER BY pid, a DESC, c DESC) x
    WHERE p.id = x.pid AND (p.county_as_of IS NULL OR (p.county_as_of, p.county_code) < (x.a, x.c))`);
}

export async function applyMemberships(tx: Tx, system: string, facts: WithPerson<MembershipFact>[]): Promise<void> {
  if (facts.length === 0) return;
  const keys = facts.map((f) => f.householdKey);
  const incomes = facts.map((f) => (f.annualIncomeFen == null ? null : f.annualIncomeFen.toString()));
  const perCapita = facts.map((f) => (f.perCapitaIncomeFen == null ? null : f.perCapitaIncomeFen.toString()));
  const asOf = facts.map((f) => f.asOf);
  const counties = facts.map((f) => f.countyCode ?? null);
  // label: ingest.upsert-households — the income stated latest wins (ties: the larger), whatever the order.
  await tx.execute(sql`
    INSERT INTO households (key, source_system, annual_income_fen, per_capita_income_fen, income_as_of, county_code)
    SELECT DISTINCT ON (k) k, ${system}, i, p, a, c
    FROM unnest(${A(keys)}::text[], ${A(incomes)}::bigint[], ${A(perCapita)}::bigint[], ${A(asOf)}::date[], ${A(counties)}::text[]) AS t(k, i, p, a, c)
    ORDER BY k, a DESC NULLS LAST, i DESC NULLS LAST, p DESC NULLS LAST
    ON CONFLICT (key) DO UPDATE SET
      annual_income_fen = CASE WHEN households.income_as_of IS NULL OR (EXCLUDED.income_as_of, COALESCE(EXCLUDED.annual_income_fen, -1), COALESCE(EXCLUDED.per_capita_income_fen, -1)) > (households.income_as_of, COALESCE(households.annual_income_fen, -1), COALESCE(households.per_capita_income_fen, -1)) THEN EXCLUDED.annual_income_fen ELSE households.annual_income_fen END,
      per_capita_income_fen = CASE WHEN households.income_as_of IS NULL OR (EXCLUDED.income_as_of, COALESCE(EXCLUDED.annual_income_fen, -1), COALESCE(EXCLUDED.per_capita_income_fen, -1)) > (households.income_as_of, COALESCE(households.annual_income_fen, -1), COALESCE(households.per_capita_income_fen, -1)) THEN EXCLUDED.per_capita_income_fen ELSE households.per_capita_income_fen END,
      income_as_of = GREATEST(households.income_as_of, EXCLUDED.income_as_of),
      county_code = COALESCE(EXCLUDED.county_code, households.county_code)`);
  const persons = facts.map((f) => f.personId);
  const rels = facts.map((f) => f.relationship);
  const recIds = facts.map((f) => f.recordId);
  // label: ingest.upsert-members
  await tx.execute(sql`
    INSERT INTO household_members (household_id, person_id, relationship, source_system, source_record_id, since)
    SELECT DISTINCT ON (h.id, t.p) h.id, t.p, t.r, ${system}, t.s, t.a
    FROM unnest(${A(keys)}::text[], ${A(persons)}::bigint[], ${A(rels)}::text[], ${A(recIds)}::text[], ${A(asOf)}::date[]) AS t(k, p, r, s, a)
    JOIN households h ON h.key = t.k
    ORDER BY h.id, t.p, t.a DESC NULLS LAST
    ON CONFLICT (household_id, person_id) DO UPDATE SET relationship = EXCLUDED.relationship,
      since = LEAST(household_members.since, EXCLUDED.since)`);
}

export async function applyStatuses(tx: Tx, system: string, facts: WithPerson<StatusFact>[]): Promise<void> {
  if (facts.length === 0) return;
  // label: ingest.upsert-statuses — one row per key in a batch (derived statuses share keys): the earliest.
  await tx.execute(sql`
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

/** A status implied by payments is keyed by its derived key, so the person holds it once. */
function statusRecordId(f: WithPerson<StatusFact>): string {
  return f.derivedKey ?? f.recordId;
}

const F = (v: bigint) => v.toString();

export async function applySettlements(tx: Tx, facts: WithPerson<SettlementFact>[], hashes: string[]): Promise<void> {
  if (facts.length === 0) return;
  // label: ingest.upsert-settlements
  await tx.execute(sql`
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

export async function applyRefunds(tx: Tx, facts: WithPerson<RefundFact>[] | Array<RefundFact & { sourceRef: number }>): Promise<void> {
  if (facts.length === 0) return;
  // label: ingest.insert-refunds
  await tx.execute(sql`
    INSERT INTO settlement_refunds (refund_id, original_settlement_id, refunded_at, source_record_ref)
    SELECT * FROM unnest(${A(facts.map((f) => f.refundId))}::text[], ${A(facts.map((f) => f.originalSettlementId))}::text[],
      ${A(facts.map((f) => (f.at ? f.at.toISOString() : null)))}::timestamptz[], ${A(facts.map((f) => f.sourceRef))}::bigint[])
    ON CONFLICT (refund_id) DO UPDATE SET original_settlement_id = EXCLUDED.original_settlement_id, refunded_at = EXCLUDED.refunded_at`);
  // label: ingest.cancel-refunded-settlements
  await tx.execute(sql`
    UPDATE settlements s SET refunded_by = r.refund_id FROM settlement_refunds r
    WHERE r.original_settlement_id = s.settlement_id AND r.refund_id = ANY(${A(facts.map((f) => f.refundId))}::text[])
      AND (s.refunded_by IS NULL OR s.refunded_by > r.refund_id)`);
}

export async function applyAid(tx: Tx, system: string, facts: WithPerson<AidFact>[], hashes: string[], updated: Set<string>): Promise<void> {
  if (facts.length === 0) return;
  const recIds = facts.map((f) => f.recordId);
  const changed = recIds.filter((r) => updated.has(r));
  if (changed.length > 0) {
    // label: ingest.keep-aid-version — the superseded version is kept as history (rule 1).
    await tx.execute(sql`
      INSERT INTO aid_record_versions (aid_id, version, content, content_hash, source_record_ref)
      SELECT a.id, a.version, to_jsonb(a) - 'flags' - 'duplicate_of' - 'excess_fen' - 'link_kind' - 'linked_settlement_id', a.content_hash, a.source_record_ref
      FROM aid_records a WHERE a.system = ${system} AND a.record_id = ANY(${A(changed)}::text[])
      ON CONFLICT DO NOTHING`);
  }
  // label: ingest.upsert-aid
  await tx.execute(sql`
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
  // label: ingest.upsert-donations
  await tx.execute(sql`
    INSERT INTO donations (system, donation_id, donor, amount_fen, received_at, fund_code, content_hash, source_record_ref)
    SELECT ${system}, x.d, x.n, x.a, x.r, ${fundCode}, x.h, x.s FROM unnest(${A(facts.map((f) => f.donationId))}::text[], ${A(facts.map((f) => f.donor))}::text[],
      ${A(facts.map((f) => F(f.amountFen)))}::bigint[], ${A(facts.map((f) => f.receivedAt.toISOString()))}::timestamptz[], ${A(hashes)}::text[],
      ${A(facts.map((f) => f.sourceRef))}::bigint[]) AS x(d, n, a, r, h, s)
    ON CONFLICT (system, donation_id) DO UPDATE SET donor = EXCLUDED.donor, amount_fen = EXCLUDED.amount_fen, received_at = EXCLUDED.received_at,
      content_hash = EXCLUDED.content_hash, source_record_ref = EXCLUDED.source_record_ref`);
}
