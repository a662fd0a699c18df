/**
 * Eligibility: one interpreter for every rule of the policy pool. The answer is yes or no with reason codes
 * and the rule's version — nothing of the patient's history (a charity learns only that).
 */
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../db/client.ts';
import { birthDateOf, normalizeIdNumber, sexOf } from '../identity/id-number.ts';
import { ageOn, todayCst } from '../identity/dates.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import { versionInForce, type Condition } from './rules.ts';
import { categoryRank, countsSql, netBurdenSql } from '../shared/rules.ts';
import { membershipEvidence, socialChannelSystems } from '../../adapters/index.ts';

export interface EligibilityAnswer {
  eligible: boolean;
  reasons: string[];
  ruleCode: string;
  ruleVersion: number;
  /** The person asked about (for the access log; not part of the answer). */
  personId: number | null;
  /** The identity number asked about, normalised (for the access log). */
  idNumber: string;
}

/**
 * Social channels: their grants are not the "public aid already counted" of the charity rule. Adapters declare
 * it (`socialChannel`); this is the registry's answer at start-up, for the report's indicators.
 */
export const SOCIAL_CHANNELS: readonly string[] = socialChannelSystems();

/** Aid records that show trade-union membership, as the adapters declare it (union-mutual-aid: `cardNo` set). */
function membershipEvidenceSql(personId: number) {
  const evidence = membershipEvidence();
  if (evidence.length === 0) return sql`0`;
  const any = sql.join(
    evidence.map((e) => sql`(system = ${e.system} AND details->>${e.field}::text IS NOT NULL)`),
    sql` OR `,
  );
  return sql`(SELECT count(*) FROM aid_records WHERE person_id = ${personId} AND (${any}))`;
}

interface Subject {
  id: number;
  sex: string | null;
  birthDate: string | null;
}

async function evaluate(db: Db, c: Condition, p: Subject, asOf: string): Promise<{ ok: boolean; reason: string }> {
  switch (c.type) {
    case 'holdsStatus': {
      const r = await rows<{ category: string }>(
        db,
        sql`/* eligibility.status */ SELECT category FROM statuses WHERE person_id = ${p.id} AND category = ANY(${`{${c.categories.join(',')}}`}::text[])
            AND valid_from <= ${asOf}::date AND (valid_to IS NULL OR valid_to >= ${asOf}::date) ORDER BY ${categoryRank(sql`category`)} LIMIT 1`,
      );
      return r[0] ? { ok: true, reason: `HOLDS_${r[0].category}` } : { ok: false, reason: `LACKS_${c.categories.join('_OR_')}` };
    }
    case 'sex':
      return p.sex === c.sex ? { ok: true, reason: c.sex } : { ok: false, reason: `NOT_${c.sex}` };
    case 'ageUnder': {
      const ok = p.birthDate !== null && ageOn(p.birthDate, asOf) < c.age;
      return { ok, reason: ok ? `UNDER_${c.age}` : `NOT_UNDER_${c.age}` };
    }
    case 'womanOrChildUnder': {
      if (p.sex === 'FEMALE') return { ok: true, reason: 'WOMAN' };
      if (p.birthDate !== null && ageOn(p.birthDate, asOf) < c.age) return { ok: true, reason: `CHILD_UNDER_${c.age}` };
      return { ok: false, reason: `NEITHER_WOMAN_NOR_CHILD_UNDER_${c.age}` };
    }
    case 'unionMemberCard': {
      // A union card stated on an aid record of a system that declares it evidence (union-mutual-aid's claims),
      // or registration as a hardship worker, shows membership.
      const r = await rows<{ n: string }>(
        db,
        sql`/* eligibility.union-card */ SELECT (${membershipEvidenceSql(p.id)}
                  + (SELECT count(*) FROM statuses WHERE person_id = ${p.id} AND category = 'POOR_WORKER' AND valid_from <= ${asOf}::date))::text AS n`,
      );
      return r[0]!.n !== '0' ? { ok: true, reason: 'UNION_MEMBER' } : { ok: false, reason: 'NO_UNION_CARD' };
    }
    case 'netBurdenAtLeast': {
      // Personal burden of the stays discharged in the window, less the public aid counted against each stay.
      const r = await rows<{ net: string }>(
        db,
        sql`/* eligibility.net-burden */ SELECT COALESCE(sum(${netBurdenSql(sql`s.burden_fen`, sql`a.counted`)}), 0)::text AS net
            FROM settlements s
            LEFT JOIN (
              SELECT linked_settlement_id, sum(amount_fen) AS counted FROM aid_records x
              WHERE person_id = ${p.id} AND ${countsSql('x')} AND paid_on <= ${asOf}::date
                AND system <> ALL(${`{${socialChannelSystems().join(',')}}`}::text[])
              GROUP BY linked_settlement_id
            ) a ON a.linked_settlement_id = s.settlement_id
            WHERE s.person_id = ${p.id} AND s.refunded_by IS NULL
              AND s.discharged_on > ${asOf}::date - ${c.days}::int AND s.discharged_on <= ${asOf}::date`,
      );
      const ok = BigInt(r[0]!.net) >= BigInt(c.thresholdFen);
      return { ok, reason: ok ? 'NET_BURDEN_AT_LEAST_THRESHOLD' : 'NET_BURDEN_BELOW_THRESHOLD' };
    }
  }
}

/**
 * `unknownAsNobody`: a person the hub does not know is answered as one it knows with no records (sex and age
 * from the number itself, no status, no burden), by the same statements: the answer does not tell whether
 * the hub knows the person (what a charity is given). Otherwise an unknown person is PERSON_UNKNOWN.
 */
export async function eligibility(db: Db, idNumber: string, ruleCode: string, asOf: string | null, opts: { unknownAsNobody?: boolean } = {}): Promise<EligibilityAnswer> {
  const id = normalizeIdNumber(idNumber);
  if (!id.ok) throw new HubError(ErrorCode.INVALID_ID_NUMBER, id.message, { argument: 'idNumber' });
  const day = asOf ?? todayCst();
  const rule = await versionInForce(db, ruleCode, day);
  if (!rule || rule.kind !== 'ELIGIBILITY') throw new HubError(ErrorCode.NOT_FOUND, `no eligibility rule ${ruleCode} in force on ${day}`, { argument: 'rule' });
  // The person the number belongs to, after any merge
  const p = await rows<{ id: string; sex: string | null; birth_date: string | null }>(
    db,
    sql`/* eligibility.person */ SELECT COALESCE(m.id, p.id)::text AS id, COALESCE(m.sex, p.sex) AS sex, COALESCE(m.birth_date, p.birth_date)::text AS birth_date
        FROM persons p LEFT JOIN persons m ON m.id = p.merged_into WHERE p.id_number = ${id.idNumber}`,
  );
  if (!p[0] && !opts.unknownAsNobody) return { eligible: false, reasons: ['PERSON_UNKNOWN'], ruleCode: rule.code, ruleVersion: rule.version, personId: null, idNumber: id.idNumber };
  // Nobody: an id no row has (ids are positive), with what the number itself says.
  const subject: Subject = p[0]
    ? { id: Number(p[0].id), sex: p[0].sex, birthDate: p[0].birth_date }
    : { id: -1, sex: sexOf(id.idNumber), birthDate: birthDateOf(id.idNumber) };
  const results = [];
  for (const c of rule.definition.all) results.push(await evaluate(db, c, subject, day));
  return { eligible: results.every((r) => r.ok), reasons: results.map((r) => r.reason), ruleCode: rule.code, ruleVersion: rule.version, personId: p[0] ? subject.id : null, idNumber: id.idNumber };
}
