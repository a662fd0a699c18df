/**
 * Eligibility: one interpreter for every rule of the policy pool. The answer is yes or no with reason codes
 * and the rule's version — nothing of the patient's history (a charity learns only that).
 */
import type { Db } from '../db/client.ts';
import { birthDateOf, normalizeIdNumber, sexOf } from '../identity/id-number.ts';
import { ageOn, todayCst } from '../identity/dates.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import { versionInForce, type Condition } from './rules.ts';
import * as store from './store.ts';
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

interface Subject {
  id: number;
  sex: string | null;
  birthDate: string | null;
}

async function evaluate(db: Db, c: Condition, p: Subject, asOf: string): Promise<{ ok: boolean; reason: string }> {
  switch (c.type) {
    case 'holdsStatus': {
      const held = await store.statusHeld(db, p.id, c.categories, asOf);
      return held ? { ok: true, reason: `HOLDS_${held}` } : { ok: false, reason: `LACKS_${c.categories.join('_OR_')}` };
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
      return (await store.unionCardEvidence(db, p.id, asOf, membershipEvidence())) !== 0 ? { ok: true, reason: 'UNION_MEMBER' } : { ok: false, reason: 'NO_UNION_CARD' };
    }
    case 'netBurdenAtLeast': {
      // Personal burden of the stays discharged in the window, less the public aid counted against each stay.
      const ok = (await store.netBurden(db, p.id, asOf, c.days, socialChannelSystems())) >= BigInt(c.thresholdFen);
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
  const p = await store.subjectByIdNumber(db, id.idNumber);
  if (!p && !opts.unknownAsNobody) return { eligible: false, reasons: ['PERSON_UNKNOWN'], ruleCode: rule.code, ruleVersion: rule.version, personId: null, idNumber: id.idNumber };
  // Nobody: an id no row has (ids are positive), with what the number itself says.
  const subject: Subject = p
    ? p
    : { id: -1, sex: sexOf(id.idNumber), birthDate: birthDateOf(id.idNumber) };
  const results = [];
  for (const c of rule.definition.all) results.push(await evaluate(db, c, subject, day));
  return { eligible: results.every((r) => r.ok), reasons: results.map((r) => r.reason), ruleCode: rule.code, ruleVersion: rule.version, personId: p ? subject.id : null, idNumber: id.idNumber };
}
