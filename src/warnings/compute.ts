/**
 * Dual early warnings (因病致贫 / 因病返贫 双预警) and missed assistance (domain.md "Early warnings"),
 * recomputed for the households and stays a change touched, with thresholds from the policy pool. A warning
 * names its evidence (the stays and amounts, the income, the threshold and its version); one that no longer
 * holds is closed, never deleted.
 *
 * A household's net burden is the personal burden of its members' stays discharged in the window, less the
 * aid counted against each stay. A person seen in no household is a household of one.
 */
import type { Tx } from '../db/client.ts';
import { KEY_CATEGORIES, LOW_INCOME_CATEGORIES } from '../codes.ts';
import { seedPolicies, versionInForce, type PolicyVersion } from '../policy/rules.ts';
import { isEmptySet, type PersonSet } from '../shared/person-sets.ts';
import * as store from './store.ts';

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

async function burdenWarningsOf(tx: Tx, filter: store.UnitFilter, today: string, rtp: PolicyVersion, ipr: PolicyVersion): Promise<Desired[]> {
  const days = rtp.definition.days ?? 365;
  const years = rtp.definition.statusEndedYears ?? 5;
  // One row per household (or person of no household) in scope; over every
  // person, only the units with a burden (the others can hold no warning, and every open warning is in scope)
  const units = await store.burdenUnits(tx, filter, today, days, years);
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
  return desired;
}

async function missedAssistance(tx: Tx, persons: PersonSet, mis: PolicyVersion): Promise<Desired[]> {
  const cats = mis.definition.categories ?? [...KEY_CATEGORIES, ...LOW_INCOME_CATEGORIES];
  // A key or low-income recipient on the discharge day, no assistance fund paid
  const r = await store.missedAssistanceStays(tx, persons, cats);
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
  // The thresholds are policies: this write seeds the shipped ones when the pool lacks them (reads never do).
  await seedPolicies(tx);
  // One after the other: a transaction is one connection, which runs one statement at a time anyway.
  const rtp = await versionInForce(tx, 'RETURN_TO_POVERTY_RISK', today);
  const ipr = await versionInForce(tx, 'ILLNESS_POVERTY_RISK', today);
  const mis = await versionInForce(tx, 'MISSED_ASSISTANCE', today);
  if (!rtp || !ipr || !mis) return;
  if (persons.all) {
    // Over every person, slice by slice: each open warning belongs to one slice, so that each slice is settled
    // on its own and the warnings held in memory are one slice's, whatever the province's size.
    for (const slice of await store.wholeSlices(tx)) {
      const burden = await burdenWarningsOf(tx, slice.filter, today, rtp, ipr);
      const missed = slice.persons ? await missedAssistance(tx, slice.persons, mis) : [];
      await settleWarnings(tx, [...burden, ...missed], await store.openWarningsOfSlice(tx, slice));
    }
    return;
  }
  const units = await store.unitsOf(tx, persons);
  const burden = await burdenWarningsOf(tx, units.filter, today, rtp, ipr);
  const desired = [...burden, ...(await missedAssistance(tx, persons, mis))];
  // A person's own (household-of-one) warning is in scope with the person, so that
  // it closes once a membership puts the person in a household
  await settleWarnings(tx, desired, await store.openWarningsInScope(tx, persons, units));
}

/** Brings the open warnings of a scope to the desired ones: closes what no longer holds, refreshes what still does, opens what is new. */
async function settleWarnings(tx: Tx, desired: Desired[], open: store.OpenWarning[]): Promise<void> {
  const key = (k: string, h: unknown, p: unknown, s: unknown) => `${k}|${h ?? ''}|${p ?? ''}|${s ?? ''}`;
  const openByKey = new Map(open.map((w) => [key(w.kind, w.household_id, w.person_id, w.settlement_id), w.id]));
  const wanted = new Map(desired.map((d) => [key(d.kind, d.householdId, d.personId, d.settlementId), d]));
  const toClose = [...openByKey].filter(([k]) => !wanted.has(k)).map(([, id]) => Number(id));
  // A warning that no longer holds is closed, not deleted
  await store.closeWarnings(tx, toClose);
  const refresh: Array<{ id: number; d: Desired }> = [];
  const fresh: Desired[] = [];
  for (const [k, d] of wanted) {
    const id = openByKey.get(k);
    if (id) refresh.push({ id: Number(id), d });
    else fresh.push(d);
  }
  // One statement for every warning that still holds
  await store.refreshWarnings(tx, refresh);
  await store.openWarnings(tx, fresh);
}
