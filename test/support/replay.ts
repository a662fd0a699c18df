/**
 * Every derived fact of a database, keyed by what does not depend on delivery order (identity numbers,
 * household keys, (system, record id), settlement ids — never serial ids): counties and households, links,
 * flags, duplicates, excess, the stays' counted aid, excess and remaining, the review queue, the open
 * warnings and their evidence, eligibility answers and the quarterly report rows. Two databases hold the same
 * answers exactly when their `derivedState` is equal (replay equivalence, domain.md "Corrections").
 */
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/db/client.ts';
import { openItems } from '../../src/review/service.ts';
import { eligibility } from '../../src/policy/eligibility.ts';
import { quarterlyReport, DIMENSIONS } from '../../src/reports/quarterly.ts';
import { AWAITING_ARRIVAL, excessOf, remainingOf } from '../../src/shared/rules.ts';

export const ELIGIBILITY_RULES = ['CHARITY_GENERAL_HARDSHIP', 'RURAL_MEDICAL_SUPPORT', 'WOMEN_TWO_CANCERS'];

/**
 * The fund figures of the quarterly report are compared too (value dates: they follow the current facts, not
 * the order of delivery). A switch only so that a failure can be narrowed down to the fund section.
 */
export const fundComparison: { include: boolean } = { include: true };

export async function derivedState(database: Database, opts: { asOf: string; quarters: Array<[number, number]> }) {
  const db = database.db;
  // Persons some current record is about (a person a correction left with nothing counts in nothing).
  const persons = await rows<{ k: string; county: string | null; households: string | null }>(
    db,
    sql`SELECT COALESCE(p.id_number, p.provisional_key) AS k, p.county_code AS county,
          (SELECT string_agg(h.key || ':' || COALESCE(m.relationship, '-'), ',' ORDER BY h.key) FROM household_members m JOIN households h ON h.id = m.household_id WHERE m.person_id = p.id) AS households
        FROM persons p
        WHERE p.merged_into IS NULL AND (EXISTS (SELECT 1 FROM aid_records a WHERE a.person_id = p.id) OR EXISTS (SELECT 1 FROM settlements s WHERE s.person_id = p.id)
          OR EXISTS (SELECT 1 FROM statuses s WHERE s.person_id = p.id) OR EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = p.id))
        ORDER BY 1`,
  );
  const households = await rows<{ key: string; income: string | null; pc: string | null; county: string | null; members: string }>(
    db,
    sql`SELECT h.key, h.annual_income_fen::text AS income, h.per_capita_income_fen::text AS pc, h.county_code AS county,
          string_agg(COALESCE(p.id_number, p.provisional_key), ',' ORDER BY COALESCE(p.id_number, p.provisional_key)) AS members
        FROM households h JOIN household_members m ON m.household_id = h.id JOIN persons p ON p.id = m.person_id
        GROUP BY h.key, h.annual_income_fen, h.per_capita_income_fen, h.county_code ORDER BY h.key`,
  );
  // (county and category: the payer's, derived for the quarterly report)
  const aid = await rows<{ k: string; person: string; status: string; link: string; sid: string | null; dup: string | null; flags: string; excess: string; county: string | null; category: string | null }>(
    db,
    sql`SELECT a.system || '/' || a.record_id AS k, COALESCE(p.id_number, p.provisional_key) AS person, a.status, a.link_kind AS link, a.linked_settlement_id AS sid,
          d.system || '/' || d.record_id AS dup, array_to_string(ARRAY(SELECT unnest(a.flags) ORDER BY 1), ',') AS flags, a.excess_fen::text AS excess,
          a.person_county_code AS county, a.category_on_paid AS category
        FROM aid_records a JOIN persons p ON p.id = a.person_id LEFT JOIN aid_records d ON d.id = a.duplicate_of
        ORDER BY a.system, a.record_id`,
  );
  const stays = await rows<{ id: string; person: string; refunded: boolean; burden: string; counted: string }>(
    db,
    sql`SELECT s.settlement_id AS id, COALESCE(p.id_number, p.provisional_key) AS person, s.refunded_by IS NOT NULL AS refunded, s.burden_fen::text AS burden,
          COALESCE((SELECT sum(a.amount_fen) FROM aid_records a WHERE a.linked_settlement_id = s.settlement_id AND a.duplicate_of IS NULL AND a.status <> 'REVERSED'), 0)::text AS counted
        FROM settlements s JOIN persons p ON p.id = s.person_id ORDER BY s.settlement_id`,
  );
  const settlements = stays.map((s) => ({
    ...s,
    remaining: remainingOf(BigInt(s.burden), BigInt(s.counted), s.refunded).toString(),
    excess: excessOf(BigInt(s.burden), BigInt(s.counted), s.refunded).toString(),
  }));
  const queue = (await openItems(db, null, null, 10_000)).items;
  const aidKeys = await rows<{ id: string; k: string }>(db, sql`SELECT id::text, system || '/' || record_id AS k FROM aid_records`);
  const keyOf = new Map(aidKeys.map((a) => [Number(a.id), a.k]));
  const review = queue.map((i) => `${keyOf.get(i.aidId)}:${i.kind}`).sort();
  const personKeys = await rows<{ id: string; k: string }>(db, sql`SELECT id::text, COALESCE(id_number, provisional_key) AS k FROM persons`);
  const personOf = new Map(personKeys.map((p) => [p.id, p.k]));
  const warnings = (
    await rows<{ kind: string; hkey: string | null; person: string | null; sid: string | null; county: string | null; evidence: Record<string, unknown> }>(
      db,
      sql`SELECT w.kind, h.key AS hkey, COALESCE(p.id_number, p.provisional_key) AS person, w.settlement_id AS sid, w.county_code AS county, w.evidence
          FROM warnings w LEFT JOIN households h ON h.id = w.household_id LEFT JOIN persons p ON p.id = w.person_id WHERE w.closed_at IS NULL`,
    )
  )
    .map((w) => {
      const e = { ...w.evidence } as Record<string, unknown>;
      if (Array.isArray(e.stays)) e.stays = (e.stays as Array<Record<string, unknown>>).map((s) => ({ ...s, personId: personOf.get(String(s.personId)) }));
      return JSON.stringify({ ...w, evidence: e });
    })
    .sort();
  const answers: string[] = [];
  for (const p of persons) {
    if (!/^\d{17}[\dX]$/.test(p.k)) continue;
    for (const rule of ELIGIBILITY_RULES) {
      const a = await eligibility(db, p.k, rule, opts.asOf);
      answers.push(`${p.k}:${rule}:${a.eligible}:${a.reasons.join('+')}`);
    }
  }
  await transitAgrees(database);
  await nothingPending(database);
  const reports = [];
  for (const [year, quarter] of opts.quarters) {
    const r = await quarterlyReport(db, year, quarter, [...DIMENSIONS]);
    reports.push({ year, quarter, rows: r.rows, totals: r.totals, ...(fundComparison.include ? { funds: r.funds } : {}) });
  }
  return { persons, households, aid, settlements, review, warnings, eligibility: answers, reports };
}

/**
 * Every aid record the triggers marked for the ledger (ledger_pending) was booked and unmarked before its
 * transaction committed: a mark left over is a writer of aid records that did not settle what it changed.
 */
export async function nothingPending(database: Database): Promise<void> {
  const left = await rows<{ id: string }>(database.db, sql`SELECT aid_id::text AS id FROM ledger_pending ORDER BY aid_id LIMIT 10`);
  if (left.length > 0) throw new Error(`aid records left marked for the ledger: ${left.map((l) => l.id).join(', ')}`);
}

/**
 * The rollup the report reads paid-not-arrived from (transit_daily, kept by triggers) equals the rule asked of
 * the records themselves; throws with both when not. Every scenario that compares states checks it on both sides.
 */
export async function transitAgrees(database: Database): Promise<void> {
  const byRule = await rows<{ f: string; d: string; m: string; n: string }>(
    database.db,
    sql`SELECT fund_code AS f, paid_on::text AS d, sum(amount_fen)::text AS m, count(*)::text AS n FROM aid_records
        WHERE ${AWAITING_ARRIVAL} AND paid_on IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const kept = await rows<{ f: string; d: string; m: string; n: string }>(
    database.db,
    sql`SELECT fund_code AS f, paid_on::text AS d, amount_fen::text AS m, records::text AS n FROM transit_daily ORDER BY 1, 2`,
  );
  const a = JSON.stringify(byRule);
  const b = JSON.stringify(kept);
  if (a !== b) throw new Error(`transit_daily differs from the rule: by the rule ${a}, kept ${b}`);
}
