/**
 * The synthetic province generator: a consistent data set in all twelve export formats of sources.md, with
 * every quirk and every overlap of domain.md planted, and `expected.json` saying what a correct hub makes
 * of it. Deterministic for a seed. See README.md beside this file for what is planted where.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AGENCY, COUNTIES, PROGRAMS, SYSTEMS } from './catalog.ts';
import { DEFAULT_TODAY, isoDay } from './calendar.ts';
import { buildProvince, HH_CIVIL, id18, SF_CORRECTED, SF_REFUNDED, AF_UNIDENT_LATER, AF_CHILD_NOID, ST_REVERSED, type Province } from './model.ts';
import { applyRules, type RuleResult } from './rules.ts';
import { provisionalLabel, recordId } from './render.ts';
import { writeProvince, type FileStat, type Written } from './write.ts';

export interface GenerateOptions {
  /** Persons of the province (real identity numbers); provisional persons come on top. */
  persons: number;
  seed: number;
  /** Output folder: `<out>/<system>/…` and `<out>/expected.json`. The twelve system folders are replaced. */
  out: string;
  /** China Standard Time date (YYYY-MM-DD) the data must not pass; default 2026-10-31. */
  today?: string;
  /**
   * Issue 12's second delivery (README.md beside this file): first versions of records moved between persons,
   * stays, vouchers, households and counties, of refund lines naming another stay, of veterans payments without
   * their voucher and of duplicates with another amount, each corrected in a later file; and the veterans' and
   * disabled persons' rosters. expected.json is computed from the final versions either way.
   */
  corrections?: boolean;
}

/** Money is integer fen (a JSON number, safe at these scales) in fields ending in `Fen`. */
export interface Expected {
  seed: number;
  /**
   * Persons the hub must hold after ingesting every file: distinct normalised identity numbers shown by a
   * record that is neither quarantined nor in a rejected file (any role: patient, member, householder,
   * guardian), plus provisional persons never identified.
   */
  persons: number;
  generatedFor: { persons: number; today: string };
  /** Every file written, path relative to the output folder, sorted by path. */
  files: ExpectedFile[];
  quarantined: {
    /** Distinct quarantined records: a bad record delivered again identically counts once. */
    total: number;
    /** How many bad records were delivered again identically (in files[].quarantined, not in total). */
    redelivered: number;
    byReason: Record<string, number>;
    bySystem: Record<string, number>;
  };
  rejectedFiles: Array<{ system: string; file: string; reason: 'INTEGRITY' | 'MALFORMED' }>;
  /** [earlier, later]: the later file corrects records of the earlier one and must be ingested after it. */
  orderConstraints: Array<[string, string]>;
  settlements: {
    /** Distinct current settlements (setl_id of non-refund lines not quarantined), refunded ones included. */
    records: number;
    refunded: number;
    corrected: number;
  };
  provisional: {
    /** Emergency cases whose patient is never identified: one provisional person each. */
    emergencyCases: number;
    /** Children without own identity number matched to no household member (guardian + name + birth date). */
    children: number;
    /** Merges the hub must record: emergency cases identified by a later delivery, children matched to a member. */
    mergedEmergencyCases: number;
    mergedChildren: number;
  };
  aid: {
    /** Distinct current aid records, (system, record id): duplicates and reversed included. */
    records: number;
    bySystem: Record<string, number>;
    reversed: number;
    /** Approved, not paid (no payment date). */
    unpaid: number;
    /** Records neither duplicate nor reversed, with a payment date: what the reports count. */
    counted: { count: number; amountFen: number };
    /** Rule 2: the records flagged DUPLICATE (not their primaries), by the duplicate's agency. */
    duplicates: { count: number; amountFen: number; groups: number; byAgency: Record<string, { count: number; amountFen: number }> };
    /** Rule 2: records flagged VOUCHER_CONFLICT; `groups` is the number of vouchers in conflict. */
    voucherConflicts: { count: number; groups: number };
    /** Rule 3: records flagged SUSPECTED_DUPLICATE; `pairs` is the number of flagged pairs. */
    suspectedDuplicates: { count: number; pairs: number };
    /** Rule 4: records linked to a stay by their settlement id. */
    explicitLinks: number;
    /** Rule 4: records naming another person's settlement (flagged, not linked). */
    settlementPersonMismatches: { count: number };
    /** Rule 4: records linked by hospital and date (INFERRED_LINK). */
    inferredLinks: { count: number };
    /** Records naming a refunded settlement: general aid, flagged for review. */
    refundedSettlementAid: { count: number };
    /** Records naming a settlement that never arrived (never sent, or its line quarantined): general aid. */
    missingSettlementAid: { count: number };
    /** Rule 5: the part of counted linked aid above each stay's burden. */
    excess: { amountFen: number; settlements: number; byAgency: Record<string, { amountFen: number }>; byProgram: Record<string, { amountFen: number }> };
  };
  /**
   * The quarterly report's figures by agency: for each calendar quarter of payment dates (`2026Q1`), the
   * counted aid (neither duplicate nor reversed) — distinct persons, person-times and amount.
   */
  quarterly: Record<string, Record<string, { persons: number; personTimes: number; amountFen: number }>>;
  /**
   * The fund pool by value date (domain.md "The fund pool"): for each calendar quarter (`2026Q1`) and fund
   * (`FUND:<program>`), what donations brought in and what counted paid aid (neither duplicate nor reversed) took
   * out, by its payment date — what the quarterly report's fund figures must show whatever the order of delivery.
   */
  funds: Record<string, Record<string, { inflowsFen: number; outflowsFen: number }>>;
  /** How many aid records each planted case produced (intent; the numbers above are the rules' outcome). */
  planted: Record<string, number>;
  /**
   * Only when persons <= 20000: each person's current aid records (duplicates and reversed included), keyed
   * by 18-character identity number or, for a provisional person, `health-emergency:case:<caseNo>` or
   * `women-children:child:<guardian id>:<name>:<birth date>`.
   */
  aidByPerson?: Record<string, Array<{ system: string; recordId: string }>>;
  /**
   * Only when persons <= 20000: each member of a civil-affairs household (domain.md "Households"), by 18-character
   * identity number: its household's key (`civil:<householder's identity number>`) and its county code (the
   * residence its status rows state). Status rows corrected to another householder or county end here.
   */
  civilMembers?: Record<string, { household: string; county: string }>;
}

export type ExpectedFile = FileStat;

export async function generateProvince(opts: GenerateOptions): Promise<Expected> {
  const today = opts.today ?? DEFAULT_TODAY;
  const prov = buildProvince({ persons: opts.persons, seed: opts.seed, today, corrections: opts.corrections ?? false });
  const rules = applyRules(prov);
  fs.mkdirSync(opts.out, { recursive: true });
  for (const s of SYSTEMS) fs.rmSync(path.join(opts.out, s), { recursive: true, force: true });
  const written = await writeProvince(prov, opts.out);
  const expected = buildExpected(prov, rules, written);
  fs.writeFileSync(path.join(opts.out, 'expected.json'), JSON.stringify(expected, null, 2) + '\n');
  return expected;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function quarterlyByAgency(prov: Province, rules: RuleResult): Expected['quarterly'] {
  const c = prov.aid.c;
  const acc = new Map<string, Map<string, { persons: Set<number>; personTimes: number; amountFen: number }>>();
  for (let a = 0; a < prov.aid.n; a++) {
    if (rules.duplicate[a] !== 0 || c.status[a] === ST_REVERSED || c.paid[a]! < 0) continue;
    const day = isoDay(c.paid[a]!);
    const quarter = `${day.slice(0, 4)}Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
    const agency = AGENCY[c.sys[a]!]!;
    if (!acc.has(quarter)) acc.set(quarter, new Map());
    const q = acc.get(quarter)!;
    if (!q.has(agency)) q.set(agency, { persons: new Set(), personTimes: 0, amountFen: 0 });
    const e = q.get(agency)!;
    e.persons.add(c.person[a]!);
    e.personTimes++;
    e.amountFen += c.amount[a]!;
  }
  return sortKeys(
    Object.fromEntries(
      [...acc].map(([q, m]) => [q, sortKeys(Object.fromEntries([...m].map(([ag, e]) => [ag, { persons: e.persons.size, personTimes: e.personTimes, amountFen: e.amountFen }])))]),
    ),
  );
}

const quarterOf = (day: number) => {
  const d = isoDay(day);
  return `${d.slice(0, 4)}Q${Math.floor((Number(d.slice(5, 7)) - 1) / 3) + 1}`;
};

function fundsByQuarter(prov: Province, rules: RuleResult): Expected['funds'] {
  const acc = new Map<string, Map<string, { inflowsFen: number; outflowsFen: number }>>();
  const at = (day: number, fund: string) => {
    const q = quarterOf(day);
    if (!acc.has(q)) acc.set(q, new Map());
    const m = acc.get(q)!;
    if (!m.has(fund)) m.set(fund, { inflowsFen: 0, outflowsFen: 0 });
    return m.get(fund)!;
  };
  const c = prov.aid.c;
  for (let a = 0; a < prov.aid.n; a++) {
    if (rules.duplicate[a] !== 0 || c.status[a] === ST_REVERSED || c.paid[a]! < 0) continue;
    at(c.paid[a]!, `FUND:${PROGRAMS[c.sys[a]!]![c.prog[a]!]!}`).outflowsFen += c.amount[a]!;
  }
  const d = prov.donation.c;
  for (let i = 0; i < prov.donation.n; i++) at(d.day[i]!, `FUND:${PROGRAMS[d.sys[i]!]![0]!}`).inflowsFen += d.amount[i]!;
  return sortKeys(Object.fromEntries([...acc].map(([q, m]) => [q, sortKeys(Object.fromEntries(m))])));
}

function buildExpected(prov: Province, rules: RuleResult, written: Written): Expected {
  const st = rules.stats;
  let seen = 0;
  for (let p = 0; p < written.seen.length; p++) seen += written.seen[p]!;
  const provCases = prov.provisional.filter((e) => e.kind === 'case').length;
  const provChildren = prov.provisional.length - provCases;

  const byReason: Record<string, number> = {};
  const bySystem: Record<string, number> = {};
  let total = 0;
  let redelivered = 0;
  for (const b of prov.bad) {
    if (b.repeats >= 0) {
      redelivered++;
      continue;
    }
    total++;
    byReason[b.reason] = (byReason[b.reason] ?? 0) + 1;
    bySystem[SYSTEMS[b.sys]!] = (bySystem[SYSTEMS[b.sys]!] ?? 0) + 1;
  }

  const c = prov.aid.c;
  const aidBySystem: Record<string, number> = {};
  let mergedCases = 0;
  const mergedChildren = new Set<number>();
  for (let a = 0; a < prov.aid.n; a++) {
    const s = SYSTEMS[c.sys[a]!]!;
    aidBySystem[s] = (aidBySystem[s] ?? 0) + 1;
    if (c.flags[a]! & AF_UNIDENT_LATER) mergedCases++;
    if (c.flags[a]! & AF_CHILD_NOID && c.person[a]! >= 0) mergedChildren.add(c.person[a]!);
  }
  let refunded = 0;
  let corrected = 0;
  for (let s = 0; s < prov.settlement.n; s++) {
    if (prov.settlement.c.flags[s]! & SF_REFUNDED) refunded++;
    if (prov.settlement.c.flags[s]! & SF_CORRECTED) corrected++;
  }

  const expected: Expected = {
    seed: prov.seed,
    persons: seen + provCases + provChildren,
    generatedFor: { persons: prov.persons, today: prov.today },
    files: written.files,
    quarantined: { total, redelivered, byReason: sortKeys(byReason), bySystem: sortKeys(bySystem) },
    rejectedFiles: written.files.filter((f) => f.rejected).map((f) => ({ system: f.system, file: f.file, reason: f.reason! })),
    orderConstraints: written.orderConstraints,
    settlements: { records: prov.settlement.n, refunded, corrected },
    provisional: { emergencyCases: provCases, children: provChildren, mergedEmergencyCases: mergedCases, mergedChildren: mergedChildren.size },
    aid: {
      records: st.records,
      bySystem: sortKeys(aidBySystem),
      reversed: st.reversed,
      unpaid: st.unpaid,
      counted: st.counted,
      duplicates: { ...st.duplicates, byAgency: sortKeys(st.duplicates.byAgency) },
      voucherConflicts: st.voucherConflicts,
      suspectedDuplicates: st.suspectedDuplicates,
      explicitLinks: st.explicitLinks,
      settlementPersonMismatches: { count: st.settlementPersonMismatches },
      inferredLinks: { count: st.inferredLinks },
      refundedSettlementAid: { count: st.refundedSettlementAid },
      missingSettlementAid: { count: st.missingSettlementAid },
      excess: { ...st.excess, byAgency: sortKeys(st.excess.byAgency), byProgram: sortKeys(st.excess.byProgram) },
    },
    planted: sortKeys(st.planted),
    quarterly: quarterlyByAgency(prov, rules),
    funds: fundsByQuarter(prov, rules),
  };
  if (prov.persons <= 20000) {
    const by: Record<string, Array<{ system: string; recordId: string }>> = {};
    for (let a = 0; a < prov.aid.n; a++) {
      const p = c.person[a]!;
      const key = p >= 0 ? id18(prov, p) : provisionalLabel(prov, -1 - p);
      (by[key] ??= []).push({ system: SYSTEMS[c.sys[a]!]!, recordId: recordId(prov, a) });
    }
    for (const list of Object.values(by)) list.sort((x, y) => (x.system !== y.system ? (x.system < y.system ? -1 : 1) : x.recordId < y.recordId ? -1 : x.recordId > y.recordId ? 1 : 0));
    expected.aidByPerson = sortKeys(by);
    const hc = prov.household.c;
    const members: NonNullable<Expected['civilMembers']> = {};
    for (let h = 0; h < prov.household.n; h++) {
      if (hc.kind[h] !== HH_CIVIL) continue;
      const household = `civil:${id18(prov, hc.start[h]!)}`;
      for (let m = hc.start[h]!; m < hc.start[h]! + hc.size[h]!; m++) members[id18(prov, m)] = { household, county: COUNTIES[prov.person.c.county[m]!]!.code };
    }
    expected.civilMembers = sortKeys(members);
  }
  return expected;
}
