/**
 * The ground truth of a synthetic province: persons, households, statuses, settlements and aid, with the
 * overlaps of domain.md planted on purpose. Everything the files say is rendered from this model, and
 * everything expected.json says is computed from it (rules.ts), so the two cannot disagree.
 *
 * Records that must be *absent* from the truth — quarantined rows, files rejected whole — are kept apart
 * (`bad`, `ghosts`) so that no rule ever sees them.
 */
import { checkCharacter } from '../src/identity/id-number.ts';
import {
  ADDRESS_CODES,
  ADDRESS_INDEX,
  CIVIL_CATEGORY_WEIGHTS,
  COUNTIES,
  COUNTY_WEIGHTS,
  DOTTED_FAMILY,
  DOTTED_GIVEN_FEMALE,
  DOTTED_GIVEN_MALE,
  GIVEN_FEMALE,
  GIVEN_MALE,
  HOSPITALS,
  HOSPITALS_OF_COUNTY,
  OUTSIDE_CODES,
  PROVINCIAL_HOSPITALS,
  REL_CHILD,
  REL_GRANDCHILD,
  REL_PARENT,
  REL_SELF,
  REL_SIBLING,
  REL_SPOUSE,
  RURAL_TYPE_WEIGHTS,
  SURNAMES,
  S_CH,
  S_CIVIL,
  S_DIS,
  S_EMERG,
  S_MI,
  S_RC,
  S_RURAL,
  S_UH,
  S_UMA,
  S_UW,
  S_VET,
  S_WC,
  WC_CHILD,
  WC_WOMAN,
} from './catalog.ts';
import { DATA_END, DATA_START, dayOf, dayOfIso, isoDay, pad2, periodOf, ymd } from './calendar.ts';
import { hash32, Rng } from './prng.ts';
import { Csr, Table } from './table.ts';

// ---- person flags ----
export const P_VETERAN = 1;
export const P_DISABLED = 2;
export const P_UNION = 4;
export const P_POOR_WORKER = 8;
export const P_DOTTED = 16;
/** Not one of the province's persons: appears only in quarantined records or rejected files. */
export const P_EXTRA = 32;
export const P_EMPLOYEE = 64;

// ---- household kinds ----
export const HH_OTHER = 0;
export const HH_CIVIL = 1;
export const HH_RURAL = 2;

// ---- settlement flags ----
export const SF_REFUNDED = 1;
export const SF_CORRECTED = 2;
export const SF_REDELIVER = 4;
/** psn_part_amt written 0.01 off the computed burden: still within the tolerance, so not quarantined. */
export const SF_TOLERANCE = 8;

// ---- aid status ----
export const ST_PAID = 0;
export const ST_APPROVED = 1;
export const ST_REVERSED = 2;

// ---- aid flags ----
export const AF_REDELIVER = 1;
export const AF_CORRECTED = 2;
/** Emergency case of a patient never identified: its person is provisional. */
export const AF_UNIDENT = 4;
/** Emergency case first delivered unidentified, identified in a later file under the same caseNo. */
export const AF_UNIDENT_LATER = 8;
/** …and delivered unidentified once more after that (the identity must not be lost). */
export const AF_RESEND = 16;
/** Women-children child written without own identity number (guardian + name + birth date). */
export const AF_CHILD_NOID = 32;
/** Taken by a planted case: not to be reused by another. */
export const AF_USED = 64;
/** Voucher written in a variant spelling (case, separators, full-width) of its normal form. */
export const AF_VOUCHER_VARIANT = 128;

// ---- what a plant was meant to be (for the report of the distribution; the rules decide the truth) ----
export const PL_NONE = 0;
export const PL_DUPLICATE = 1;
export const PL_CONFLICT = 2;
export const PL_SUSPECTED = 3;
export const PL_SUSPECTED_NEAR_MISS = 4;
export const PL_SUSPECTED_SAME_SYSTEM = 5;
export const PL_MISMATCH = 6;
export const PL_REFUNDED_REF = 7;
export const PL_STALE_HOSPITAL = 8;
export const PL_TWO_AT_HOSPITAL = 9;
export const PL_TWO_ONE_REFUNDED = 10;
export const PL_NO_SETTLEMENT_AT_HOSPITAL = 11;
export const PL_OVER_AID = 12;
export const PL_PHANTOM_SETTLEMENT = 13;
export const PL_CHILD_MATCHED = 14;
export const PL_CHILD_PROVISIONAL = 15;
export const PL_UNIDENT = 16;
export const PL_UNPAID = 17;
export const PLANT_NAMES = [
  'natural',
  'duplicateReport',
  'voucherConflict',
  'suspectedDuplicate',
  'suspectedNearMiss(5-9 days)',
  'suspectedSameSystem',
  'settlementPersonMismatch',
  'namesRefundedSettlement',
  'hospitalOnlyStale(>90 days)',
  'hospitalOnlyTwoSettlements',
  'hospitalOnlyTwoSettlementsOneRefunded',
  'hospitalOnlyNoSettlementThere',
  'overAid',
  'namesMissingSettlement',
  'childWithoutIdMatched',
  'childWithoutIdProvisional',
  'emergencyNeverIdentified',
  'emergencyApprovedUnpaid',
] as const;

export type Reason = 'INVALID_ID' | 'BAD_AMOUNT' | 'BAD_DATE' | 'MISSING_FIELD' | 'BURDEN_MISMATCH' | 'CERT_MISMATCH';

/** A record that is quarantined: rendered like a real one of its system, with exactly one defect. */
export interface BadSpec {
  sys: number;
  reason: Reason;
  /** Which flavour of the defect (wrong check character or impossible birth date; unparsable or negative; …). */
  flavour: number;
  /** What kind of row: an aid record, a settlement line, a status row, a donation. */
  kind: 'aid' | 'settlement' | 'status' | 'donation';
  person: number;
  amountFen: number;
  appr: number;
  paid: number;
  seq: number;
  /** Main file period, or 4 for the re-delivery file. */
  period: number;
  hospital: number;
  /** Settlement lines: their own settlement id. */
  setlId: string | null;
  /** Index of the bad record this one repeats identically (a re-delivered bad record), else -1. */
  repeats: number;
  /** The corrupted identity number (INVALID_ID), fixed once so a repeat renders it identically. */
  badId: string | null;
}

/** A record of a file that is rejected whole: it exists only in that file. */
export interface GhostSpec {
  sys: number;
  person: number;
  amountFen: number;
  appr: number;
  paid: number;
  seq: number;
  voucher: number;
}

export type Provisional =
  | { kind: 'case'; aid: number }
  | { kind: 'child'; guardian: number; name: string; birth: number; aids: number[] };

export interface ProvinceOptions {
  persons: number;
  seed: number;
  today: string;
  /**
   * Issue 12's second delivery: first versions of records that differ from the final ones, corrected in a later
   * file (every kind of correction of domain.md: person, stay, voucher, household, county, refund line), and the
   * veterans' and disabled persons' rosters. Off by default, so that a seed's province stays what it was.
   */
  corrections?: boolean;
}

const PERSON_COLS = ['addr', 'birth', 'seq', 'county', 'hh', 'rel', 'flags', 'surname', 'dis'] as const;
const HH_COLS = ['kind', 'start', 'size', 'county', 'cat', 'from', 'to', 'income'] as const;
const SETL_COLS = [
  'person',
  'hosp',
  'admit',
  'disch',
  'total',
  'scope',
  'basic',
  'critical',
  'supp',
  'maf',
  'seq',
  'time',
  'flags',
  'refundDay',
  'refundSeq',
  'refundTime',
  'diag',
  'aidStart',
  'aidCount',
] as const;
const AID_COLS = ['sys', 'person', 'amount', 'appr', 'paid', 'status', 'setl', 'hosp', 'voucher', 'vorigin', 'seq', 'flags', 'prog', 'guardian', 'plant'] as const;
const DON_COLS = ['sys', 'amount', 'day', 'seq', 'donor', 'voucher'] as const;

export type PersonTable = Table<(typeof PERSON_COLS)[number]>;
export type AidTable = Table<(typeof AID_COLS)[number]>;
export type SettlementTable = Table<(typeof SETL_COLS)[number]>;

export interface Province {
  seed: number;
  persons: number;
  today: string;
  dataEnd: number;
  /** Mixes the seed into stateless hashes. */
  salt: number;
  person: PersonTable;
  /** Persons 0…nReal-1 are the province's; the rest are P_EXTRA. */
  nReal: number;
  household: Table<(typeof HH_COLS)[number]>;
  settlement: SettlementTable;
  aid: AidTable;
  donation: Table<(typeof DON_COLS)[number]>;
  provisional: Provisional[];
  /** Provisional index of an aid record's person is -1 - aid.person. */
  phantoms: string[];
  bad: BadSpec[];
  ghosts: GhostSpec[];
  /** Contents of a corrected aid record before its correction. */
  oldAid: Map<number, { amount: number; status: number; paid: number; voucher: number; vorigin?: number; person?: number; setl?: number }>;
  /** The second delivery of issue 12 is planted (rosters and first versions corrected later). */
  corrections: boolean;
  /**
   * A civil-affairs status row first delivered with another householder (`head`, a person heading another civil
   * household) or another county code (`county`, an index of COUNTIES), by member; corrected in status-006.csv.
   */
  oldStatus: Map<number, { head?: number; county?: number }>;
  /** A refund line first delivered naming another stay (refunded settlement → the stay its first version named). */
  oldRefund: Map<number, number>;
  /** Basic-insurance payment of a corrected settlement before its correction (the burden moves with it). */
  oldBasic: Map<number, number>;
  /** Per-system sequence counters (record ids), shared by real, bad and ghost records so ids never collide. */
  seqs: Int32Array;
  /** Per hospital and year: next settlement sequence number. */
  setlSeq: Int32Array;
}

export const SETL_YEARS = [2025, 2026] as const;

// ---------------------------------------------------------------------------------------------------------
// Identity numbers and names
// ---------------------------------------------------------------------------------------------------------

export function id17(prov: Province, p: number): string {
  const c = prov.person.c;
  const [y, m, d] = ymd(c.birth[p]!);
  const seq = c.seq[p]!;
  return `${ADDRESS_CODES[c.addr[p]!]}${y}${pad2(m)}${pad2(d)}${seq < 10 ? '00' : seq < 100 ? '0' : ''}${seq}`;
}

export function id18(prov: Province, p: number): string {
  const first = id17(prov, p);
  return first + checkCharacter(first);
}

export function isFemale(prov: Province, p: number): boolean {
  return prov.person.c.seq[p]! % 2 === 0;
}

/** Age in whole years on a day. */
export function ageOn(prov: Province, p: number, day: number): number {
  const [by, bm, bd] = ymd(prov.person.c.birth[p]!);
  const [y, m, d] = ymd(day);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** The name as the person's own agency knows it (middle dot U+00B7 in transliterated names). */
export function personName(prov: Province, p: number): string {
  const c = prov.person.c;
  const h = hash32(prov.salt, 11, p);
  const female = isFemale(prov, p);
  if (c.flags[p]! & P_DOTTED) {
    const given = (female ? DOTTED_GIVEN_FEMALE : DOTTED_GIVEN_MALE)[h % 8]!;
    return `${given}·${DOTTED_FAMILY[c.surname[p]! % DOTTED_FAMILY.length]!}`;
  }
  const pool = female ? GIVEN_FEMALE : GIVEN_MALE;
  const g1 = pool[h % pool.length]!;
  const g2 = (h >>> 8) % 3 === 0 ? '' : pool[(h >>> 12) % pool.length]!;
  return SURNAMES[c.surname[p]! % SURNAMES.length]! + g1 + g2;
}

export function settlementB(prov: Province, s: number, basic?: number): number {
  const c = prov.settlement.c;
  return c.total[s]! - (basic ?? c.basic[s]!) - c.critical[s]! - c.supp[s]! - c.maf[s]!;
}

export function settlementId(prov: Province, s: number): string {
  const c = prov.settlement.c;
  const year = ymd(c.disch[s]!)[0];
  return `${HOSPITALS[c.hosp[s]!]!.code}-${year}-${String(c.seq[s]!).padStart(6, '0')}`;
}

export function refundId(prov: Province, s: number): string {
  const c = prov.settlement.c;
  const year = ymd(c.refundDay[s]!)[0];
  return `${HOSPITALS[c.hosp[s]!]!.code}-${year}-R${String(c.refundSeq[s]!).padStart(6, '0')}`;
}

// ---------------------------------------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------------------------------------

function nextSetlSeq(prov: Province, hosp: number, day: number): number {
  const yi = ymd(day)[0] === 2025 ? 0 : 1;
  const k = hosp * 2 + yi;
  return ++prov.setlSeq[k]!;
}

export function buildProvince(opts: ProvinceOptions): Province {
  if (!Number.isInteger(opts.persons) || opts.persons < 50) throw new Error('persons must be an integer of at least 50');
  const todayDay = dayOfIso(opts.today);
  const dataEnd = Math.min(DATA_END, todayDay);
  if (dataEnd < DATA_START + 240) throw new Error(`today ${opts.today} leaves too little history after ${isoDay(DATA_START)}`);
  const n = opts.persons;
  const prov: Province = {
    seed: opts.seed,
    persons: n,
    today: opts.today,
    dataEnd,
    salt: hash32(opts.seed | 0, Math.floor(opts.seed / 4294967296), 0x5eed),
    person: new Table(PERSON_COLS, Math.ceil(n * 1.02) + 64),
    nReal: 0,
    household: new Table(HH_COLS, Math.ceil(n / 2)),
    settlement: new Table(SETL_COLS, Math.ceil(n * 1.2) + 64),
    aid: new Table(AID_COLS, Math.ceil(n * 2.2) + 256),
    donation: new Table(DON_COLS, Math.ceil(n * 0.1) + 16),
    provisional: [],
    phantoms: [],
    bad: [],
    ghosts: [],
    oldAid: new Map(),
    corrections: opts.corrections ?? false,
    oldRefund: new Map(),
    oldStatus: new Map(),
    oldBasic: new Map(),
    seqs: new Int32Array(12),
    setlSeq: new Int32Array(HOSPITALS.length * 2),
  };
  const b = new Builder(prov, opts.seed);
  b.persons(n);
  b.settlements();
  b.naturalAid();
  b.generalAid();
  b.donations();
  b.plant();
  b.badRecords();
  b.ghostRecords();
  b.deliveries();
  if (prov.corrections) b.secondDelivery(opts.seed);
  return prov;
}

/** One helper object so the build phases share their indexes without threading them through arguments. */
class Builder {
  private readonly rng: Rng;
  private readonly rngS: Rng;
  private readonly rngA: Rng;
  private readonly rngP: Rng;
  private readonly rngB: Rng;
  private readonly idKeys = new Set<number>();
  /** Settlements of each person (real persons; built after the natural settlements). */
  private bySetlPerson!: Csr;
  /** Extra settlements added by plants, per person: they join bySetlPerson's view. */
  private readonly extraSetl = new Map<number, number[]>();
  private voucherSeq = 0;

  constructor(
    private readonly prov: Province,
    seed: number,
  ) {
    this.rng = new Rng(seed, 1);
    this.rngS = new Rng(seed, 2);
    this.rngA = new Rng(seed, 3);
    this.rngP = new Rng(seed, 4);
    this.rngB = new Rng(seed, 5);
  }

  // ---- persons and households ----

  private newPerson(county: number, birth: number, male: boolean, hh: number, rel: number, surname: number, flags: number): number {
    const prov = this.prov;
    const rng = this.rng;
    const by = ymd(birth)[0];
    const ci = COUNTIES[county]!;
    let addr: string;
    const r = rng.float();
    if (by < 2003 && r < 0.035) addr = rng.pick(OUTSIDE_CODES);
    else if (by < 2003 && r < 0.07) addr = county < 4 ? '460001' : county === 9 ? '469003' : '460003';
    else if (r < 0.1) addr = rng.pick(COUNTIES).idCodes[0]!;
    else {
      const codes = ci.idCodes.filter((c) => c !== '469003' || by < 2015);
      addr = codes[rng.int(0, codes.length - 1)]!;
    }
    const addrIdx = ADDRESS_INDEX.get(addr)!;
    let seq = 0;
    for (let tries = 0; ; tries++) {
      seq = 2 * rng.int(0, 498) + (male ? 1 : 2);
      const key = addrIdx * 1e11 + (birth + 30000) * 1000 + seq;
      if (!this.idKeys.has(key)) {
        this.idKeys.add(key);
        break;
      }
      if (tries > 50) birth += 1;
    }
    const p = prov.person.add();
    const c = prov.person.c;
    c.addr[p] = addrIdx;
    c.birth[p] = birth;
    c.seq[p] = seq;
    c.county[p] = county;
    c.hh[p] = hh;
    c.rel[p] = rel;
    c.surname[p] = surname;
    c.dis[p] = 0;
    let f = flags;
    const age = 2026 - by;
    if (male && age >= 38 && age <= 88 && rng.chance(0.07)) f |= P_VETERAN;
    if (!male && age >= 30 && age <= 70 && rng.chance(0.004)) f |= P_VETERAN;
    if (rng.chance(0.05)) {
      f |= P_DISABLED;
      c.dis[p] = rng.int(1, 7) * 10 + rng.int(1, 4);
    }
    if (age >= 22 && age <= 59) {
      if (rng.chance(0.26)) f |= P_UNION | P_EMPLOYEE;
      else if (rng.chance(0.15)) f |= P_EMPLOYEE;
      if (f & P_UNION && rng.chance(0.3)) f |= P_POOR_WORKER;
    }
    c.flags[p] = f;
    return p;
  }

  private randomBirth(fromYear: number, toYear: number): number {
    const lo = dayOf(Math.max(1925, fromYear), 1, 1);
    const hi = Math.min(dayOf(Math.min(2024, toYear), 12, 31), dayOf(2024, 12, 31));
    return this.rng.int(lo, Math.max(lo, hi));
  }

  persons(n: number): void {
    const prov = this.prov;
    const rng = this.rng;
    while (prov.person.n < n) {
      let size = [1, 2, 3, 4, 5][rng.weighted([20, 25, 25, 20, 10])]!;
      size = Math.min(size, n - prov.person.n);
      const kind = rng.weighted([45, 30, 25]);
      let county = rng.weighted(COUNTY_WEIGHTS);
      if (kind === HH_RURAL && county === 8) county = 9;
      const h = prov.household.add();
      const hc = prov.household.c;
      hc.kind[h] = kind;
      hc.start[h] = prov.person.n;
      hc.size[h] = size;
      hc.county[h] = county;
      const dotted = rng.chance(0.015) ? P_DOTTED : 0;
      const surname = rng.int(0, SURNAMES.length - 1);
      const headYear = rng.int(1941, 2001);
      const headMale = rng.chance(0.62);
      this.newPerson(county, this.randomBirth(headYear, headYear), headMale, h, REL_SELF, surname, dotted);
      const headAge = 2026 - headYear;
      for (let k = 1; k < size; k++) {
        if (k === 1 && rng.chance(0.85)) {
          const y = headYear + rng.int(-5, 5);
          this.newPerson(county, this.randomBirth(y, y), !headMale, h, REL_SPOUSE, rng.int(0, SURNAMES.length - 1), dotted);
          continue;
        }
        const r = rng.float();
        if (headAge < 52 && k === size - 1 && r < 0.15 && headYear - 22 > 1930) {
          const y = headYear - rng.int(22, 32);
          this.newPerson(county, this.randomBirth(y, y), rng.chance(0.4), h, REL_PARENT, surname, dotted);
        } else if (headAge >= 58 && r < 0.5) {
          const y = Math.min(2024, headYear + rng.int(45, 62));
          this.newPerson(county, this.randomBirth(y, y), rng.chance(0.5), h, REL_GRANDCHILD, surname, dotted);
        } else if (r > 0.96) {
          const y = headYear + rng.int(-8, 8);
          this.newPerson(county, this.randomBirth(y, y), rng.chance(0.5), h, REL_SIBLING, surname, dotted);
        } else {
          const y = Math.min(2024, headYear + rng.int(20, 38));
          this.newPerson(county, this.randomBirth(y, y), rng.chance(0.52), h, REL_CHILD, surname, dotted);
        }
      }
      if (kind === HH_CIVIL) {
        hc.cat[h] = rng.weighted(CIVIL_CATEGORY_WEIGHTS);
        hc.from[h] = rng.int(dayOf(2018, 1, 1), prov.dataEnd - 120);
        hc.to[h] = rng.chance(0.18) ? Math.min(prov.dataEnd - 5, hc.from[h]! + rng.int(200, 1500)) : -1;
        if (hc.to[h]! >= 0 && hc.to[h]! <= hc.from[h]!) hc.to[h] = -1;
        hc.income[h] = rng.chance(0.75) ? rng.int(3000, 48000) * 100 + (rng.chance(0.3) ? rng.int(0, 99) : 0) : -1;
      } else if (kind === HH_RURAL) {
        hc.cat[h] = rng.weighted(RURAL_TYPE_WEIGHTS);
        hc.from[h] = rng.int(dayOf(2021, 1, 1), prov.dataEnd - 120);
        hc.to[h] = rng.chance(0.25) ? Math.min(prov.dataEnd - 5, hc.from[h]! + rng.int(180, 1200)) : -1;
        if (hc.to[h]! >= 0 && hc.to[h]! <= hc.from[h]!) hc.to[h] = -1;
        hc.income[h] = rng.int(2500, 13000) * 100 + rng.int(0, 99);
      } else {
        hc.cat[h] = 0;
        hc.from[h] = -1;
        hc.to[h] = -1;
        hc.income[h] = -1;
      }
    }
    prov.nReal = prov.person.n;
  }

  /** Persons outside the province's population, seen only where nothing is applied. */
  private extraPerson(): number {
    const rng = this.rng;
    const county = rng.weighted(COUNTY_WEIGHTS);
    const y = rng.int(1950, 1998);
    const p = this.newPerson(county, this.randomBirth(y, y), rng.chance(0.5), -1, REL_SELF, rng.int(0, SURNAMES.length - 1), P_EXTRA);
    this.prov.person.c.flags[p]! |= P_EXTRA;
    return p;
  }

  // ---- settlements ----

  private hhKind(p: number): number {
    const h = this.prov.person.c.hh[p]!;
    return h < 0 ? -1 : this.prov.household.c.kind[h]!;
  }

  private addSettlement(p: number, hosp: number, admit: number, los: number): number {
    const prov = this.prov;
    const rng = this.rngS;
    const s = prov.settlement.add();
    const c = prov.settlement.c;
    const disch = admit + los;
    c.person[s] = p;
    c.hosp[s] = hosp;
    c.admit[s] = admit;
    c.disch[s] = disch;
    c.seq[s] = nextSetlSeq(prov, hosp, disch);
    c.time[s] = rng.int(8 * 3600, 18 * 3600);
    c.diag[s] = rng.int(0, 17);
    const total = Math.round(rng.lognormal(16000, 1.05, 800, 650000) * 100) + rng.int(0, 99);
    const scope = Math.round(total * (0.8 + rng.float() * 0.17));
    const pf = prov.person.c.flags[p]!;
    const employee = (pf & P_EMPLOYEE) !== 0;
    const basic = Math.round(scope * (employee ? 0.7 + rng.float() * 0.15 : 0.55 + rng.float() * 0.15));
    let critical = 0;
    let supp = 0;
    if (employee) supp = Math.max(0, Math.round((scope - basic - 2_000_000) * 0.5));
    else critical = Math.max(0, Math.round((scope - basic - 1_500_000) * 0.6));
    const kind = this.hhKind(p);
    let maf = 0;
    if ((kind === HH_CIVIL || kind === HH_RURAL) && rng.chance(0.72)) maf = Math.round((total - basic - critical - supp) * (0.25 + rng.float() * 0.35));
    c.total[s] = total;
    c.scope[s] = scope;
    c.basic[s] = basic;
    c.critical[s] = critical;
    c.supp[s] = supp;
    c.maf[s] = maf;
    c.flags[s] = 0;
    c.refundDay[s] = -1;
    c.aidStart[s] = -1;
    c.aidCount[s] = 0;
    return s;
  }

  private refund(s: number, minDay: number): boolean {
    const prov = this.prov;
    const c = prov.settlement.c;
    const day = Math.max(c.disch[s]!, minDay) + this.rngS.int(3, 40);
    if (day > prov.dataEnd) return false;
    c.flags[s]! |= SF_REFUNDED;
    c.refundDay[s] = day;
    c.refundSeq[s] = nextSetlSeq(prov, c.hosp[s]!, day);
    c.refundTime[s] = this.rngS.int(8 * 3600, 18 * 3600);
    return true;
  }

  settlements(): void {
    const prov = this.prov;
    const rng = this.rngS;
    const pc = prov.person.c;
    const hospitals: number[] = [];
    for (let p = 0; p < prov.nReal; p++) {
      const kind = this.hhKind(p);
      let k: number;
      if (kind === HH_OTHER) k = [1, 2, 3][rng.weighted([85, 12, 3])]!;
      else k = [0, 1, 2, 3][rng.weighted([30, 45, 18, 7])]!;
      hospitals.length = 0;
      const own = HOSPITALS_OF_COUNTY[pc.county[p]!]!;
      for (let j = 0; j < k; j++) {
        // One stay per hospital and person: a second one there is planted on purpose (inference ambiguity).
        let hosp = -1;
        for (let t = 0; t < 6 && hosp < 0; t++) {
          const h = rng.chance(0.55) ? own[rng.int(0, own.length - 1)]! : PROVINCIAL_HOSPITALS[rng.int(0, PROVINCIAL_HOSPITALS.length - 1)]!;
          if (!hospitals.includes(h)) hosp = h;
        }
        if (hosp < 0) continue;
        hospitals.push(hosp);
        const admit = rng.int(DATA_START, prov.dataEnd - 75);
        const s = this.addSettlement(p, hosp, admit, rng.int(1, 28));
        if (rng.chance(0.012)) this.refund(s, 0);
      }
    }
  }

  private indexSettlements(): void {
    this.bySetlPerson = new Csr(this.prov.person.n, this.prov.settlement.n, (s) => this.prov.settlement.c.person[s]!);
  }

  /** Settlements of a person, including those planted after indexing. */
  private settlementsOf(p: number): number[] {
    const out: number[] = [];
    const csr = this.bySetlPerson;
    for (let j = 0; j < csr.count(p); j++) out.push(csr.item(p, j));
    const extra = this.extraSetl.get(p);
    if (extra) out.push(...extra);
    return out;
  }

  // ---- aid ----

  private newVoucher(): number {
    return this.voucherSeq++;
  }

  /** A new aid record with the fields every system shares; the caller fills in the rest. */
  private addAid(sys: number, person: number, amount: number, appr: number, paid: number, status: number): number {
    const prov = this.prov;
    const a = prov.aid.add();
    const c = prov.aid.c;
    c.sys[a] = sys;
    c.person[a] = person;
    c.amount[a] = amount;
    c.appr[a] = appr;
    c.paid[a] = paid;
    c.status[a] = status;
    c.setl[a] = -1;
    c.hosp[a] = -1;
    c.voucher[a] = -1;
    c.vorigin[a] = sys;
    c.seq[a] = ++prov.seqs[sys]!;
    c.flags[a] = 0;
    c.prog[a] = 0;
    c.guardian[a] = -1;
    c.plant[a] = PL_NONE;
    return a;
  }

  private static readonly VOUCHER_RATE = [0, 0.95, 0.6, 0.8, 1, 0.7, 0.9, 0.7, 0.7, 0.6, 0.8, 0.85];

  private maybeVoucher(a: number): void {
    const c = this.prov.aid.c;
    if (c.status[a] === ST_APPROVED) return;
    if (this.rngA.chance(Builder.VOUCHER_RATE[c.sys[a]!]!)) {
      c.voucher[a] = this.newVoucher();
      c.vorigin[a] = c.sys[a]!;
      if (this.rngA.chance(0.08)) c.flags[a]! |= AF_VOUCHER_VARIANT;
    }
  }

  /** Systems whose programs this person qualifies for (contract.md programs, domain.md policy pool). */
  private eligible(p: number, day: number): number[] {
    const prov = this.prov;
    const f = prov.person.c.flags[p]!;
    const kind = this.hhKind(p);
    const age = ageOn(prov, p, day);
    const out = [S_CH, S_RC];
    if (kind === HH_CIVIL) out.push(S_CIVIL);
    if (kind === HH_RURAL) out.push(S_RURAL);
    if (f & P_UNION) out.push(S_UMA);
    if (f & P_UNION && isFemale(prov, p)) out.push(S_UW);
    if (f & P_POOR_WORKER) out.push(S_UH);
    if (f & P_VETERAN) out.push(S_VET);
    if (age < 18 || (isFemale(prov, p) && age >= 20 && age <= 64)) out.push(S_WC);
    if (f & P_DISABLED) out.push(S_DIS);
    return out;
  }

  private static readonly STAY_PROB = [0, 0.8, 0.04, 0.8, 0.6, 0.3, 0.6, 0.6, 0.12, 0.55, 0.2, 0.45];

  /** Payment dates of a system: some pay on the day of approval, the others some days later. */
  private payDay(sys: number, appr: number): number {
    if (sys === S_RURAL || sys === S_UW || sys === S_WC || sys === S_DIS || sys === S_RC || sys === S_CH) return appr;
    return appr + this.rngA.int(0, sys === S_EMERG ? 30 : 20);
  }

  naturalAid(): void {
    const prov = this.prov;
    const rng = this.rngA;
    const sc = prov.settlement.c;
    const order = [S_CIVIL, S_RURAL, S_EMERG, S_UMA, S_UW, S_UH, S_VET, S_WC, S_DIS, S_RC, S_CH];
    for (let s = 0; s < prov.settlement.n; s++) {
      if (sc.flags[s]! & SF_REFUNDED) continue;
      const p = sc.person[s]!;
      const B = settlementB(prov, s);
      let remaining = B;
      const disch = sc.disch[s]!;
      const elig = this.eligible(p, disch);
      if (rng.chance(0.05)) elig.push(S_EMERG);
      const start = prov.aid.n;
      for (const sys of order) {
        if (!elig.includes(sys)) continue;
        let prob = Builder.STAY_PROB[sys]!;
        if (sys === S_EMERG) prob = 0.9;
        if (sys === S_RC && B > 5_000_000) prob += 0.2;
        if (sys === S_CH && B > 3_000_000) prob += 0.25;
        if (sys === S_WC && ageOn(prov, p, disch) < 18) prob = 0.35;
        if (!rng.chance(prob)) continue;
        let amount: number;
        let prog = 0;
        if (sys === S_UW) amount = rng.pick([500_000, 1_000_000, 2_000_000]);
        else if (sys === S_WC && ageOn(prov, p, disch) >= 18) amount = rng.pick([800_000, 1_000_000]);
        else amount = Math.round(remaining * (0.12 + rng.float() * 0.38));
        if (sys === S_WC) prog = ageOn(prov, p, disch) < 18 ? WC_CHILD : WC_WOMAN;
        if (amount < 10_000) continue;
        const appr = disch + rng.int(5, 60);
        const paid = this.payDay(sys, appr);
        if (paid > prov.dataEnd) continue;
        remaining -= amount;
        let status = ST_PAID;
        let mode = rng.float();
        if ((sys === S_CIVIL || sys === S_UMA || sys === S_UH) && rng.chance(0.03)) {
          status = ST_REVERSED;
          mode = 0; // a reversed payment names its stay or nothing, never only a hospital
        }
        const a = this.addAid(sys, p, amount, appr, paid, status);
        const c = prov.aid.c;
        c.prog[a] = prog;
        if (sys === S_CIVIL) {
          if (mode < 0.5) c.setl[a] = s;
          else if (mode < 0.8) c.hosp[a] = sc.hosp[s]!;
        } else if (sys === S_EMERG) {
          c.hosp[a] = sc.hosp[s]!;
          if (mode < 0.5) c.setl[a] = s;
        } else if (mode < 0.75) c.setl[a] = s;
        if (c.setl[a]! >= 0 && (sys === S_CIVIL || sys === S_EMERG)) c.hosp[a] = sc.hosp[s]!;
        if (sys === S_WC && prog === WC_CHILD && rng.chance(0.5)) c.guardian[a] = this.guardianOf(p);
        this.maybeVoucher(a);
      }
      sc.aidStart[s] = start;
      sc.aidCount[s] = prov.aid.n - start;
    }
  }

  /** The householder or spouse of a child's household, if the child has one other than itself. */
  private guardianOf(p: number): number {
    const prov = this.prov;
    const h = prov.person.c.hh[p]!;
    if (h < 0) return -1;
    const start = prov.household.c.start[h]!;
    const size = prov.household.c.size[h]!;
    for (let q = start; q < start + Math.min(2, size); q++) if (q !== p && ageOn(prov, q, prov.dataEnd) >= 20) return q;
    return -1;
  }

  /** Aid tied to no stay: temporary hardship grants, chronic-illness allowances, rehabilitation. */
  generalAid(): void {
    const prov = this.prov;
    const rng = this.rngA;
    for (let p = 0; p < prov.nReal; p++) {
      const kind = this.hhKind(p);
      const f = prov.person.c.flags[p]!;
      const tries: number[] = [];
      if (kind === HH_CIVIL && rng.chance(0.35)) tries.push(S_CIVIL);
      if (kind === HH_RURAL && rng.chance(0.4)) tries.push(S_RURAL);
      if (f & P_VETERAN && rng.chance(0.25)) tries.push(S_VET);
      if (f & P_DISABLED && rng.chance(0.3)) tries.push(S_DIS);
      if (f & P_POOR_WORKER && rng.chance(0.2)) tries.push(S_UH);
      if (f & P_UNION && rng.chance(0.08)) tries.push(S_UMA);
      if (rng.chance(0.1)) tries.push(S_CH);
      for (const sys of tries) {
        const appr = rng.int(DATA_START, prov.dataEnd - 25);
        // Mutual-aid claims approved but not yet paid: general aid, so no stay waits on a payment date.
        const unpaid = sys === S_UMA && rng.chance(0.2);
        const paid = unpaid ? -1 : this.payDay(sys, appr);
        const amount = Math.round(rng.lognormal(1800, 0.7, 200, 30000) * 100) + (rng.chance(0.5) ? rng.int(0, 99) : 0);
        const a = this.addAid(sys, p, amount, appr, paid, unpaid ? ST_APPROVED : ST_PAID);
        this.maybeVoucher(a);
      }
      if (ageOn(prov, p, prov.dataEnd) < 17 && rng.chance(0.04)) {
        const appr = rng.int(DATA_START, prov.dataEnd - 25);
        const a = this.addAid(S_WC, p, rng.int(2000, 30000) * 100, appr, appr, ST_PAID);
        prov.aid.c.prog[a] = WC_CHILD;
        if (rng.chance(0.5)) prov.aid.c.guardian[a] = this.guardianOf(p);
        this.maybeVoucher(a);
      }
    }
  }

  donations(): void {
    const prov = this.prov;
    const rng = this.rngA;
    const count = (sys: number, rate: number) => Math.max(3, Math.round(prov.seqs[sys]! * rate));
    for (const [sys, rate] of [
      [S_RC, 0.25],
      [S_CH, 0.2],
    ] as const) {
      for (let i = count(sys, rate); i > 0; i--) this.addDonation(sys, rng.int(DATA_START, prov.dataEnd));
    }
  }

  private addDonation(sys: number, day: number): number {
    const prov = this.prov;
    const rng = this.rngA;
    const d = prov.donation.add();
    const c = prov.donation.c;
    c.sys[d] = sys;
    c.amount[d] = rng.pick([1000, 5000, 10000, 50000, 100000, 200000, 1000000]) * 100 * (rng.chance(0.2) ? 3 : 1) + (rng.chance(0.1) ? rng.int(1, 99) : 0);
    c.day[d] = day;
    c.seq[d] = ++prov.seqs[sys]!;
    c.donor[d] = rng.int(0, 7);
    c.voucher[d] = sys === S_CH && rng.chance(0.5) ? this.newVoucher() : -1;
    return d;
  }

  // ---- planted overlaps ----

  /** A natural record a plant may build on: paid, not reversed, with a real person, not yet used. */
  private pickPlain(pred: (a: number) => boolean, tries = 400): number {
    const prov = this.prov;
    const c = prov.aid.c;
    const limit = this.naturalAidCount;
    for (let t = 0; t < tries; t++) {
      const a = this.rngP.int(0, limit - 1);
      if (c.flags[a]! & (AF_USED | AF_CORRECTED | AF_REDELIVER) || c.status[a] !== ST_PAID || c.person[a]! < 0 || c.paid[a]! < 0) continue;
      if (pred(a)) return a;
    }
    return -1;
  }

  private naturalAidCount = 0;

  private scaled(rate: number, min: number, base: number): number {
    return Math.max(min, Math.round(base * rate));
  }

  private pickSystem(p: number, day: number, exclude: number[], allowed?: number[]): number {
    const options = this.eligible(p, day).filter((s) => !exclude.includes(s) && s !== S_EMERG && (!allowed || allowed.includes(s)));
    return options.length ? this.rngP.pick(options) : -1;
  }

  /** A copy of record `a` in system `sys`, same person; the caller adjusts what differs. */
  private cloneAid(a: number, sys: number, amount: number, paid: number, plant: number): number {
    const prov = this.prov;
    const c0 = prov.aid.c;
    const p = c0.person[a]!;
    const gap = sys === S_RURAL || sys === S_UW || sys === S_WC || sys === S_DIS || sys === S_RC || sys === S_CH ? 0 : this.rngP.int(0, 10);
    const appr = Math.max(DATA_START, paid - gap);
    const b = this.addAid(sys, p, amount, appr, paid, ST_PAID);
    const c = prov.aid.c;
    c.plant[b] = plant;
    c.flags[b]! |= AF_USED;
    if (sys === S_WC) c.prog[b] = ageOn(prov, p, appr) < 18 ? WC_CHILD : WC_WOMAN;
    return b;
  }

  private linkExplicit(a: number, s: number): void {
    const c = this.prov.aid.c;
    c.setl[a] = s;
    if (c.sys[a] === S_CIVIL || c.sys[a] === S_EMERG) c.hosp[a] = this.prov.settlement.c.hosp[s]!;
  }

  plant(): void {
    const prov = this.prov;
    const rng = this.rngP;
    this.naturalAidCount = prov.aid.n;
    this.indexSettlements();
    const A = this.naturalAidCount;
    const c = () => prov.aid.c;
    const sc = () => prov.settlement.c;
    const clampPaid = (d: number) => Math.min(prov.dataEnd, Math.max(DATA_START + 15, d));
    const paidOk = (d: number) => d >= DATA_START + 15 && d <= prov.dataEnd;

    // Rule 2: one payment reported twice (or three times), across systems or under two ids of one system.
    for (let k = this.scaled(0.004, 10, A); k > 0; k--) {
      const a = this.pickPlain((x) => c().voucher[x]! >= 0 && c().sys[x] !== S_EMERG);
      if (a < 0) break;
      c().flags[a]! |= AF_USED;
      c().plant[a] = PL_DUPLICATE;
      const copies = rng.chance(0.12) ? 2 : 1;
      for (let j = 0; j < copies; j++) {
        const sys0 = c().sys[a]!;
        let sys: number;
        if (rng.chance(0.3) && sys0 !== S_VET && sys0 !== S_DIS) sys = sys0;
        else sys = this.pickSystem(c().person[a]!, c().paid[a]!, [sys0, S_VET, S_DIS]);
        if (sys < 0) sys = sys0 === S_CH ? S_RC : S_CH;
        const paid = clampPaid(rng.chance(0.15) ? c().paid[a]! : c().paid[a]! + rng.int(-6, 9));
        const b = this.cloneAid(a, sys, c().amount[a]!, paid, PL_DUPLICATE);
        c().voucher[b] = c().voucher[a]!;
        c().vorigin[b] = c().vorigin[a]!;
        c().flags[b]! |= AF_VOUCHER_VARIANT;
        if (c().setl[a]! >= 0 && rng.chance(0.7)) this.linkExplicit(b, c().setl[a]!);
      }
    }

    // Rule 2: the same voucher for a different person or a different amount.
    for (let k = this.scaled(0.001, 6, A); k > 0; k--) {
      const a = this.pickPlain((x) => c().voucher[x]! >= 0 && c().sys[x] !== S_EMERG);
      if (a < 0) break;
      c().flags[a]! |= AF_USED;
      c().plant[a] = PL_CONFLICT;
      const otherPerson = k % 2 === 0;
      const paid = clampPaid(c().paid[a]! + rng.int(-20, 20));
      let b: number;
      if (otherPerson) {
        let q = rng.int(0, prov.nReal - 1);
        if (q === c().person[a]) q = (q + 1) % prov.nReal;
        const sys = this.pickSystem(q, paid, [S_VET, S_DIS, c().sys[a]!], [S_CH, S_RC, S_CIVIL, S_UH, S_UMA]);
        b = this.addAid(sys < 0 ? S_CH : sys, q, Math.round(rng.lognormal(3000, 0.8, 300, 50000) * 100), paid, paid, ST_PAID);
        if (c().sys[b] === S_CIVIL || c().sys[b] === S_UH || c().sys[b] === S_UMA) c().appr[b] = Math.max(DATA_START, paid - rng.int(0, 10));
        c().plant[b] = PL_CONFLICT;
        c().flags[b]! |= AF_USED;
      } else {
        const sys = this.pickSystem(c().person[a]!, paid, [S_VET, S_DIS, c().sys[a]!]);
        b = this.cloneAid(a, sys < 0 ? S_CH : sys, c().amount[a]! + rng.int(1000, 90000), paid, PL_CONFLICT);
      }
      c().voucher[b] = c().voucher[a]!;
      c().vorigin[b] = c().vorigin[a]!;
      c().flags[b]! |= AF_VOUCHER_VARIANT;
    }

    // Rule 3: same person, stay and amount from another system within 3 days, no shared voucher; and the
    // near misses that must not be flagged (5-9 days apart; the same system twice).
    const suspectedKinds: Array<[number, number]> = [
      [PL_SUSPECTED, this.scaled(0.002, 8, A)],
      [PL_SUSPECTED_NEAR_MISS, this.scaled(0.0005, 3, A)],
      [PL_SUSPECTED_SAME_SYSTEM, this.scaled(0.0005, 3, A)],
    ];
    for (const [plant, count] of suspectedKinds) {
      for (let k = count, t = 0; k > 0 && t < 10_000; t++) {
        const a = this.pickPlain((x) => c().setl[x]! >= 0 && c().sys[x] !== S_EMERG && (plant !== PL_SUSPECTED_SAME_SYSTEM || (c().sys[x] !== S_VET && c().sys[x] !== S_DIS)));
        if (a < 0) break;
        c().flags[a]! |= AF_USED;
        c().plant[a] = plant;
        const sys0 = c().sys[a]!;
        const sys = plant === PL_SUSPECTED_SAME_SYSTEM ? sys0 : this.pickSystem(c().person[a]!, c().paid[a]!, [sys0]);
        if (sys < 0) continue;
        const delta = plant === PL_SUSPECTED_NEAR_MISS ? rng.pick([-1, 1]) * rng.int(5, 9) : rng.int(-3, 3);
        const paid = c().paid[a]! + delta;
        if (!paidOk(paid)) continue;
        k--;
        const b = this.cloneAid(a, sys, c().amount[a]!, paid, plant);
        this.linkExplicit(b, c().setl[a]!);
        if (rng.chance(0.7)) c().voucher[b] = this.newVoucher();
      }
    }

    // Rule 4: a settlement id of someone else.
    for (let k = this.scaled(0.001, 5, A), t = 0; k > 0 && t < 10_000; t++) {
      const p = rng.int(0, prov.nReal - 1);
      const s = rng.int(0, prov.settlement.n - 1);
      if (sc().person[s] === p || sc().flags[s]! & (SF_REFUNDED | SF_TOLERANCE)) continue;
      k--;
      const paid = clampPaid(sc().disch[s]! + rng.int(10, 60));
      const sys = this.pickSystem(p, paid, [S_VET, S_DIS], [S_CH, S_RC, S_CIVIL, S_UH, S_UMA, S_RURAL]);
      const b = this.addAid(sys < 0 ? S_CH : sys, p, Math.round(rng.lognormal(4000, 0.8, 300, 60000) * 100), paid, paid, ST_PAID);
      c().plant[b] = PL_MISMATCH;
      c().flags[b]! |= AF_USED;
      this.linkExplicit(b, s);
      this.maybeVoucher(b);
    }

    // Aid that names a stay later refunded: it becomes general aid.
    for (let s = 0; s < prov.settlement.n; s++) {
      if (!(sc().flags[s]! & SF_REFUNDED) || !rng.chance(0.55)) continue;
      const p = sc().person[s]!;
      const paid = Math.min(sc().refundDay[s]! - 1, sc().disch[s]! + rng.int(5, 30));
      if (!paidOk(paid) || paid < sc().disch[s]!) continue;
      const sys = this.pickSystem(p, paid, [S_VET, S_DIS]);
      const b = this.addAid(sys < 0 ? S_CH : sys, p, Math.round(settlementB(prov, s) * (0.1 + rng.float() * 0.3)) + 100, paid, paid, ST_PAID);
      if (sys === S_WC) c().prog[b] = ageOn(prov, p, paid) < 18 ? WC_CHILD : WC_WOMAN;
      c().plant[b] = PL_REFUNDED_REF;
      c().flags[b]! |= AF_USED;
      this.linkExplicit(b, s);
      this.maybeVoucher(b);
    }

    // Rule 4, inference by hospital: the cases where it must not link, and one where a refund makes it.
    const isHospOnly = (x: number) => c().setl[x]! < 0 && c().hosp[x]! >= 0;
    // A stay used by one inference plant is not reused by another: their dates were chosen for it alone.
    const touched = new Set<number>();
    const freeStay = (s: number) => {
      if (touched.has(s) || sc().flags[s]! & (SF_REFUNDED | SF_TOLERANCE)) return false;
      const st = sc().aidStart[s]!;
      for (let j = 0; j < sc().aidCount[s]!; j++) if (isHospOnly(st + j)) return false;
      return (this.extraSetl.get(sc().person[s]!)?.length ?? 0) === 0;
    };
    const hospitalOnlyAid = (p: number, hosp: number, appr: number, plant: number): number => {
      const kind = this.hhKind(p);
      const sys = kind === HH_CIVIL ? S_CIVIL : S_EMERG;
      const paid = appr + rng.int(0, 15);
      if (paid > prov.dataEnd) return -1;
      const b = this.addAid(sys, p, Math.round(rng.lognormal(3000, 0.7, 300, 40000) * 100), appr, paid, ST_PAID);
      c().hosp[b] = hosp;
      c().plant[b] = plant;
      c().flags[b]! |= AF_USED;
      this.maybeVoucher(b);
      return b;
    };
    for (let k = this.scaled(0.0008, 4, A), t = 0; k > 0 && t < 10_000; t++) {
      const s = rng.int(0, prov.settlement.n - 1);
      if (!freeStay(s)) continue;
      const appr = sc().disch[s]! + rng.int(100, 200);
      if (appr + 20 > prov.dataEnd) continue;
      touched.add(s);
      if (hospitalOnlyAid(sc().person[s]!, sc().hosp[s]!, appr, PL_STALE_HOSPITAL) >= 0) k--;
    }
    for (const plant of [PL_TWO_AT_HOSPITAL, PL_TWO_ONE_REFUNDED]) {
      for (let k = this.scaled(0.0008, 4, A), t = 0; k > 0 && t < 10_000; t++) {
        const s1 = rng.int(0, prov.settlement.n - 1);
        if (!freeStay(s1)) continue;
        const p = sc().person[s1]!;
        const admit = sc().disch[s1]! + rng.int(5, 20);
        const los = rng.int(1, 10);
        if (admit + los + 80 > prov.dataEnd) continue;
        k--;
        touched.add(s1);
        const s2 = this.addSettlement(p, sc().hosp[s1]!, admit, los);
        sc().aidStart[s2] = prov.aid.n;
        const list = this.extraSetl.get(p) ?? [];
        list.push(s2);
        this.extraSetl.set(p, list);
        const appr = sc().disch[s2]! + rng.int(5, 40);
        if (plant === PL_TWO_ONE_REFUNDED && !this.refund(s2, 0)) {
          // Without its refund the pair is simply ambiguous; keep it as that case.
          hospitalOnlyAid(p, sc().hosp[s1]!, appr, PL_TWO_AT_HOSPITAL);
          continue;
        }
        // Keep the refund before the aid's approval so that no delivery order sees the aid approved on a
        // stay that its own file already called refunded; the rules do not depend on it either way.
        hospitalOnlyAid(p, sc().hosp[s1]!, Math.max(appr, plant === PL_TWO_ONE_REFUNDED ? sc().refundDay[s2]! : appr), plant);
      }
    }
    for (let k = this.scaled(0.0008, 4, A), t = 0; k > 0 && t < 10_000; t++) {
      const p = rng.int(0, prov.nReal - 1);
      if (this.hhKind(p) !== HH_CIVIL) continue;
      const mine = this.settlementsOf(p).map((s) => sc().hosp[s]!);
      const hosp = rng.int(0, HOSPITALS.length - 1);
      if (mine.includes(hosp)) continue;
      if (hospitalOnlyAid(p, hosp, rng.int(DATA_START + 30, prov.dataEnd - 20), PL_NO_SETTLEMENT_AT_HOSPITAL) >= 0) k--;
    }

    // Rule 5: aid on a stay above its burden.
    for (let k = this.scaled(0.006, 12, A), t = 0; k > 0 && t < 10_000; t++) {
      const a = this.pickPlain((x) => c().setl[x]! >= 0 && c().sys[x] !== S_EMERG);
      if (a < 0) break;
      const s = c().setl[a]!;
      if (sc().person[s] !== c().person[a] || sc().flags[s]! & (SF_REFUNDED | SF_TOLERANCE)) continue;
      k--;
      c().flags[a]! |= AF_USED;
      const p = c().person[a]!;
      let sum = 0;
      let last = 0;
      const st = sc().aidStart[s]!;
      for (let j = 0; j < sc().aidCount[s]!; j++) {
        if (c().setl[st + j] === s && c().status[st + j] !== ST_REVERSED) sum += c().amount[st + j]!;
        last = Math.max(last, c().paid[st + j]!);
      }
      const paid = Math.min(prov.dataEnd, last + rng.int(1, 30));
      const sys = this.pickSystem(p, paid, [S_UW, c().sys[a]!], [S_CH, S_RC, S_CIVIL, S_RURAL, S_UH, S_UMA, S_DIS, S_VET]);
      const amount = Math.max(0, settlementB(prov, s) - sum) + rng.int(20_000, 800_000);
      const b = this.addAid(sys < 0 ? S_CH : sys, p, amount, paid, paid, ST_PAID);
      if ((c().sys[b] === S_CIVIL || c().sys[b] === S_UH || c().sys[b] === S_UMA || c().sys[b] === S_VET) && paid - 5 >= DATA_START) c().appr[b] = paid - rng.int(0, 5);
      c().plant[b] = PL_OVER_AID;
      c().flags[b]! |= AF_USED;
      this.linkExplicit(b, s);
      this.maybeVoucher(b);
    }

    // Aid naming a settlement that never arrives (one was quarantined, one was never sent): general aid.
    for (let k = this.scaled(0.0005, 4, A); k > 0; k--) {
      const p = rng.int(0, prov.nReal - 1);
      const hosp = rng.int(0, HOSPITALS.length - 1);
      const phantom = prov.phantoms.length;
      if (k % 2 === 0) {
        prov.phantoms.push(`${HOSPITALS[hosp]!.code}-2026-${String(900000 + phantom).padStart(6, '0')}`);
      } else {
        // A settlement line written but quarantined for its burden: its id is known, the stay is not.
        const s = rng.int(0, prov.settlement.n - 1);
        const day = sc().disch[s]!;
        const setlId = `${HOSPITALS[hosp]!.code}-${ymd(day)[0]}-${String(nextSetlSeq(prov, hosp, day)).padStart(6, '0')}`;
        prov.phantoms.push(setlId);
        this.addBad({ sys: S_MI, reason: 'BURDEN_MISMATCH', kind: 'settlement', person: p, appr: day, paid: day, hospital: hosp, setlId, amountFen: 0 });
      }
      const paid = rng.int(DATA_START + 30, prov.dataEnd);
      const sys = this.pickSystem(p, paid, [S_VET, S_DIS], [S_CH, S_RC, S_CIVIL, S_UH, S_UMA, S_RURAL]);
      const b = this.addAid(sys < 0 ? S_CH : sys, p, Math.round(rng.lognormal(3000, 0.7, 300, 40000) * 100), paid, paid, ST_PAID);
      c().setl[b] = -2 - phantom;
      c().plant[b] = PL_PHANTOM_SETTLEMENT;
      c().flags[b]! |= AF_USED;
      this.maybeVoucher(b);
    }

    // Burden within the 0.01 tolerance on stays no aid touches (so B's last fen decides nothing).
    for (let k = 0, t = 0; k < 2 && t < 200; t++) {
      const s = rng.int(0, prov.settlement.n - 1);
      if (sc().aidCount[s]! > 0 || sc().flags[s]! || (this.extraSetl.get(sc().person[s]!)?.length ?? 0) > 0) continue;
      sc().flags[s]! |= SF_TOLERANCE;
      k++;
    }

    // Emergency patients never identified, and patients identified in a later delivery.
    const emergNatural: number[] = [];
    for (let a = 0; a < A; a++) if (c().sys[a] === S_EMERG) emergNatural.push(a);
    const emergCount = emergNatural.length;
    for (let k = this.scaled(0.08, 6, emergCount); k > 0; k--) {
      const appr = rng.int(DATA_START + 10, prov.dataEnd - 10);
      const paidNow = rng.chance(0.7);
      const paid = paidNow ? Math.min(prov.dataEnd, appr + rng.int(1, 30)) : -1;
      const b = this.addAid(S_EMERG, -1 - prov.provisional.length, Math.round(rng.lognormal(8000, 0.8, 500, 100000) * 100), appr, paid, paidNow ? ST_PAID : ST_APPROVED);
      prov.provisional.push({ kind: 'case', aid: b });
      c().hosp[b] = rng.int(0, HOSPITALS.length - 1);
      c().flags[b]! |= AF_UNIDENT | AF_USED;
      c().plant[b] = PL_UNIDENT;
      this.maybeVoucher(b);
    }
    let later = this.scaled(0.08, 6, emergCount);
    for (const a of emergNatural) {
      if (later <= 0) break;
      if (c().flags[a]! & AF_USED || c().setl[a]! >= 0) continue;
      c().flags[a]! |= AF_UNIDENT_LATER | AF_USED | (later % 2 === 0 ? AF_RESEND : 0);
      later--;
    }

    // Emergency cases approved but not yet paid: general aid at a hospital where the patient has no stay, so
    // that no rule needs a payment date they lack.
    for (let k = this.scaled(0.002, 4, prov.nReal), t = 0; k > 0 && t < 10_000; t++) {
      const p = rng.int(0, prov.nReal - 1);
      const mine = this.settlementsOf(p).map((s) => sc().hosp[s]!);
      const hosp = rng.int(0, HOSPITALS.length - 1);
      if (mine.includes(hosp)) continue;
      k--;
      const appr = rng.int(prov.dataEnd - 40, prov.dataEnd - 1);
      const b = this.addAid(S_EMERG, p, Math.round(rng.lognormal(6000, 0.7, 500, 80000) * 100), appr, -1, ST_APPROVED);
      c().hosp[b] = hosp;
      c().plant[b] = PL_UNPAID;
      c().flags[b]! |= AF_USED;
    }

    // Children without an own identity number: some are members of the guardian's civil-affairs household
    // (the hub must merge them into that person), the others stay provisional.
    let matched = this.scaled(0.002, 5, prov.nReal);
    for (let t = 0; matched > 0 && t < prov.nReal * 4; t++) {
      const p = rng.int(0, prov.nReal - 1);
      const rel = prov.person.c.rel[p]!;
      if (this.hhKind(p) !== HH_CIVIL || (rel !== REL_CHILD && rel !== REL_GRANDCHILD)) continue;
      const g = this.guardianOf(p);
      if (g < 0 || ageOn(prov, p, prov.dataEnd) >= 17) continue;
      const records = rng.chance(0.3) ? 2 : 1;
      for (let j = 0; j < records; j++) {
        const day = rng.int(DATA_START + 10, prov.dataEnd - 5);
        const b = this.addAid(S_WC, p, rng.int(2000, 40000) * 100, day, day, ST_PAID);
        c().prog[b] = WC_CHILD;
        c().guardian[b] = g;
        c().flags[b]! |= AF_CHILD_NOID | AF_USED;
        c().plant[b] = PL_CHILD_MATCHED;
        this.maybeVoucher(b);
      }
      matched--;
    }
    const provChildren = this.scaled(0.002, 5, prov.nReal);
    const usedKeys = new Set<string>();
    for (let k = 0, t = 0; k < provChildren && t < provChildren * 50; t++) {
      const g = rng.int(0, prov.nReal - 1);
      const age = ageOn(prov, g, prov.dataEnd);
      if (age < 22 || age > 60) continue;
      const birth = rng.int(dayOf(2010, 1, 1), dayOf(2024, 6, 30));
      const given = (rng.chance(0.5) ? GIVEN_FEMALE : GIVEN_MALE)[rng.int(0, 23)]! + (rng.chance(0.7) ? '宝' : '儿');
      const name = SURNAMES[prov.person.c.surname[g]! % SURNAMES.length]! + given;
      // Not a member of the guardian's household under that name and birth date, else it would match.
      const h = prov.person.c.hh[g]!;
      let clash = false;
      if (h >= 0) {
        const st = prov.household.c.start[h]!;
        for (let q = st; q < st + prov.household.c.size[h]!; q++) if (prov.person.c.birth[q] === birth && personName(prov, q) === name) clash = true;
      }
      const key = `${g}|${name}|${birth}`;
      if (clash || usedKeys.has(key)) continue;
      usedKeys.add(key);
      const idx = prov.provisional.length;
      const aids: number[] = [];
      prov.provisional.push({ kind: 'child', guardian: g, name, birth, aids });
      const records = rng.chance(0.35) ? 2 : 1;
      for (let j = 0; j < records; j++) {
        const day = rng.int(Math.max(DATA_START + 10, birth + 30), prov.dataEnd - 5);
        const b = this.addAid(S_WC, -1 - idx, rng.int(2000, 40000) * 100, day, day, ST_PAID);
        c().prog[b] = WC_CHILD;
        c().guardian[b] = g;
        c().flags[b]! |= AF_CHILD_NOID | AF_USED;
        c().plant[b] = PL_CHILD_PROVISIONAL;
        this.maybeVoucher(b);
        aids.push(b);
      }
      k++;
    }

    this.corrections();
  }

  /** Corrections: the same record id delivered again, later, with a new amount or status. */
  private corrections(): void {
    const prov = this.prov;
    const rng = this.rngP;
    const c = () => prov.aid.c;
    const perSys = new Int32Array(12);
    for (let a = 0; a < prov.aid.n; a++) perSys[c().sys[a]!]!++;
    for (let sys = 1; sys < 12; sys++) {
      let want = Math.max(2, Math.round(perSys[sys]! * 0.002));
      for (let t = 0; want > 0 && t < 2000; t++) {
        const a = rng.int(0, prov.aid.n - 1);
        const f = c().flags[a]!;
        if (c().sys[a] !== sys || f & (AF_USED | AF_CORRECTED) || c().person[a]! < 0 || c().status[a] !== ST_PAID) continue;
        if ((sys === S_VET || sys === S_DIS) && c().voucher[a]! < 0) continue; // their record id holds the amount
        if (c().setl[a]! < 0 && c().hosp[a]! >= 0 && sys !== S_EMERG) continue;
        const old = { amount: c().amount[a]!, status: ST_PAID, paid: c().paid[a]!, voucher: c().voucher[a]! };
        const mode = rng.int(0, 2);
        if (mode === 0 && (sys === S_CIVIL || sys === S_UMA || sys === S_UH) && !(c().setl[a]! < 0 && c().hosp[a]! >= 0)) {
          c().status[a] = ST_REVERSED; // revoked after payment
        } else if (mode === 1 && (sys === S_EMERG || sys === S_UMA)) {
          old.status = ST_APPROVED; // first delivered approved, later paid
          old.paid = -1;
          old.voucher = -1;
          if (sys === S_EMERG && c().hosp[a]! >= 0 && c().setl[a]! < 0) continue; // an unpaid case must not infer a link
        } else {
          old.amount = Math.max(10_000, Math.round(c().amount[a]! * (0.5 + rng.float())));
          if (old.amount === c().amount[a]) old.amount += 100;
        }
        prov.oldAid.set(a, old);
        c().flags[a]! |= AF_CORRECTED | AF_USED;
        want--;
      }
    }
    // Settlements corrected with a new basic-insurance payment, so their burden (and any excess) moves.
    const sc = prov.settlement.c;
    let want = Math.max(3, Math.round(prov.settlement.n * 0.001));
    for (let t = 0; want > 0 && t < 5000; t++) {
      const s = rng.int(0, prov.settlement.n - 1);
      if (sc.flags[s] !== 0 || sc.aidCount[s]! === 0) continue;
      const B = settlementB(prov, s);
      const delta = Math.round(B * (0.2 + rng.float() * 0.5)) * (rng.chance(0.5) ? 1 : -1);
      const oldBasic = sc.basic[s]! + delta;
      if (oldBasic < 0 || settlementB(prov, s, oldBasic) < 0 || delta === 0) continue;
      prov.oldBasic.set(s, oldBasic);
      sc.flags[s]! |= SF_CORRECTED;
      want--;
    }
  }

  /**
   * Issue 12's corrections of every kind, with their own random stream (the rest of the province does not move).
   * Each plants a first version that differs from the final one; only the final versions are the model, so
   * expected.json does not change. Minimums keep every kind present at a few hundred persons.
   */
  secondDelivery(seed: number): void {
    const prov = this.prov;
    const rng = new Rng(seed, 9);
    const c = prov.aid.c;
    const free = (a: number) => !(c.flags[a]! & (AF_USED | AF_CORRECTED | AF_UNIDENT_LATER | AF_CHILD_NOID)) && c.person[a]! >= 0 && c.status[a] === ST_PAID && c.paid[a]! >= 0;
    /** Picks `want` free records that `ok` accepts and `apply` plants (`apply` may decline with false). */
    const pick = (want: number, ok: (a: number) => boolean, apply: (a: number) => boolean | void) => {
      for (let t = 0; want > 0 && t < 20_000; t++) {
        const a = rng.int(0, prov.aid.n - 1);
        if (!free(a) || !ok(a) || apply(a) === false) continue;
        c.flags[a]! |= AF_CORRECTED | AF_USED;
        want--;
      }
    };
    const count = (sys: number) => {
      let n = 0;
      for (let a = 0; a < prov.aid.n; a++) if (c.sys[a] === sys) n++;
      return n;
    };
    const kept = (a: number, changes: { voucher?: number; vorigin?: number; person?: number; setl?: number }) =>
      prov.oldAid.set(a, { amount: c.amount[a]!, status: ST_PAID, paid: c.paid[a]!, voucher: c.voucher[a]!, ...changes });

    // Veterans payments first delivered without their 凭证号, corrected with it (one record: sources.md §8).
    pick(
      Math.max(3, Math.round(count(S_VET) * 0.01)),
      (a) => c.sys[a] === S_VET && c.voucher[a]! >= 0 && !(c.flags[a]! & AF_VOUCHER_VARIANT),
      (a) => void kept(a, { voucher: -1 }),
    );
    // General aid first delivered under another person, corrected to its own (the old owner stays a known person
    // and counts in nothing). Moved records name no voucher, settlement or hospital, and come from systems whose
    // record id does not hold the person.
    const movable = new Set([S_CIVIL, S_UMA, S_UH, S_RC, S_CH]);
    let moves = 0;
    for (const sys of movable) moves += count(sys);
    pick(
      Math.max(5, Math.round(moves * 0.003)),
      (a) => movable.has(c.sys[a]!) && c.voucher[a]! < 0 && c.setl[a]! < 0 && c.hosp[a]! < 0 && c.guardian[a]! < 0,
      (a) => {
        let other = rng.int(0, prov.nReal - 1);
        if (other === c.person[a]) other = (other + 1) % prov.nReal;
        kept(a, { voucher: -1, person: other });
      },
    );
    // Duplicate reports (rule 2) first delivered with another amount — a voucher conflict until the correction
    // makes them one payment again, paid from the primary's fund only (issue 12, line 9).
    let reports = 0;
    for (let a = 0; a < prov.aid.n; a++) if (c.plant[a] === PL_DUPLICATE) reports++;
    let want = Math.max(3, Math.round(reports * 0.2));
    for (let t = 0; want > 0 && t < 20_000; t++) {
      const a = rng.int(0, prov.aid.n - 1);
      if (c.plant[a] !== PL_DUPLICATE || c.flags[a]! & (AF_CORRECTED | AF_UNIDENT_LATER | AF_CHILD_NOID) || c.person[a]! < 0 || c.status[a] !== ST_PAID || c.paid[a]! < 0) continue;
      prov.oldAid.set(a, { amount: c.amount[a]! + 100, status: ST_PAID, paid: c.paid[a]!, voucher: c.voucher[a]! });
      c.flags[a]! |= AF_CORRECTED;
      want--;
    }
    // Aid first delivered naming another stay of its person, corrected to the stay it covers.
    const sc = prov.settlement.c;
    const stays = new Map<number, number[]>();
    for (let s = 0; s < prov.settlement.n; s++) if (!(sc.flags[s]! & (SF_REFUNDED | SF_CORRECTED))) stays.set(sc.person[s]!, [...(stays.get(sc.person[s]!) ?? []), s]);
    let linked = 0;
    for (let a = 0; a < prov.aid.n; a++) if (c.setl[a]! >= 0) linked++;
    pick(
      Math.max(3, Math.round(linked * 0.005)),
      (a) => c.setl[a]! >= 0 && c.sys[a] !== S_RURAL && (stays.get(c.person[a]!) ?? []).some((s) => s !== c.setl[a]),
      (a) => {
        const others = stays.get(c.person[a]!)!.filter((s) => s !== c.setl[a]);
        kept(a, { setl: others[rng.int(0, others.length - 1)]! });
      },
    );
    // Aid first delivered with the voucher of an unrelated payment (another person's, alone on its voucher): a
    // voucher conflict until the correction gives it its own. Not veterans or disabled-rehab, whose record id is
    // the voucher.
    const onVoucher = new Map<number, number>();
    for (let a = 0; a < prov.aid.n; a++) if (c.voucher[a]! >= 0) onVoucher.set(c.voucher[a]!, (onVoucher.get(c.voucher[a]!) ?? 0) + 1);
    const alone = (a: number) => c.voucher[a]! >= 0 && onVoucher.get(c.voucher[a]!) === 1 && c.sys[a] !== S_VET && c.sys[a] !== S_DIS;
    pick(
      Math.max(3, Math.round(onVoucher.size * 0.002)),
      alone,
      (a) => {
        for (let t = 0; t < 200; t++) {
          const b = rng.int(0, prov.aid.n - 1);
          if (b === a || !free(b) || !alone(b) || c.person[b] === c.person[a]) continue;
          c.flags[b]! |= AF_USED; // keeps its voucher and contents: the other side of the conflict
          kept(a, { voucher: c.voucher[b]!, vorigin: c.vorigin[b]! });
          return true;
        }
        return false;
      },
    );
    // Refund lines first naming another stay, corrected to the one they cancel (the first stay is given back, whole).
    const refunded: number[] = [];
    for (let s = 0; s < prov.settlement.n; s++) if (sc.flags[s]! & SF_REFUNDED) refunded.push(s);
    const open = [...stays.values()].flat();
    for (let k = Math.min(refunded.length, Math.max(2, Math.round(refunded.length * 0.25))), t = 0; k > 0 && open.length > 0 && t < 1000; t++) {
      const s = refunded[rng.int(0, refunded.length - 1)]!;
      const other = open[rng.int(0, open.length - 1)]!;
      if (prov.oldRefund.has(s) || other === s) continue;
      prov.oldRefund.set(s, other);
      k--;
    }
    this.statusCorrections(rng);
  }

  /**
   * Civil-affairs status rows (whose record id is member + category + 认定日期, so householder and county are
   * content) first delivered under another household's householder, or with another county code, and corrected
   * in a later status file. Households with a quarantined status row or a guardian of a child without own number
   * are left alone, so that those cases stay what they are.
   */
  private statusCorrections(rng: Rng): void {
    const prov = this.prov;
    const hc = prov.household.c;
    const pc = prov.person.c;
    const skip = new Set<number>();
    for (const b of prov.bad) if (b.kind === 'status') skip.add(pc.hh[b.person]!);
    for (let a = 0; a < prov.aid.n; a++) if (prov.aid.c.guardian[a]! >= 0) skip.add(pc.hh[prov.aid.c.guardian[a]!]!);
    for (const e of prov.provisional) if (e.kind === 'child') skip.add(pc.hh[e.guardian]!);
    const civil: number[] = [];
    let members = 0;
    for (let h = 0; h < prov.household.n; h++) {
      if (hc.kind[h] !== HH_CIVIL) continue;
      members += hc.size[h]!;
      if (!skip.has(h)) civil.push(h);
    }
    if (civil.length < 2) return;
    const member = (h: number) => hc.start[h]! + rng.int(0, hc.size[h]! - 1);
    // Another householder: a member who is not the householder, first listed under the head of another household.
    for (let want = Math.max(3, Math.round(members * 0.005)), t = 0; want > 0 && t < 5000; t++) {
      const h = civil[rng.int(0, civil.length - 1)]!;
      const h2 = civil[rng.int(0, civil.length - 1)]!;
      const m = member(h);
      if (h2 === h || pc.rel[m] === REL_SELF || prov.oldStatus.has(m)) continue;
      prov.oldStatus.set(m, { head: hc.start[h2]! });
      want--;
    }
    // Another county code.
    for (let want = Math.max(3, Math.round(members * 0.005)), t = 0; want > 0 && t < 5000; t++) {
      const h = civil[rng.int(0, civil.length - 1)]!;
      const m = member(h);
      const county = rng.int(0, COUNTIES.length - 1);
      if (county === hc.county[h] || prov.oldStatus.has(m)) continue;
      prov.oldStatus.set(m, { county });
      want--;
    }
  }

  // ---- quarantined records ----

  private addBad(spec: Partial<BadSpec> & Pick<BadSpec, 'sys' | 'reason' | 'kind' | 'person'>): BadSpec {
    const prov = this.prov;
    const rng = this.rngB;
    const day = spec.paid ?? rng.int(DATA_START + 20, prov.dataEnd - 5);
    const b: BadSpec = {
      flavour: rng.int(0, 1),
      amountFen: Math.round(rng.lognormal(2500, 0.8, 200, 40000) * 100),
      appr: spec.appr ?? Math.max(DATA_START, day - rng.int(0, 10)),
      paid: day,
      seq: spec.kind === 'aid' || spec.kind === 'donation' ? ++prov.seqs[spec.sys]! : 0,
      period: -1,
      hospital: rng.int(0, HOSPITALS.length - 1),
      setlId: null,
      repeats: -1,
      badId: null,
      ...spec,
    };
    if (b.kind === 'settlement' && b.setlId === null) {
      b.setlId = `${HOSPITALS[b.hospital]!.code}-${ymd(b.paid)[0]}-${String(nextSetlSeq(prov, b.hospital, b.paid)).padStart(6, '0')}`;
    }
    if (b.reason === 'INVALID_ID') b.badId = this.corruptId(b.person, b.flavour);
    if (b.reason === 'BURDEN_MISMATCH' || b.kind === 'settlement') b.amountFen = Math.round(rng.lognormal(16000, 0.8, 1000, 200000) * 100) + rng.int(0, 99);
    prov.bad.push(b);
    return b;
  }

  private readonly badIds = new Set<string>();

  /** An identity number that fails: a wrong check character, or a birth date that does not exist. */
  private corruptId(p: number, flavour: number): string {
    const prov = this.prov;
    for (let t = 0; ; t++) {
      const first = id17(prov, p);
      let id: string;
      if (flavour === 0) {
        const right = checkCharacter(first);
        const wrong = '0123456789X'[(('0123456789X'.indexOf(right) + 1 + ((this.rngB.next() >>> 0) % 10)) % 11)]!;
        id = first + wrong;
      } else {
        const y = Number(first.slice(6, 10));
        const date = this.rngB.pick([`${y}0230`, `${y}0431`, `${y}1301`, `${y}0631`, `${y}0000`]);
        const f17 = first.slice(0, 6) + date + first.slice(14);
        id = f17 + checkCharacter(f17);
      }
      if (!this.badIds.has(id) || t > 20) {
        this.badIds.add(id);
        return id;
      }
      p = this.rngB.int(0, prov.nReal - 1);
    }
  }

  badRecords(): void {
    const prov = this.prov;
    const rng = this.rngB;
    const perSys = new Int32Array(12);
    for (let a = 0; a < prov.aid.n; a++) perSys[prov.aid.c.sys[a]!]!++;
    perSys[S_MI] = prov.settlement.n;
    const reasons: Record<number, Reason[]> = {
      [S_MI]: ['INVALID_ID', 'BAD_AMOUNT', 'BAD_DATE', 'MISSING_FIELD', 'BURDEN_MISMATCH'],
      [S_CIVIL]: ['INVALID_ID', 'BAD_AMOUNT', 'BAD_DATE', 'MISSING_FIELD'],
      [S_EMERG]: ['INVALID_ID', 'BAD_AMOUNT', 'BAD_DATE', 'MISSING_FIELD'],
      [S_RURAL]: ['INVALID_ID', 'BAD_AMOUNT', 'BAD_DATE', 'MISSING_FIELD'],
      [S_UMA]: ['INVALID_ID', 'BAD_AMOUNT', 'BAD_DATE', 'MISSING_FIELD'],
      [S_UW]: ['INVALID_ID', 'BAD_AMOUNT', 'BAD_DATE', 'MISSING_FIELD'],
      // No BAD_AMOUNT here: the trailer sums the amounts, and the sum over an unreadable amount is undefined.
      [S_UH]: ['INVALID_ID', 'BAD_DATE', 'MISSING_FIELD'],
      [S_VET]: ['INVALID_ID', 'BAD_AMOUNT', 'BAD_DATE', 'MISSING_FIELD'],
      [S_WC]: ['INVALID_ID', 'BAD_AMOUNT', 'BAD_DATE', 'MISSING_FIELD'],
      [S_DIS]: ['INVALID_ID', 'BAD_AMOUNT', 'BAD_DATE', 'MISSING_FIELD', 'CERT_MISMATCH'],
      [S_RC]: ['INVALID_ID', 'BAD_AMOUNT', 'BAD_DATE', 'MISSING_FIELD'],
      [S_CH]: ['INVALID_ID', 'BAD_AMOUNT', 'BAD_DATE', 'MISSING_FIELD'],
    };
    const realPerson = () => rng.int(0, prov.nReal - 1);
    const personFor = (sys: number) => {
      // Persons some of whose only appearance is a quarantined record: they must not be counted.
      if (rng.chance(0.08)) return this.extraPerson();
      for (let t = 0; t < 50; t++) {
        const p = realPerson();
        const f = prov.person.c.flags[p]!;
        if (sys === S_DIS && !(f & P_DISABLED)) continue;
        if (sys === S_RURAL && this.hhKind(p) !== HH_RURAL) continue;
        if (sys === S_CIVIL && this.hhKind(p) !== HH_CIVIL) continue;
        return p;
      }
      return realPerson();
    };
    for (let sys = 0; sys < 12; sys++) {
      for (const reason of reasons[sys]!) {
        for (let k = Math.max(1, Math.round(perSys[sys]! * 0.0006)); k > 0; k--) {
          const kind = sys === S_MI ? 'settlement' : 'aid';
          let p = personFor(sys);
          if (sys === S_DIS && !(prov.person.c.flags[p]! & P_DISABLED)) {
            prov.person.c.dis[p] = prov.person.c.dis[p] || 41;
          }
          if (sys === S_RURAL && (prov.person.c.hh[p]! < 0 || this.hhKind(p) !== HH_RURAL)) p = this.anyRural(p);
          this.addBad({ sys, reason, kind, person: p });
        }
      }
    }
    // Status rows: civil-affairs certification and the rural monitoring sheet.
    for (const reason of ['INVALID_ID', 'BAD_DATE', 'MISSING_FIELD'] as const) this.addBad({ sys: S_CIVIL, reason, kind: 'status', person: this.anyOfKind(HH_CIVIL) });
    for (const reason of ['INVALID_ID', 'BAD_DATE'] as const) this.addBad({ sys: S_RURAL, reason, kind: 'status', person: this.anyOfKind(HH_RURAL) });
    // Donations can be unreadable too.
    this.addBad({ sys: S_RC, reason: 'BAD_AMOUNT', kind: 'donation', person: -1 });
    this.addBad({ sys: S_CH, reason: 'BAD_AMOUNT', kind: 'donation', person: -1 });
    for (const b of prov.bad) b.period = periodOf(b.paid);
    // Bad records delivered again identically: the hub must count each once.
    for (const sys of [S_MI, S_CIVIL, S_CH]) {
      const first = prov.bad.find((b) => b.sys === sys && b.kind !== 'status' && b.kind !== 'donation');
      if (first) prov.bad.push({ ...first, period: 4, repeats: prov.bad.indexOf(first) });
    }
  }

  private anyOfKind(kind: number): number {
    for (let t = 0; t < 100000; t++) {
      const p = this.rngB.int(0, this.prov.nReal - 1);
      if (this.hhKind(p) === kind) return p;
    }
    throw new Error(`no household of kind ${kind}`);
  }

  private anyRural(fallback: number): number {
    try {
      return this.anyOfKind(HH_RURAL);
    } catch {
      return fallback;
    }
  }

  /** Records of the two files that are rejected whole. */
  ghostRecords(): void {
    const prov = this.prov;
    const rng = this.rngB;
    for (const sys of [S_UMA, S_UH]) {
      const n = Math.max(6, Math.min(400, Math.round(prov.seqs[sys]! * 0.01)));
      for (let k = 0; k < n; k++) {
        const p = rng.chance(0.4) ? this.extraPerson() : rng.int(0, prov.nReal - 1);
        const appr = rng.int(prov.dataEnd - 60, prov.dataEnd - 10);
        prov.ghosts.push({ sys, person: p, amountFen: rng.int(500, 20000) * 100 + rng.int(0, 99), appr, paid: appr + rng.int(0, 8), seq: ++prov.seqs[sys]!, voucher: this.newVoucher() });
      }
    }
  }

  /** Which records are delivered again identically (and so may arrive in any order). */
  deliveries(): void {
    const prov = this.prov;
    const rng = this.rngB;
    const c = prov.aid.c;
    const perSys = new Int32Array(12);
    for (let a = 0; a < prov.aid.n; a++) {
      if (c.flags[a]! & (AF_CORRECTED | AF_UNIDENT_LATER)) continue;
      if (rng.chance(0.02)) {
        c.flags[a]! |= AF_REDELIVER;
        perSys[c.sys[a]!]!++;
      }
    }
    // Every system re-delivers something, however small the province.
    for (let sys = 1; sys < 12; sys++) {
      for (let t = 0; perSys[sys]! < 2 && t < 20_000; t++) {
        const a = rng.int(0, prov.aid.n - 1);
        if (c.sys[a] !== sys || c.flags[a]! & (AF_CORRECTED | AF_UNIDENT_LATER | AF_REDELIVER)) continue;
        c.flags[a]! |= AF_REDELIVER;
        perSys[sys]!++;
      }
    }
    const sc = prov.settlement.c;
    for (let s = 0; s < prov.settlement.n; s++) {
      if (sc.flags[s]! & SF_CORRECTED) continue;
      if (rng.chance(0.02)) sc.flags[s]! |= SF_REDELIVER;
    }
  }
}
