/**
 * How values are written: the quirks of sources.md (identity numbers in every spelling, names with stray
 * spaces and middle-dot variants, yuan text, voucher spellings) and the canonical record ids of the hub.
 * Every choice is a stateless hash of the record, so a record delivered twice is written identically.
 */
import { AGENCY, HOSPITALS, MIDDLE_DOTS, S_CH, S_CIVIL, S_DIS, S_EMERG, S_RC, S_RURAL, S_UH, S_UMA, S_UW, S_VET, S_WC, COUNTIES, SYSTEMS } from './catalog.ts';
import { isoDay, pad2, ymd, type Ymd } from './calendar.ts';
import { id18, personName, settlementId, type Province } from './model.ts';
import { hash32 } from './prng.ts';

export function fullWidth(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    out += c > 0x20 && c < 0x7f ? String.fromCodePoint(c + 0xfee0) : ch;
  }
  return out;
}

/** An identity number as a source might write it: mostly plain, sometimes in one of its other spellings. */
export function idText(prov: Province, p: number, h: number): string {
  const id = id18(prov, p);
  const r = h % 1000;
  if (r < 35) return fullWidth(id);
  if (r < 60) return `${id.slice(0, 6)} ${id.slice(6, 14)} ${id.slice(14)}`;
  if (r < 85) return ` ${id} `;
  // The legacy 15-digit form exists only for those born 1900-1999: it drops "19" and the check character.
  if (r < 115 && id.slice(6, 8) === '19') return id.slice(0, 6) + id.slice(8, 17);
  if (id.endsWith('X') && (h >>> 12) % 2 === 0) return id.slice(0, 17) + 'x';
  return id;
}

/** A name as received: surrounding half- or full-width spaces, or another middle dot. */
export function nameText(base: string, h: number): string {
  let s = base;
  if (s.includes('·')) s = s.replace('·', MIDDLE_DOTS[(h >>> 4) % 3]!);
  const r = (h >>> 8) % 100;
  if (r < 3) return ` ${s} `;
  if (r < 5) return `\u3000${s}\u3000`;
  if (r < 6) return `${s} `;
  return s;
}

export function personNameText(prov: Province, p: number, h: number): string {
  return nameText(personName(prov, p), h);
}

/** Yuan with at most two decimals, in the forms sources use: "1200", "1200.5", "1200.50". */
export function yuanText(fen: number, h: number): string {
  const neg = fen < 0;
  const abs = Math.abs(fen);
  const y = Math.floor(abs / 100);
  const c = abs % 100;
  let s: string;
  if (c === 0 && (h & 1) === 0) s = String(y);
  else if (c % 10 === 0 && (h & 2) === 0) s = `${y}.${c / 10}`;
  else s = `${y}.${pad2(c)}`;
  return neg ? `-${s}` : s;
}

export function yuan2(fen: number): string {
  const neg = fen < 0;
  const abs = Math.abs(fen);
  return `${neg ? '-' : ''}${Math.floor(abs / 100)}.${pad2(abs % 100)}`;
}

/** "1,234.50": the veterans' export. */
export function yuanThousands(fen: number): string {
  const neg = fen < 0;
  const abs = Math.abs(fen);
  const y = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${y}.${pad2(abs % 100)}`;
}

const VOUCHER_PREFIX = ['', 'MZLS', 'JJPZ', 'XCBF', 'GHHZ', 'NGAK', 'KNZG', 'TYJR', 'FLPZ', 'CLKF', 'HSZPZ', 'CSJZ'];

export function voucherBase(vid: number, origin: number): string {
  return `${VOUCHER_PREFIX[origin]}${String(vid).padStart(10, '0')}`;
}

/** Voucher of a quarantined record: outside the range of real vouchers, so it matches none of them. */
export function badVoucher(sys: number, seq: number): string {
  return `${VOUCHER_PREFIX[sys]}Q${String(seq).padStart(9, '0')}`;
}

/** The same voucher spelt differently: case, separators, full width. Normalisation must undo every one. */
export function voucherVariant(base: string, h: number): string {
  const m = /^([A-Z]+)(\d+)$/.exec(base);
  const prefix = m ? m[1]! : base.slice(0, 4);
  const digits = m ? m[2]! : base.slice(4);
  switch (h % 7) {
    case 0:
      return base.toLowerCase();
    case 1:
      return `${prefix}-${digits.slice(0, 4)}-${digits.slice(4)}`;
    case 2:
      return `${prefix} ${digits}`;
    case 3:
      return fullWidth(base);
    case 4:
      return `${prefix}/${digits.slice(0, 4)}_${digits.slice(4)}`;
    case 5:
      return `${prefix.toLowerCase()}-${digits}`;
    default:
      return `${prefix}\u3000${fullWidth(digits.slice(0, 3))}${digits.slice(3)}`;
  }
}

/** contract: half-width, upper case, spaces and - _ / removed. */
export function normalizeVoucher(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xff01 && c <= 0xff5e) out += String.fromCodePoint(c - 0xfee0);
    else if (c === 0x3000) out += ' ';
    else out += ch;
  }
  return out.toUpperCase().replace(/[\s\-_/]/g, '');
}

export function timestamp(day: number, secs: number): string {
  const hh = Math.floor(secs / 3600) % 24;
  const mm = Math.floor(secs / 60) % 60;
  const ss = secs % 60;
  return `${isoDay(day)}T${pad2(hh)}:${pad2(mm)}:${pad2(ss)}+08:00`;
}

export function timestampYmd(v: Ymd, secs: number): string {
  const hh = Math.floor(secs / 3600) % 24;
  const mm = Math.floor(secs / 60) % 60;
  return `${v[0]}-${pad2(v[1])}-${pad2(v[2])}T${pad2(hh)}:${pad2(mm)}:00+08:00`;
}

/** The same instant written in UTC (Z): a late-evening UTC time is the next calendar day in CST. */
export function timestampUtc(day: number, secs: number): string {
  const t = new Date(day * 86400000 + secs * 1000 - 8 * 3600000);
  return t.toISOString().replace('.000Z', 'Z');
}

export function csvField(s: string | null | undefined): string {
  if (s == null) return '';
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: readonly (string | null | undefined)[]): string {
  let out = '';
  for (let i = 0; i < fields.length; i++) out += (i ? ',' : '') + csvField(fields[i]);
  return out + '\r\n';
}

export function xmlAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function countyCodeOfPerson(prov: Province, p: number): string {
  return COUNTIES[prov.person.c.county[p]!]!.code;
}

/**
 * Canonical record id (the brief's conventions): the source's own id, except veterans and disabled-rehab,
 * whose id is the normalised voucher or, without one, identity | approval date | amount in fen.
 */
export function recordIdOf(
  prov: Province,
  r: { sys: number; seq: number; appr: number; person: number; amountFen: number; voucherBase: string | null; cert?: string },
): string {
  const year = ymd(r.appr)[0];
  const s6 = String(r.seq).padStart(6, '0');
  const s7 = String(r.seq).padStart(7, '0');
  switch (r.sys) {
    case S_CIVIL:
      return `LS${year}${s7}`;
    case S_EMERG:
      return `JJ${year}-${s6}`;
    case S_RURAL:
      return `BF${countyCodeOfPerson(prov, r.person)}${s7}`;
    case S_UMA:
      return `MA${year}${s7}`;
    case S_UW:
      return `NGAK-${year}-${s6}`;
    case S_UH:
      return `KN${year}${s7}`;
    case S_VET:
      return r.voucherBase ? normalizeVoucher(r.voucherBase) : `${id18(prov, r.person)}|${isoDay(r.appr)}|${r.amountFen}`;
    case S_WC:
      return `FLJZ-${year}-${s6}`;
    case S_DIS:
      return r.voucherBase ? normalizeVoucher(r.voucherBase) : `${r.cert ?? certOf(prov, r.person)}|${isoDay(r.appr)}|${r.amountFen}`;
    case S_RC:
      return `HSZ-G-${year}-${s6}`;
    case S_CH:
      return `CSJ${year}${s7}`;
    default:
      throw new Error(`no aid records in system ${SYSTEMS[r.sys]}`);
  }
}

export function aidVoucherBase(prov: Province, a: number, voucher = prov.aid.c.voucher[a]!): string | null {
  return voucher >= 0 ? voucherBase(voucher, prov.aid.c.vorigin[a]!) : null;
}

export function recordId(prov: Province, a: number): string {
  const c = prov.aid.c;
  return recordIdOf(prov, { sys: c.sys[a]!, seq: c.seq[a]!, appr: c.appr[a]!, person: c.person[a]!, amountFen: c.amount[a]!, voucherBase: aidVoucherBase(prov, a) });
}

/** 残疾人证号: identity number, category digit, level digit. */
export function certOf(prov: Province, p: number): string {
  const d = prov.person.c.dis[p]! || 41;
  return `${id18(prov, p)}${Math.floor(d / 10)}${d % 10}`;
}

export function settlementRefText(prov: Province, ref: number): string | null {
  if (ref >= 0) return settlementId(prov, ref);
  if (ref <= -2) return prov.phantoms[-2 - ref]!;
  return null;
}

export function hospitalCode(h: number): string | null {
  return h >= 0 ? HOSPITALS[h]!.code : null;
}

/** How expected.json names a provisional person (one never identified). */
export function provisionalLabel(prov: Province, k: number): string {
  const e = prov.provisional[k]!;
  if (e.kind === 'case') return `health-emergency:case:${recordId(prov, e.aid)}`;
  return `women-children:child:${id18(prov, e.guardian)}:${e.name}:${isoDay(e.birth)}`;
}

export function agencyOf(sys: number): string {
  return AGENCY[sys]!;
}

/** Per-record hash for quirk choices. */
export function rh(prov: Province, kind: number, idx: number): number {
  return hash32(prov.salt, kind, idx);
}
