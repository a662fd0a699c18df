/**
 * A record about to be written, in the terms every format shares: an aid record of the model (in its
 * current, pre-correction or unidentified version), a quarantined record with its one defect, or a record of
 * a file rejected whole. Formats (formats.ts) only lay these fields out.
 */
import { DISABILITY_CATEGORIES, S_CIVIL, S_DIS, S_EMERG, S_RURAL, S_UH, S_UMA, S_VET, S_WC, WC_CHILD, WC_WOMAN } from './catalog.ts';
import { DATA_START, ymd, type Ymd } from './calendar.ts';
import { AF_CHILD_NOID, AF_VOUCHER_VARIANT, ST_PAID, ageOn, isFemale, type BadSpec, type GhostSpec, type Province } from './model.ts';
import { aidVoucherBase, badVoucher, certOf, idText, nameText, personNameText, recordIdOf, rh, settlementRefText, voucherBase, voucherVariant } from './render.ts';

export interface AidView {
  sys: number;
  recordId: string | null;
  /** Persons whose identity number this record shows: counted when the record is applied. */
  marks: number[];
  person: number;
  idText: string | null;
  name: string | null;
  amountFen: number;
  /** Replaces the amount as written (a quarantined record's unreadable or negative amount). */
  amountText: string | null;
  /** For formats with numeric amounts (fen in health-emergency, numeric cells in XLSX). */
  amountNumber: number | null;
  appr: number;
  paid: number;
  /** Replaces the approval (or single) date as written: a date that does not exist or lies in the future. */
  badDate: Ymd | null;
  status: number;
  voucher: string | null;
  settlementRef: string | null;
  hospital: number;
  program: number;
  h: number;
  unidentified: boolean;
  approxAge: number | null;
  /** Admission day of the stay (health-emergency). */
  admitted: number;
  birth: number;
  guardianIdText: string | null;
  guardianName: string | null;
  childWithoutId: boolean;
  cert: string | null;
  /** Disability category (1-7) and level (1-4) as written in words: they disagree with the certificate on CERT_MISMATCH. */
  disCategory: number;
  disLevel: number;
  /** union-women: the version's update timestamp day. */
  updated: number;
  bad: boolean;
}

function base(prov: Province, sys: number, person: number, h: number): AidView {
  return {
    sys,
    recordId: null,
    marks: [],
    person,
    idText: null,
    name: null,
    amountFen: 0,
    amountText: null,
    amountNumber: null,
    appr: 0,
    paid: -1,
    badDate: null,
    status: ST_PAID,
    voucher: null,
    settlementRef: null,
    hospital: -1,
    program: 0,
    h,
    unidentified: false,
    approxAge: null,
    admitted: 0,
    birth: person >= 0 ? prov.person.c.birth[person]! : 0,
    guardianIdText: null,
    guardianName: null,
    childWithoutId: false,
    cert: null,
    disCategory: 0,
    disLevel: 0,
    updated: 0,
    bad: false,
  };
}

function withPerson(prov: Province, v: AidView, p: number): void {
  v.idText = idText(prov, p, v.h);
  v.name = personNameText(prov, p, v.h);
  v.marks.push(p);
  if (v.sys === S_DIS) {
    const d = prov.person.c.dis[p]! || 41;
    v.cert = certOf(prov, p);
    v.disCategory = Math.floor(d / 10);
    v.disLevel = d % 10;
  }
}

export type Version = 'current' | 'old' | 'unidentified';

export function aidView(prov: Province, a: number, version: Version): AidView {
  const c = prov.aid.c;
  const sys = c.sys[a]!;
  // A record moved between persons by a correction was first delivered under its old person.
  const p = version === 'old' ? (prov.oldAid.get(a)!.person ?? c.person[a]!) : c.person[a]!;
  const v = base(prov, sys, p, rh(prov, 1000 + sys, a));
  v.amountFen = c.amount[a]!;
  v.appr = c.appr[a]!;
  v.paid = c.paid[a]!;
  v.status = c.status[a]!;
  v.program = c.prog[a]!;
  v.hospital = c.hosp[a]!;
  v.settlementRef = settlementRefText(prov, version === 'old' ? (prov.oldAid.get(a)!.setl ?? c.setl[a]!) : c.setl[a]!);
  let vb = aidVoucherBase(prov, a);
  v.recordId = recordIdOf(prov, { sys, seq: c.seq[a]!, appr: v.appr, person: c.person[a]!, amountFen: v.amountFen, voucherBase: vb });
  if (version === 'old') {
    const old = prov.oldAid.get(a)!;
    v.amountFen = old.amount;
    v.status = old.status;
    v.paid = old.paid;
    vb = old.voucher >= 0 ? voucherBase(old.voucher, old.vorigin ?? c.vorigin[a]!) : null;
  }
  v.updated = version === 'current' && prov.oldAid.has(a) ? Math.min(prov.dataEnd, Math.max(v.paid, v.appr) + 20 + (v.h % 30)) : Math.max(v.paid, v.appr);
  if (vb) v.voucher = c.flags[a]! & AF_VOUCHER_VARIANT ? voucherVariant(vb, v.h >>> 3) : vb;
  if (sys === S_EMERG) {
    const s = c.setl[a]!;
    v.admitted = s >= 0 ? prov.settlement.c.admit[s]! : Math.max(DATA_START, v.appr - 2 - (v.h % 20));
  }
  if (p < 0) {
    const e = prov.provisional[-1 - p]!;
    if (e.kind === 'case') {
      v.unidentified = true;
      v.approxAge = 18 + (v.h % 65);
    } else {
      v.childWithoutId = true;
      v.name = nameText(e.name, v.h);
      v.birth = e.birth;
      v.guardianIdText = idText(prov, e.guardian, v.h >>> 5);
      v.guardianName = personNameText(prov, e.guardian, v.h >>> 7);
      v.marks.push(e.guardian);
    }
    return v;
  }
  if (version === 'unidentified') {
    v.unidentified = true;
    v.approxAge = Math.max(1, ageOn(prov, p, v.appr) + (v.h % 7) - 3);
    return v;
  }
  if (c.flags[a]! & AF_CHILD_NOID) {
    v.childWithoutId = true;
    v.name = personNameText(prov, p, v.h);
  } else {
    withPerson(prov, v, p);
  }
  const g = c.guardian[a]!;
  if (g >= 0) {
    v.guardianIdText = idText(prov, g, v.h >>> 5);
    v.guardianName = personNameText(prov, g, v.h >>> 7);
    v.marks.push(g);
  }
  return v;
}

/** What a quarantined record looks like before its defect: a plausible record of its system. */
export function badView(prov: Province, b: BadSpec, index: number): AidView {
  const h = rh(prov, 2000, b.repeats >= 0 ? b.repeats : index);
  const p = b.person;
  const v = base(prov, b.sys, p, h);
  v.bad = true;
  v.amountFen = b.amountFen;
  v.appr = b.appr;
  v.paid = b.paid;
  v.hospital = b.sys === S_CIVIL || b.sys === S_EMERG ? b.hospital : -1;
  if (b.sys === S_WC) v.program = ageOn(prov, p, b.paid) < 18 ? WC_CHILD : isFemale(prov, p) ? WC_WOMAN : WC_CHILD;
  withPerson(prov, v, p);
  v.marks.length = 0;
  const vb = h % 10 < 7 ? badVoucher(b.sys, b.seq) : null;
  v.voucher = vb;
  v.recordId = recordIdOf(prov, { sys: b.sys, seq: b.seq, appr: b.appr, person: p, amountFen: b.amountFen, voucherBase: vb });
  if (b.sys === S_EMERG) v.admitted = Math.max(DATA_START, v.appr - 3 - (h % 10));
  applyDefect(v, b);
  return v;
}

export function applyDefect(v: AidView, b: BadSpec): void {
  const sys = v.sys;
  switch (b.reason) {
    case 'INVALID_ID':
      v.idText = b.badId;
      if (sys === S_DIS) v.cert = `${b.badId}${v.disCategory}${v.disLevel}`;
      break;
    case 'BAD_AMOUNT': {
      const fen = v.amountFen;
      if (sys === S_EMERG) v.amountNumber = b.flavour === 0 ? fen + 0.5 : -fen;
      else if (sys === S_RURAL && b.flavour === 1) v.amountNumber = -fen / 100;
      else if (sys === S_VET) v.amountText = b.flavour === 0 ? `${yuanThousandsText(fen)}5` : `-${yuanThousandsText(fen)}`;
      else v.amountText = b.flavour === 0 ? `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}5` : `-${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
      break;
    }
    case 'BAD_DATE': {
      const [y, m] = ymd(sys === S_CIVIL || sys === S_EMERG || sys === S_UMA || sys === S_UH || sys === S_VET ? v.appr : v.paid);
      v.badDate = b.flavour === 0 ? [y, 2, 30] : [2099, m, 1 + (v.h % 28)];
      break;
    }
    case 'MISSING_FIELD':
      if (sys === S_VET) v.idText = null;
      else if (sys === S_DIS) v.cert = null;
      else v.recordId = null;
      break;
    case 'CERT_MISMATCH':
      if (b.flavour === 0) v.disCategory = (v.disCategory % DISABILITY_CATEGORIES.length) + 1;
      else v.disLevel = (v.disLevel % 4) + 1;
      break;
    case 'BURDEN_MISMATCH':
      break;
  }
}

function yuanThousandsText(fen: number): string {
  return `${String(Math.floor(fen / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${String(fen % 100).padStart(2, '0')}`;
}

/** A record of a file that is rejected whole (no identity in it is counted). */
export function ghostView(prov: Province, g: GhostSpec, index: number): AidView {
  const h = rh(prov, 3000, index);
  const v = base(prov, g.sys, g.person, h);
  withPerson(prov, v, g.person);
  v.marks.length = 0;
  v.amountFen = g.amountFen;
  v.appr = g.appr;
  v.paid = g.paid;
  const vb = voucherBase(g.voucher, g.sys);
  v.voucher = vb;
  v.recordId = recordIdOf(prov, { sys: g.sys, seq: g.seq, appr: g.appr, person: g.person, amountFen: g.amountFen, voucherBase: vb });
  return v;
}
