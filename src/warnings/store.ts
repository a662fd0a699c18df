/**
 * The warnings' SQL: the set-based passes that find each unit's net burden and the stays of missed
 * assistance, the open warnings in a change's scope, opening, refreshing and closing them, and the reads of the
 * API (src/warnings/compute.ts decides which warnings hold; src/warnings/resolvers.ts answers).
 */
import { sql, type SQL } from 'drizzle-orm';
import { A, rows, type Db, type Tx } from '../db/client.ts';
import { KEY_CATEGORIES, LOW_INCOME_CATEGORIES } from '../codes.ts';
import { countsSql, highestCategoryAgg, netBurdenSql, statusInForce } from '../shared/rules.ts';
import { personIn, personSlices, slicing, type PersonSet } from '../shared/person-sets.ts';

/**
 * Which units a burden pass covers: households as a condition on `household_members hm`, and the candidates for
 * persons of no household as a condition on `persons p`.
 */
export interface UnitFilter {
  households: SQL;
  solos: SQL;
  /** Only units with a burden (when every open warning is in scope anyway). */
  burdenedOnly: boolean;
}

/**
 * The units of a list of persons: the households and persons of no household are looked up first, by index, and
 * passed on as arrays: written as a sub-query of the burden statement, PostgreSQL guessed ten times the households
 * and members there are (a semi-join of household_members on itself), and hashed whole `settlements`,
 * `aid_records` and `statuses` for a few thousand members. An array's length is known to the planner.
 */
export async function unitsOf(tx: Tx, persons: PersonSet): Promise<{ filter: UnitFilter; households: number[]; solos: number[] }> {
  const units = await rows<{ hid: string | null; pid: string | null }>(
    tx,
    sql`/* warnings.scope-units */ SELECT DISTINCT household_id::text AS hid, NULL::text AS pid FROM household_members WHERE ${personIn(sql`person_id`, persons)}
        UNION ALL
        SELECT NULL, p.id::text FROM persons p
        WHERE ${personIn(sql`p.id`, persons)} AND p.merged_into IS NULL AND NOT EXISTS (SELECT 1 FROM household_members m WHERE m.person_id = p.id)`,
  );
  const households = units.filter((u) => u.hid !== null).map((u) => Number(u.hid));
  const solos = units.filter((u) => u.pid !== null).map((u) => Number(u.pid));
  return {
    filter: {
      households: households.length ? sql`hm.household_id = ANY(${A(households)}::bigint[])` : sql`false`,
      solos: solos.length ? sql`p.id = ANY(${A(solos)}::bigint[])` : sql`false`,
      burdenedOnly: false,
    },
    households,
    solos,
  };
}

/**
 * One slice of a pass over every unit: the burden pass's filter, the persons whose missed assistance it covers,
 * and the open warnings that are its own, as a condition on `warnings`. Each open warning belongs to exactly one
 * slice (a household's to its household-id slice; a person's own and missed assistance, which name no
 * household, to its person-id slice), so that each slice is settled on its own and what is held in memory is one
 * slice's warnings, whatever the province's size.
 */
export interface WholeSlice {
  filter: UnitFilter;
  persons: PersonSet | null;
  open: SQL;
}

/** Every unit as slices: household-id slices, then person-id slices (`slicing.persons` ids each). */
export async function wholeSlices(tx: Tx): Promise<WholeSlice[]> {
  const out: WholeSlice[] = [];
  const h = await rows<{ lo: string | null; hi: string | null }>(tx, sql`/* warnings.household-range */ SELECT min(id)::text AS lo, max(id)::text AS hi FROM households`);
  if (h[0]!.lo !== null) {
    for (let from = Number(h[0]!.lo); from <= Number(h[0]!.hi); from += slicing.persons) {
      const below = from + slicing.persons;
      out.push({
        filter: { households: sql`(hm.household_id >= ${from} AND hm.household_id < ${below})`, solos: sql`false`, burdenedOnly: true },
        persons: null,
        open: sql`(household_id >= ${from} AND household_id < ${below})`,
      });
    }
  }
  for (const slice of await personSlices(tx)) {
    out.push({
      filter: { households: sql`false`, solos: personIn(sql`p.id`, slice), burdenedOnly: true },
      persons: slice,
      open: sql`(household_id IS NULL AND ${personIn(sql`person_id`, slice)})`,
    });
  }
  return out;
}

export interface UnitRow {
  hid: string | null;
  pid: string | null;
  county: string | null;
  income: string | null;
  low_now: boolean;
  key_now: boolean;
  ended_recently: boolean;
  net: string;
  stays: Array<{ settlementId: string; personId: string; burden: string; aid: string }> | null;
}

/**
 * One row per household (or person of no household) of the filter: its county, income, statuses now and
 * recently ended, and the net burden of its members' stays discharged in the `days` up to `today`, stay by stay.
 * In household then person order, so that the warnings a pass opens get their ids in one order whatever the
 * plan (a full load opened them in hash order, different from one load of the same files to the next).
 */
export async function burdenUnits(tx: Tx, filter: UnitFilter, today: string, days: number, years: number): Promise<UnitRow[]> {
  return rows<UnitRow>(
    tx,
    sql`/* warnings.household-burden */ WITH units AS (
          SELECT DISTINCT hm.household_id AS hid, NULL::bigint AS pid, 'h' || hm.household_id AS ukey FROM household_members hm
          WHERE ${filter.households}
          UNION ALL
          SELECT NULL::bigint, p.id, 'p' || p.id FROM persons p
          WHERE ${filter.solos} AND p.merged_into IS NULL AND NOT EXISTS (SELECT 1 FROM household_members m WHERE m.person_id = p.id)
        ),
        -- The members of a household read with the condition of its unit (not joined back to the units: a join
        -- of household_members on a list of households is estimated at every household's members). Their
        -- statuses and stays are looked up per member (LATERAL … OFFSET 0, not flattened into a join): joined,
        -- the planner hashed the whole statuses and settlements tables for a few thousand members (1.0 of 1.7 s
        -- for a correction delivery's households at full scale).
        members AS (
          SELECT 'h' || hm.household_id AS ukey, hm.person_id AS member FROM household_members hm WHERE ${filter.households}
          UNION ALL
          SELECT ukey, pid FROM units WHERE pid IS NOT NULL
        ),
        sizes AS (SELECT ukey, count(*) AS n, min(member) AS first_member FROM members GROUP BY ukey),
        flags AS (
          SELECT m.ukey,
            bool_or(st.category = ANY(${A(LOW_INCOME_CATEGORIES)}::text[]) AND ${statusInForce('st', sql`${today}::date`)}) AS low_now,
            bool_or(st.category = ANY(${A(KEY_CATEGORIES)}::text[]) AND ${statusInForce('st', sql`${today}::date`)}) AS key_now,
            bool_or(st.category = ANY(${A([...KEY_CATEGORIES, ...LOW_INCOME_CATEGORIES])}::text[])
                    AND st.valid_to < ${today}::date AND st.valid_to >= ${today}::date - make_interval(years => ${years}::int)) AS ended_recently
          FROM members m JOIN LATERAL (SELECT st.category, st.valid_from, st.valid_to FROM statuses st WHERE st.person_id = m.member OFFSET 0) st ON true
          GROUP BY m.ukey
        ),
        stays AS (
          SELECT m.ukey, s.settlement_id, s.person_id, s.burden_fen, COALESCE(sum(a.amount_fen), 0) AS aid
          FROM members m
          JOIN LATERAL (
            SELECT s.settlement_id, s.person_id, s.burden_fen FROM settlements s
            WHERE s.person_id = m.member AND s.refunded_by IS NULL
              AND s.discharged_on > ${today}::date - ${days}::int AND s.discharged_on <= ${today}::date OFFSET 0) s ON true
          LEFT JOIN aid_records a ON a.linked_settlement_id = s.settlement_id AND ${countsSql('a')}
          GROUP BY m.ukey, s.settlement_id, s.person_id, s.burden_fen
        ),
        burden AS (
          SELECT ukey, sum(${netBurdenSql(sql`burden_fen`, sql`aid`)}) AS net,
            json_agg(json_build_object('settlementId', settlement_id, 'personId', person_id::text, 'burden', burden_fen::text, 'aid', aid::text) ORDER BY settlement_id) AS stays
          FROM stays GROUP BY ukey
        )
        SELECT u.hid::text, u.pid::text, COALESCE(h.county_code, fp.county_code) AS county,
          (CASE WHEN h.annual_income_fen IS NOT NULL THEN h.annual_income_fen
                WHEN h.per_capita_income_fen IS NOT NULL THEN h.per_capita_income_fen * z.n END)::text AS income,
          COALESCE(f.low_now, false) AS low_now, COALESCE(f.key_now, false) AS key_now, COALESCE(f.ended_recently, false) AS ended_recently,
          COALESCE(b.net, 0)::text AS net, b.stays
        FROM units u
        LEFT JOIN burden b ON b.ukey = u.ukey
        LEFT JOIN households h ON h.id = u.hid
        LEFT JOIN sizes z ON z.ukey = u.ukey
        LEFT JOIN persons fp ON fp.id = z.first_member
        LEFT JOIN flags f ON f.ukey = u.ukey
        ${filter.burdenedOnly ? sql`WHERE b.net > 0` : sql``}
        ORDER BY u.hid, u.pid`,
  );
}

export interface MissedRow {
  settlement_id: string;
  person_id: string;
  county: string | null;
  category: string;
  discharged: string;
  burden: string;
}

/** Stays of the persons discharged while holding one of the categories, with no assistance fund paid, by stay. */
export async function missedAssistanceStays(tx: Tx, persons: PersonSet, cats: readonly string[]): Promise<MissedRow[]> {
  return rows<MissedRow>(
    tx,
    sql`/* warnings.missed-assistance */ SELECT s.settlement_id, s.person_id::text, p.county_code AS county, ${highestCategoryAgg(sql`st.category`)} AS category, s.discharged_on::text AS discharged, s.burden_fen::text AS burden
        FROM settlements s JOIN persons p ON p.id = s.person_id
        JOIN statuses st ON st.person_id = s.person_id AND st.category = ANY(${A(cats)}::text[])
          AND ${statusInForce('st', sql`s.discharged_on`)}
        WHERE ${personIn(sql`s.person_id`, persons)} AND s.refunded_by IS NULL AND s.assistance_fen = 0
        GROUP BY s.settlement_id, s.person_id, p.county_code, s.discharged_on, s.burden_fen
        ORDER BY s.settlement_id`,
  );
}

export interface OpenWarning {
  id: string;
  kind: string;
  household_id: string | null;
  person_id: string | null;
  settlement_id: string | null;
}

/**
 * The open warnings a change of these persons can affect: of their households and persons of no household
 * (a person's own warning is in scope with the person, so that it closes once a membership puts the person in
 * a household), their missed assistance, and those of households that no longer have members.
 */
export async function openWarningsInScope(tx: Tx, persons: PersonSet, units: { households: number[]; solos: number[] }): Promise<OpenWarning[]> {
  return rows<OpenWarning>(
    tx,
    // One index lookup per kind of unit, joined by UNION (written as one WHERE with OR, PostgreSQL scanned every
    // warning and hashed every household member). A household left without members is found by none of its
    // members any more: that branch reads the open household warnings (a partial index) and probes each one's
    // members, a pass bounded by the open household warnings, not by the province.
    sql`/* warnings.open-in-scope-units */ SELECT id::text, kind, household_id::text, person_id::text, settlement_id FROM warnings
        WHERE closed_at IS NULL AND household_id = ANY(${A(units.households)}::bigint[])
        UNION SELECT id::text, kind, household_id::text, person_id::text, settlement_id FROM warnings
        WHERE closed_at IS NULL AND household_id IS NULL AND settlement_id IS NULL AND person_id = ANY(${A(units.solos)}::bigint[])
        UNION SELECT id::text, kind, household_id::text, person_id::text, settlement_id FROM warnings
        WHERE closed_at IS NULL AND ${personIn(sql`person_id`, persons)}
          AND ((household_id IS NULL AND settlement_id IS NULL) OR kind = 'MISSED_ASSISTANCE')
        UNION SELECT id::text, kind, household_id::text, person_id::text, settlement_id FROM warnings w
        WHERE closed_at IS NULL AND household_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM household_members m WHERE m.household_id = w.household_id)`,
  );
}

/** The open warnings of one slice of a pass over every unit (`WholeSlice.open`). */
export async function openWarningsOfSlice(tx: Tx, slice: WholeSlice): Promise<OpenWarning[]> {
  return rows<OpenWarning>(tx, sql`/* warnings.open-in-slice */ SELECT id::text, kind, household_id::text, person_id::text, settlement_id FROM warnings WHERE closed_at IS NULL AND ${slice.open}`);
}

/** Closes warnings that no longer hold (never deleted). */
export async function closeWarnings(tx: Tx, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.execute(sql`/* warnings.close */ UPDATE warnings SET closed_at = now() WHERE id = ANY(${A(ids)}::bigint[])`);
}

export interface WarningFacts {
  kind: string;
  householdId: number | null;
  personId: number | null;
  settlementId: string | null;
  county: string | null;
  evidence: Record<string, unknown>;
  policy: { code: string; version: number };
}

/** Updates the evidence, policy version and county of warnings that still hold, in one statement (only those that changed). */
export async function refreshWarnings(tx: Tx, refresh: Array<{ id: number; d: WarningFacts }>): Promise<void> {
  if (refresh.length === 0) return;
  await tx.execute(sql`/* warnings.refresh-evidence */ 
      UPDATE warnings w SET evidence = x.e::jsonb, policy_version = x.v, county_code = x.c
      FROM unnest(${A(refresh.map((r) => r.id))}::bigint[], ${A(refresh.map((r) => JSON.stringify(r.d.evidence)))}::text[],
        ${A(refresh.map((r) => r.d.policy.version))}::int[], ${A(refresh.map((r) => r.d.county))}::text[]) AS x(id, e, v, c)
      WHERE w.id = x.id AND (w.evidence IS DISTINCT FROM x.e::jsonb OR w.policy_version IS DISTINCT FROM x.v OR w.county_code IS DISTINCT FROM x.c)`);
}

/** Opens new warnings, in the given order. */
export async function openWarnings(tx: Tx, fresh: WarningFacts[]): Promise<void> {
  if (fresh.length === 0) return;
  await tx.execute(sql`/* warnings.open */ 
      INSERT INTO warnings (kind, person_id, household_id, settlement_id, county_code, evidence, policy_code, policy_version)
      SELECT k, p, h, s, c, e::jsonb, pc, pv FROM unnest(${A(fresh.map((d) => d.kind))}::text[], ${A(fresh.map((d) => d.personId))}::bigint[],
        ${A(fresh.map((d) => d.householdId))}::bigint[], ${A(fresh.map((d) => d.settlementId))}::text[], ${A(fresh.map((d) => d.county))}::text[],
        ${A(fresh.map((d) => JSON.stringify(d.evidence)))}::text[], ${A(fresh.map((d) => d.policy.code))}::text[], ${A(fresh.map((d) => d.policy.version))}::int[])
        WITH ORDINALITY AS x(k, p, h, s, c, e, pc, pv, n) ORDER BY n`);
}

export interface WarningRow {
  id: string;
  kind: string;
  household_id: string | null;
  person_id: string | null;
  settlement_id: string | null;
  county_code: string | null;
  opened_at: string;
  closed_at: string | null;
  evidence: unknown;
  policy_code: string;
  policy_version: number;
}

const COLUMNS = sql`id::text, kind, household_id::text, person_id::text, settlement_id, county_code,
  to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS opened_at,
  to_char(closed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS closed_at, evidence, policy_code, policy_version`;

/** One page of warnings (after `afterId`, one more than `limit` to tell a next page) and the count of all that match. */
export async function listWarnings(
  db: Db,
  f: { kind: string | null; counties: string[] | null; includeClosed: boolean; afterId: number; limit: number },
): Promise<{ rows: WarningRow[]; total: number }> {
  const where: SQL = sql`(${f.kind}::text IS NULL OR kind = ${f.kind})
    AND (${f.counties === null}::boolean OR county_code = ANY(${A(f.counties ?? [])}::text[]))
    AND (${f.includeClosed}::boolean OR closed_at IS NULL)`;
  const r = await rows<WarningRow>(db, sql`/* warnings.list */ SELECT ${COLUMNS} FROM warnings WHERE ${where} AND id > ${f.afterId} ORDER BY id LIMIT ${f.limit + 1}`);
  const total = await rows<{ n: string }>(db, sql`/* warnings.count */ SELECT count(*)::text AS n FROM warnings WHERE ${where}`);
  return { rows: r, total: Number(total[0]!.n) };
}

/**
 * The warnings of each person: its own and its household's (`households[i]`, the household the person is
 * shown in, or null), by id; one statement for all the persons (the `warningsOfPerson` DataLoader).
 */
export async function warningsOfPersons(db: Db, personIds: readonly number[], households: ReadonlyArray<number | null>): Promise<WarningRow[][]> {
  const hids = [...new Set(households.filter((h): h is number => h !== null))];
  const r = await rows<WarningRow>(
    db,
    sql`/* warnings.of-persons */ SELECT ${COLUMNS} FROM warnings WHERE person_id = ANY(${A([...personIds])}::bigint[]) OR household_id = ANY(${A(hids)}::bigint[]) ORDER BY id`,
  );
  return personIds.map((p, i) => r.filter((w) => Number(w.person_id) === p || (households[i] !== null && Number(w.household_id) === households[i])));
}
