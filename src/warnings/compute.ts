/**
 * Dual early warnings (因病致贫 / 因病返贫 双预警) and missed assistance (domain.md "Early warnings"),
 * recomputed for the households and stays a change touched, with thresholds from the policy pool. A warning
 * names its evidence (the stays and amounts, the income, the threshold and its version); one that no longer
 * holds is closed, never deleted.
 *
 * A household's net burden is the personal burden of its members' stays discharged in the window, less the
 * aid counted against each stay. A person seen in no household is a household of one.
 */
import { sql, type SQL } from 'drizzle-orm';
import { A, rows, type Tx } from '../db/client.ts';
import { KEY_CATEGORIES, LOW_INCOME_CATEGORIES } from '../codes.ts';
import { versionInForce, type PolicyVersion } from '../policy/rules.ts';
import { countsSql, highestCategoryAgg, netBurdenSql } from '../shared/rules.ts';
import { isEmptySet, personIn, personSlices, slicing, type PersonSet } from '../overlap/derive.ts';

export const WARNING_KINDS = ['RETURN_TO_POVERTY_RISK', 'ILLNESS_POVERTY_RISK', 'MISSED_ASSISTANCE'] as const;
export type WarningKind = (typeof WARNING_KINDS)[number];

interface Desired {
  kind: WarningKind;
  householdId: number | null;
  personId: number | null;
  settlementId: string | null;
  county: string | null;
  evidence: Record<string, unknown>;
  policy: PolicyVersion;
}

const arr = (xs: readonly string[]) => `{${xs.join(',')}}`;

/** Which units a burden pass covers: households and persons of no household, each as a SQL condition. */
interface UnitFilter {
  households: SQL;
  solos: SQL;
  /** Only units with a burden (when every open warning is in scope anyway). */
  burdenedOnly: boolean;
}

/** The units of the persons in a set; over every person, household-id slices then person-id slices. */
async function unitFilters(tx: Tx, persons: PersonSet): Promise<UnitFilter[]> {
  if (!persons.all) {
    return [
      {
        households: sql`hm.household_id IN (SELECT household_id FROM household_members WHERE ${personIn(sql`person_id`, persons)})`,
        solos: personIn(sql`p.id`, persons),
        burdenedOnly: false,
      },
    ];
  }
  const out: UnitFilter[] = [];
  const h = await rows<{ lo: string | null; hi: string | null }>(tx, sql`SELECT min(id)::text AS lo, max(id)::text AS hi FROM households`);
  if (h[0]!.lo !== null) {
    for (let from = Number(h[0]!.lo); from <= Number(h[0]!.hi); from += slicing.persons) {
      out.push({ households: sql`(hm.household_id >= ${from} AND hm.household_id < ${from + slicing.persons})`, solos: sql`false`, burdenedOnly: true });
    }
  }
  for (const slice of await personSlices(tx)) out.push({ households: sql`false`, solos: personIn(sql`p.id`, slice), burdenedOnly: true });
  return out;
}

async function burdenWarnings(tx: Tx, persons: PersonSet, today: string, rtp: PolicyVersion, ipr: PolicyVersion): Promise<{ desired: Desired[]; units: { households: number[]; solos: number[] } }> {
  const all = { desired: [] as Desired[], units: { households: [] as number[], solos: [] as number[] } };
  // Over every person the work goes slice by slice, so that the rows held in memory stay bounded.
  for (const filter of await unitFilters(tx, persons)) {
    const r = await burdenWarningsOf(tx, filter, today, rtp, ipr);
    for (const d of r.desired) all.desired.push(d);
    if (!persons.all) all.units = r.units;
  }
  return all;
}

async function burdenWarningsOf(tx: Tx, filter: UnitFilter, today: string, rtp: PolicyVersion, ipr: PolicyVersion): Promise<{ desired: Desired[]; units: { households: number[]; solos: number[] } }> {
  const days = rtp.definition.days ?? 365;
  const years = rtp.definition.statusEndedYears ?? 5;
  // One row per household (or person of no household) in scope; over every
  // person, only the units with a burden (the others can hold no warning, and every open warning is in scope)
  const units = await rows<{
    hid: string | null;
    pid: string | null;
    county: string | null;
    income: string | null;
    low_now: boolean;
    key_now: boolean;
    ended_recently: boolean;
    net: string;
    stays: Array<{ settlementId: string; personId: string; burden: string; aid: string }> | null;
  }>(
    tx,
    sql`/* warnings.household-burden */ WITH units AS (
          SELECT DISTINCT hm.household_id AS hid, NULL::bigint AS pid, 'h' || hm.household_id AS ukey FROM household_members hm
          WHERE ${filter.households}
          UNION
          SELECT NULL::bigint, p.id, 'p' || p.id FROM persons p
          WHERE ${filter.solos} AND p.merged_into IS NULL AND NOT EXISTS (SELECT 1 FROM household_members m WHERE m.person_id = p.id)
        ),
        members AS (
          SELECT u.ukey, COALESCE(hm.person_id, u.pid) AS member FROM units u LEFT JOIN household_members hm ON hm.household_id = u.hid
        ),
        sizes AS (SELECT ukey, count(*) AS n, min(member) AS first_member FROM members GROUP BY ukey),
        flags AS (
          SELECT m.ukey,
            bool_or(st.category = ANY(${arr(LOW_INCOME_CATEGORIES)}::text[]) AND st.valid_from <= ${today}::date AND (st.valid_to IS NULL OR st.valid_to >= ${today}::date)) AS low_now,
            bool_or(st.category = ANY(${arr(KEY_CATEGORIES)}::text[]) AND st.valid_from <= ${today}::date AND (st.valid_to IS NULL OR st.valid_to >= ${today}::date)) AS key_now,
            bool_or(st.category = ANY(${arr([...KEY_CATEGORIES, ...LOW_INCOME_CATEGORIES])}::text[])
                    AND st.valid_to < ${today}::date AND st.valid_to >= ${today}::date - make_interval(years => ${years}::int)) AS ended_recently
          FROM members m JOIN statuses st ON st.person_id = m.member GROUP BY m.ukey
        ),
        stays AS (
          SELECT m.ukey, s.settlement_id, s.person_id, s.burden_fen, COALESCE(sum(a.amount_fen), 0) AS aid
          FROM members m
          JOIN settlements s ON s.person_id = m.member AND s.refunded_by IS NULL
            AND s.discharged_on > ${today}::date - ${days}::int AND s.discharged_on <= ${today}::date
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
        ${filter.burdenedOnly ? sql`WHERE b.net > 0` : sql``}`,
  );
  const desired: Desired[] = [];
  for (const u of units) {
    const net = BigInt(u.net);
    if (net === 0n) continue;
    const returning = u.low_now || u.ended_recently;
    if (!returning && u.key_now) continue;
    const policy = returning ? rtp : ipr;
    const income = u.income === null ? null : BigInt(u.income);
    const share = BigInt(policy.definition.incomeShareBp ?? 5000);
    const fallback = BigInt(policy.definition.fallbackFen ?? 0);
    const holds = income !== null && income > 0n ? net * 10000n >= share * income : net >= fallback;
    if (!holds) continue;
    desired.push({
      kind: returning ? 'RETURN_TO_POVERTY_RISK' : 'ILLNESS_POVERTY_RISK',
      householdId: u.hid === null ? null : Number(u.hid),
      personId: u.pid === null ? null : Number(u.pid),
      settlementId: null,
      county: u.county,
      policy,
      evidence: {
        netBurdenFen: net.toString(),
        annualIncomeFen: income?.toString() ?? null,
        threshold: income !== null && income > 0n ? { incomeShareBp: Number(share) } : { fallbackFen: fallback.toString() },
        windowDays: policy.definition.days ?? 365,
        asOf: today,
        stays: u.stays ?? [],
      },
    });
  }
  return {
    desired,
    units: {
      households: units.filter((u) => u.hid !== null).map((u) => Number(u.hid)),
      solos: units.filter((u) => u.pid !== null).map((u) => Number(u.pid)),
    },
  };
}

async function missedAssistance(tx: Tx, persons: PersonSet, mis: PolicyVersion): Promise<Desired[]> {
  const cats = mis.definition.categories ?? [...KEY_CATEGORIES, ...LOW_INCOME_CATEGORIES];
  // A key or low-income recipient on the discharge day, no assistance fund paid
  const r = await rows<{ settlement_id: string; person_id: string; county: string | null; category: string; discharged: string; burden: string }>(
    tx,
    sql`/* warnings.missed-assistance */ SELECT s.settlement_id, s.person_id::text, p.county_code AS county, ${highestCategoryAgg(sql`st.category`)} AS category, s.discharged_on::text AS discharged, s.burden_fen::text AS burden
        FROM settlements s JOIN persons p ON p.id = s.person_id
        JOIN statuses st ON st.person_id = s.person_id AND st.category = ANY(${arr(cats)}::text[])
          AND st.valid_from <= s.discharged_on AND (st.valid_to IS NULL OR st.valid_to >= s.discharged_on)
        WHERE ${personIn(sql`s.person_id`, persons)} AND s.refunded_by IS NULL AND s.assistance_fen = 0
        GROUP BY s.settlement_id, s.person_id, p.county_code, s.discharged_on, s.burden_fen`,
  );
  return r.map((x) => ({
    kind: 'MISSED_ASSISTANCE' as const,
    householdId: null,
    personId: Number(x.person_id),
    settlementId: x.settlement_id,
    county: x.county,
    policy: mis,
    evidence: { settlementId: x.settlement_id, dischargedOn: x.discharged, category: x.category, assistanceFundPaidFen: '0', burdenFen: x.burden },
  }));
}

/** Opens, updates and closes the warnings of everything the persons' change can have affected. */
export async function recomputeWarnings(tx: Tx, persons: PersonSet, today: string): Promise<void> {
  if (isEmptySet(persons)) return;
  // One after the other: a transaction is one connection, which runs one statement at a time anyway.
  const rtp = await versionInForce(tx, 'RETURN_TO_POVERTY_RISK', today);
  const ipr = await versionInForce(tx, 'ILLNESS_POVERTY_RISK', today);
  const mis = await versionInForce(tx, 'MISSED_ASSISTANCE', today);
  if (!rtp || !ipr || !mis) return;
  const burden = await burdenWarnings(tx, persons, today, rtp, ipr);
  const desired = [...burden.desired, ...(await missedAssistance(tx, persons, mis))];
  const key = (k: string, h: unknown, p: unknown, s: unknown) => `${k}|${h ?? ''}|${p ?? ''}|${s ?? ''}`;
  // A person's own (household-of-one) warning is in scope with the person, so that
  // it closes once a membership puts the person in a household
  const open = await rows<{ id: string; kind: string; household_id: string | null; person_id: string | null; settlement_id: string | null }>(
    tx,
    persons.all
      ? sql`/* warnings.open-in-scope */ SELECT id::text, kind, household_id::text, person_id::text, settlement_id FROM warnings WHERE closed_at IS NULL`
      : // One index lookup per kind of unit, joined by UNION (written as one WHERE with OR, PostgreSQL scanned every
        // warning and hashed every household member). A household left without members is found by none of its
        // members any more: that branch reads the open household warnings (a partial index) and probes each one's
        // members, a pass bounded by the open household warnings, not by the province.
        sql`/* warnings.open-in-scope-units */ SELECT id::text, kind, household_id::text, person_id::text, settlement_id FROM warnings
          WHERE closed_at IS NULL AND household_id = ANY(${A(burden.units.households)}::bigint[])
          UNION SELECT id::text, kind, household_id::text, person_id::text, settlement_id FROM warnings
          WHERE closed_at IS NULL AND household_id IS NULL AND settlement_id IS NULL AND person_id = ANY(${A(burden.units.solos)}::bigint[])
          UNION SELECT id::text, kind, household_id::text, person_id::text, settlement_id FROM warnings
          WHERE closed_at IS NULL AND ${personIn(sql`person_id`, persons)}
            AND ((household_id IS NULL AND settlement_id IS NULL) OR kind = 'MISSED_ASSISTANCE')
          UNION SELECT id::text, kind, household_id::text, person_id::text, settlement_id FROM warnings w
          WHERE closed_at IS NULL AND household_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM household_members m WHERE m.household_id = w.household_id)`,
  );
  const openByKey = new Map(open.map((w) => [key(w.kind, w.household_id, w.person_id, w.settlement_id), w.id]));
  const wanted = new Map(desired.map((d) => [key(d.kind, d.householdId, d.personId, d.settlementId), d]));
  const toClose = [...openByKey].filter(([k]) => !wanted.has(k)).map(([, id]) => Number(id));
  if (toClose.length) {
    // A warning that no longer holds is closed, not deleted
    await tx.execute(sql`/* warnings.close */ UPDATE warnings SET closed_at = now() WHERE id = ANY(${A(toClose)}::bigint[])`);
  }
  const refresh: Array<{ id: number; d: Desired }> = [];
  const fresh: Desired[] = [];
  for (const [k, d] of wanted) {
    const id = openByKey.get(k);
    if (id) refresh.push({ id: Number(id), d });
    else fresh.push(d);
  }
  if (refresh.length) {
    // One statement for every warning that still holds
    await tx.execute(sql`/* warnings.refresh-evidence */ 
      UPDATE warnings w SET evidence = x.e::jsonb, policy_version = x.v, county_code = x.c
      FROM unnest(${A(refresh.map((r) => r.id))}::bigint[], ${A(refresh.map((r) => JSON.stringify(r.d.evidence)))}::text[],
        ${A(refresh.map((r) => r.d.policy.version))}::int[], ${A(refresh.map((r) => r.d.county))}::text[]) AS x(id, e, v, c)
      WHERE w.id = x.id AND (w.evidence IS DISTINCT FROM x.e::jsonb OR w.policy_version IS DISTINCT FROM x.v OR w.county_code IS DISTINCT FROM x.c)`);
  }
  if (fresh.length) {
    await tx.execute(sql`/* warnings.open */ 
      INSERT INTO warnings (kind, person_id, household_id, settlement_id, county_code, evidence, policy_code, policy_version)
      SELECT k, p, h, s, c, e::jsonb, pc, pv FROM unnest(${A(fresh.map((d) => d.kind))}::text[], ${A(fresh.map((d) => d.personId))}::bigint[],
        ${A(fresh.map((d) => d.householdId))}::bigint[], ${A(fresh.map((d) => d.settlementId))}::text[], ${A(fresh.map((d) => d.county))}::text[],
        ${A(fresh.map((d) => JSON.stringify(d.evidence)))}::text[], ${A(fresh.map((d) => d.policy.code))}::text[], ${A(fresh.map((d) => d.policy.version))}::int[])
        WITH ORDINALITY AS x(k, p, h, s, c, e, pc, pv, n) ORDER BY n`);
  }
}
