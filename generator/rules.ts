/**
 * domain.md's overlap rules 2-5, applied to the model's current aid records. This is the generator's own
 * implementation, written from the rules and not from the hub's: expected.json is what it says.
 *
 * Where the rules leave a case open (a reversed or unpaid record in a voucher group, a discharge exactly 90
 * days before approval, …) the generator never produces it, and this module refuses to guess: it throws, so
 * a change to the generator that starts producing such a case is caught at once.
 */
import { AGENCY, PROGRAMS, SYSTEMS } from './catalog.ts';
import { isoDay } from './calendar.ts';
import { PL_NONE, PLANT_NAMES, SF_REFUNDED, ST_APPROVED, ST_PAID, ST_REVERSED, settlementB, type Province } from './model.ts';
import { recordId } from './render.ts';
import { Csr } from './table.ts';

export const LINK_GENERAL = 0;
export const LINK_EXPLICIT = 1;
export const LINK_INFERRED = 2;
export const LINK_MISMATCH = 3;
export const LINK_REFUNDED = 4;
export const LINK_MISSING = 5;

export interface RuleResult {
  link: Int32Array;
  linkKind: Uint8Array;
  duplicate: Uint8Array;
  conflict: Uint8Array;
  suspected: Uint8Array;
  excessFen: Float64Array;
  stats: AidStats;
}

export interface AidStats {
  records: number;
  explicitLinks: number;
  inferredLinks: number;
  settlementPersonMismatches: number;
  refundedSettlementAid: number;
  missingSettlementAid: number;
  reversed: number;
  unpaid: number;
  duplicates: { count: number; amountFen: number; groups: number; byAgency: Record<string, { count: number; amountFen: number }> };
  voucherConflicts: { count: number; groups: number };
  suspectedDuplicates: { count: number; pairs: number };
  counted: { count: number; amountFen: number };
  excess: { amountFen: number; settlements: number; byAgency: Record<string, { amountFen: number }>; byProgram: Record<string, { amountFen: number }> };
  planted: Record<string, number>;
}

/** Rule 2's primary order: earliest payment date, then system code, then record id. */
function primaryCompare(prov: Province, a: number, b: number): number {
  const c = prov.aid.c;
  const pa = c.paid[a]!;
  const pb = c.paid[b]!;
  if (pa !== pb) return pa - pb;
  const sa = SYSTEMS[c.sys[a]!]!;
  const sb = SYSTEMS[c.sys[b]!]!;
  if (sa !== sb) return sa < sb ? -1 : 1;
  const ra = recordId(prov, a);
  const rb = recordId(prov, b);
  return ra < rb ? -1 : ra > rb ? 1 : 0;
}

export function applyRules(prov: Province): RuleResult {
  const A = prov.aid.n;
  const c = prov.aid.c;
  const sc = prov.settlement.c;
  const problems: string[] = [];
  const problem = (msg: string) => {
    if (problems.length < 20) problems.push(msg);
  };

  // ---- rule 4: links ----
  const byPerson = new Csr(prov.person.n, prov.settlement.n, (s) => sc.person[s]!);
  const link = new Int32Array(A).fill(-1);
  const linkKind = new Uint8Array(A);
  for (let a = 0; a < A; a++) {
    const p = c.person[a]!;
    const ref = c.setl[a]!;
    if (ref >= 0) {
      if (sc.flags[ref]! & SF_REFUNDED) {
        linkKind[a] = LINK_REFUNDED;
        if (sc.person[ref] !== p) problem(`aid ${recordId(prov, a)} names another person's refunded settlement`);
      } else if (sc.person[ref] === p) {
        link[a] = ref;
        linkKind[a] = LINK_EXPLICIT;
      } else linkKind[a] = LINK_MISMATCH;
    } else if (ref <= -2) {
      linkKind[a] = LINK_MISSING;
    } else if (c.hosp[a]! >= 0 && p >= 0) {
      const appr = c.appr[a]!;
      const hosp = c.hosp[a]!;
      let found = -1;
      let count = 0;
      for (let j = 0; j < byPerson.count(p); j++) {
        const s = byPerson.item(p, j);
        if (sc.hosp[s] !== hosp || sc.flags[s]! & SF_REFUNDED) continue;
        const d = sc.disch[s]!;
        const gap = appr - d;
        if (gap >= -1 && gap <= 1) problem(`aid ${recordId(prov, a)}: discharge ${isoDay(d)} next to approval ${isoDay(appr)}`);
        if (gap >= 89 && gap <= 91) problem(`aid ${recordId(prov, a)}: discharge ${isoDay(d)} about 90 days before approval ${isoDay(appr)}`);
        if (gap >= 0 && gap <= 90) {
          count++;
          found = s;
        }
      }
      if (count === 1) {
        link[a] = found;
        linkKind[a] = LINK_INFERRED;
      }
    }
    // A reversed record may name its stay (it counts nowhere either way); anything else that touches a stay
    // is paid, so no total depends on how a hub treats unpaid or reversed records there.
    const k = linkKind[a]!;
    if (k !== LINK_GENERAL && k !== LINK_MISSING && c.status[a] !== ST_PAID && !(k === LINK_EXPLICIT && c.status[a] === ST_REVERSED)) {
      problem(`aid ${recordId(prov, a)} (${SYSTEMS[c.sys[a]!]}) is ${c.status[a] === ST_REVERSED ? 'reversed' : 'unpaid'} and names a stay`);
    }
  }

  // ---- rule 2: duplicates and voucher conflicts ----
  let maxVoucher = -1;
  for (let a = 0; a < A; a++) if (c.voucher[a]! > maxVoucher) maxVoucher = c.voucher[a]!;
  const byVoucher = new Csr(maxVoucher + 1, A, (a) => c.voucher[a]!);
  const duplicate = new Uint8Array(A);
  const conflict = new Uint8Array(A);
  const dupStats = { count: 0, amountFen: 0, groups: 0, byAgency: {} as Record<string, { count: number; amountFen: number }> };
  const conflictStats = { count: 0, groups: 0 };
  for (let v = 0; v <= maxVoucher; v++) {
    const n = byVoucher.count(v);
    if (n < 2) continue;
    const members: number[] = [];
    for (let j = 0; j < n; j++) members.push(byVoucher.item(v, j));
    for (const a of members) if (c.status[a] !== ST_PAID) problem(`voucher group of ${recordId(prov, a)} holds a record that is not paid`);
    const parts = new Map<string, number[]>();
    for (const a of members) {
      const k = `${c.person[a]}|${c.amount[a]}`;
      const list = parts.get(k) ?? [];
      list.push(a);
      parts.set(k, list);
    }
    if (parts.size > 1) {
      if ([...parts.values()].some((l) => l.length > 1)) problem(`voucher group of ${recordId(prov, members[0]!)} mixes a duplicate and a conflict`);
      conflictStats.groups++;
      for (const a of members) {
        conflict[a] = 1;
        conflictStats.count++;
      }
    }
    for (const list of parts.values()) {
      if (list.length < 2) continue;
      list.sort((x, y) => primaryCompare(prov, x, y));
      dupStats.groups++;
      for (const a of list.slice(1)) {
        duplicate[a] = 1;
        dupStats.count++;
        dupStats.amountFen += c.amount[a]!;
        const ag = AGENCY[c.sys[a]!]!;
        const e = (dupStats.byAgency[ag] ??= { count: 0, amountFen: 0 });
        e.count++;
        e.amountFen += c.amount[a]!;
      }
    }
  }
  const counts = (a: number) => duplicate[a] === 0 && c.status[a] !== ST_REVERSED;

  // ---- rule 3 and rule 5, per linked stay ----
  const byStay = new Csr(prov.settlement.n, A, (a) => link[a]!);
  const suspected = new Uint8Array(A);
  let pairs = 0;
  const excessFen = new Float64Array(A);
  const excess = { amountFen: 0, settlements: 0, byAgency: {} as Record<string, { amountFen: number }>, byProgram: {} as Record<string, { amountFen: number }> };
  const list: number[] = [];
  for (let s = 0; s < prov.settlement.n; s++) {
    const n = byStay.count(s);
    if (n === 0) continue;
    list.length = 0;
    for (let j = 0; j < n; j++) {
      const a = byStay.item(s, j);
      if (counts(a)) list.push(a);
    }
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const x = list[i]!;
        const y = list[j]!;
        if (c.sys[x] === c.sys[y] || c.amount[x] !== c.amount[y] || c.person[x] !== c.person[y]) continue;
        if (c.paid[x]! < 0 || c.paid[y]! < 0 || Math.abs(c.paid[x]! - c.paid[y]!) > 3) continue;
        if (c.voucher[x]! >= 0 && c.voucher[x] === c.voucher[y]) continue;
        if (linkKind[x] === LINK_INFERRED || linkKind[y] === LINK_INFERRED) problem(`suspected pair through an inferred link: ${recordId(prov, x)}, ${recordId(prov, y)}`);
        suspected[x] = 1;
        suspected[y] = 1;
        pairs++;
      }
    }
    list.sort((x, y) => primaryCompare(prov, x, y));
    const B = settlementB(prov, s);
    let sum = 0;
    let stayExcess = 0;
    for (const a of list) {
      if (c.paid[a]! < 0) problem(`unpaid aid ${recordId(prov, a)} linked to a stay`);
      const before = sum;
      sum += c.amount[a]!;
      const e = Math.max(0, sum - Math.max(B, before));
      if (e > 0) {
        excessFen[a] = e;
        stayExcess += e;
        const ag = AGENCY[c.sys[a]!]!;
        const pg = PROGRAMS[c.sys[a]!]![c.prog[a]!]!;
        (excess.byAgency[ag] ??= { amountFen: 0 }).amountFen += e;
        (excess.byProgram[pg] ??= { amountFen: 0 }).amountFen += e;
      }
    }
    if (stayExcess > 0) {
      excess.settlements++;
      excess.amountFen += stayExcess;
      if (stayExcess !== Math.max(0, sum - B)) problem(`excess of stay ${s} does not add up`);
    }
  }

  if (problems.length) throw new Error(`generator produced cases the rules leave open:\n${problems.join('\n')}`);

  let suspectedCount = 0;
  let explicitLinks = 0;
  let inferredLinks = 0;
  let mismatches = 0;
  let refunded = 0;
  let missing = 0;
  let reversed = 0;
  let unpaid = 0;
  const counted = { count: 0, amountFen: 0 };
  const planted: Record<string, number> = {};
  for (let a = 0; a < A; a++) {
    suspectedCount += suspected[a]!;
    const k = linkKind[a]!;
    if (k === LINK_EXPLICIT) explicitLinks++;
    else if (k === LINK_INFERRED) inferredLinks++;
    else if (k === LINK_MISMATCH) mismatches++;
    else if (k === LINK_REFUNDED) refunded++;
    else if (k === LINK_MISSING) missing++;
    if (c.status[a] === ST_REVERSED) reversed++;
    if (c.status[a] === ST_APPROVED) unpaid++;
    if (counts(a) && c.paid[a]! >= 0) {
      counted.count++;
      counted.amountFen += c.amount[a]!;
    }
    const pl = c.plant[a]!;
    if (pl !== PL_NONE) planted[PLANT_NAMES[pl]!] = (planted[PLANT_NAMES[pl]!] ?? 0) + 1;
  }

  return {
    link,
    linkKind,
    duplicate,
    conflict,
    suspected,
    excessFen,
    stats: {
      records: A,
      explicitLinks,
      inferredLinks,
      settlementPersonMismatches: mismatches,
      refundedSettlementAid: refunded,
      missingSettlementAid: missing,
      reversed,
      unpaid,
      duplicates: dupStats,
      voucherConflicts: conflictStats,
      suspectedDuplicates: { count: suspectedCount, pairs },
      counted,
      excess,
      planted,
    },
  };
}
