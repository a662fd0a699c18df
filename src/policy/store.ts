/** The policy pool's SQL: versions of every rule, the shipped defaults, and what eligibility asks of a person's records. */
import { sql } from 'drizzle-orm';
import { A, rows, type Db } from '../db/client.ts';
import { categoryRank, countsSql, netBurdenSql, statusInForce } from '../shared/rules.ts';
import type { PolicyVersion } from './rules.ts';

/** Codes among these that already have a version in the pool. */
export async function seededCount(db: Db, codes: readonly string[]): Promise<number> {
  const have = await rows<{ n: string }>(db, sql`/* policy.seeded */ SELECT count(DISTINCT code)::text AS n FROM policies WHERE code = ANY(${A(codes)}::text[])`);
  return Number(have[0]!.n);
}

/** Adds version 1 of a shipped policy unless its code is in the pool already. */
export async function insertShipped(db: Db, p: { code: string; kind: string; title: string; effectiveFrom: string; definition: unknown }): Promise<void> {
  await db.execute(sql`/* policy.seed */ 
    INSERT INTO policies (code, version, kind, title, effective_from, definition, published_by)
    SELECT ${p.code}, 1, ${p.kind}, ${p.title}, ${p.effectiveFrom}::date, ${JSON.stringify(p.definition)}::jsonb, 'shipped'
    WHERE NOT EXISTS (SELECT 1 FROM policies WHERE code = ${p.code})`);
}

const COLUMNS = sql`code, version, kind, title, effective_from::text AS "effectiveFrom", effective_to::text AS "effectiveTo", definition,
  to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "publishedAt", published_by AS "publishedBy"`;

/** Every version of every policy (or of one code), by code and version. */
export async function policyVersions(db: Db, code?: string | null): Promise<PolicyVersion[]> {
  return rows<PolicyVersion>(db, sql`/* policy.versions */ SELECT ${COLUMNS} FROM policies WHERE ${code ?? null}::text IS NULL OR code = ${code ?? null} ORDER BY code, version`);
}

/** The version in force on a day: the latest published whose effective period contains it. */
export async function versionInForce(db: Db, code: string, day: string): Promise<PolicyVersion | null> {
  const r = await rows<PolicyVersion>(
    db,
    sql`/* policy.in-force */ SELECT ${COLUMNS} FROM policies WHERE code = ${code} AND effective_from <= ${day}::date AND (effective_to IS NULL OR effective_to >= ${day}::date)
        ORDER BY effective_from DESC, version DESC LIMIT 1`,
  );
  return r[0] ?? null;
}

/** Ends a version's period the day before `from` (its definition is untouched) and adds the next version. */
export async function appendVersion(
  db: Db,
  latest: { code: string; version: number; kind: string },
  next: { title: string; effectiveFrom: string; definition: unknown; publishedBy: string },
): Promise<void> {
  await db.execute(sql`/* policy.publish */ 
    UPDATE policies SET effective_to = (${next.effectiveFrom}::date - 1)
    WHERE code = ${latest.code} AND version = ${latest.version} AND (effective_to IS NULL OR effective_to >= ${next.effectiveFrom}::date)`);
  await db.execute(sql`/* policy.publish-version */ 
    INSERT INTO policies (code, version, kind, title, effective_from, definition, published_by)
    VALUES (${latest.code}, ${latest.version + 1}, ${latest.kind}, ${next.title}, ${next.effectiveFrom}::date,
      ${JSON.stringify(next.definition)}::jsonb, ${next.publishedBy})`);
}

/** The person an identity number belongs to, after any merge: id, sex and birth date. */
export async function subjectByIdNumber(db: Db, idNumber: string): Promise<{ id: number; sex: string | null; birthDate: string | null } | null> {
  const p = await rows<{ id: string; sex: string | null; birth_date: string | null }>(
    db,
    sql`/* eligibility.person */ SELECT COALESCE(m.id, p.id)::text AS id, COALESCE(m.sex, p.sex) AS sex, COALESCE(m.birth_date, p.birth_date)::text AS birth_date
        FROM persons p LEFT JOIN persons m ON m.id = p.merged_into WHERE p.id_number = ${idNumber}`,
  );
  return p[0] ? { id: Number(p[0].id), sex: p[0].sex, birthDate: p[0].birth_date } : null;
}

/** The highest of these categories the person holds on the day, or null. */
export async function statusHeld(db: Db, personId: number, categories: readonly string[], asOf: string): Promise<string | null> {
  const r = await rows<{ category: string }>(
    db,
    sql`/* eligibility.status */ SELECT category FROM statuses WHERE person_id = ${personId} AND category = ANY(${A(categories)}::text[])
        AND ${statusInForce('statuses', sql`${asOf}::date`)} ORDER BY ${categoryRank(sql`category`)} LIMIT 1`,
  );
  return r[0]?.category ?? null;
}

/** Evidence of union membership: a union card stated on a union-mutual-aid claim, or registration as a hardship worker by the day. */
export async function unionCardEvidence(db: Db, personId: number, asOf: string, evidence: ReadonlyArray<{ system: string; field: string }>): Promise<number> {
  const onAid =
    evidence.length === 0
      ? sql`0`
      : sql`(SELECT count(*) FROM aid_records WHERE person_id = ${personId} AND (${sql.join(
          evidence.map((e) => sql`(system = ${e.system} AND details->>${e.field}::text IS NOT NULL)`),
          sql` OR `,
        )}))`;
  const r = await rows<{ n: string }>(
    db,
    sql`/* eligibility.union-card */ SELECT (${onAid}
              + (SELECT count(*) FROM statuses WHERE person_id = ${personId} AND category = 'POOR_WORKER' AND valid_from <= ${asOf}::date))::text AS n`,
  );
  return Number(r[0]!.n);
}

/**
 * Personal burden of the stays discharged in the `days` up to the day, less the aid counted against each stay
 * paid by then, the grants of `excludedSystems` (the social channels) left out.
 */
export async function netBurden(db: Db, personId: number, asOf: string, days: number, excludedSystems: readonly string[]): Promise<bigint> {
  const r = await rows<{ net: string }>(
    db,
    sql`/* eligibility.net-burden */ SELECT COALESCE(sum(${netBurdenSql(sql`s.burden_fen`, sql`a.counted`)}), 0)::text AS net
        FROM settlements s
        LEFT JOIN (
          SELECT linked_settlement_id, sum(amount_fen) AS counted FROM aid_records x
          WHERE person_id = ${personId} AND ${countsSql('x')} AND paid_on <= ${asOf}::date
            AND system <> ALL(${A(excludedSystems)}::text[])
          GROUP BY linked_settlement_id
        ) a ON a.linked_settlement_id = s.settlement_id
        WHERE s.person_id = ${personId} AND s.refunded_by IS NULL
          AND s.discharged_on > ${asOf}::date - ${days}::int AND s.discharged_on <= ${asOf}::date`,
  );
  return BigInt(r[0]!.net);
}
