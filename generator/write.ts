import { once } from 'node:events';
/**
 * Writes the province's files: which record goes into which file (delivery plan), then each file in its
 * format, streaming. Also records what expected.json needs about the files: record counts, quarantined
 * counts, rejections, the order constraints of corrections, and which identity numbers an applied record
 * showed (the persons count).
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { COUNTIES, DISABILITY_CATEGORIES, DISABILITY_LEVELS, DONORS, S_CH, S_CIVIL, S_DIS, S_EMERG, S_MI, S_RC, S_RURAL, S_UH, S_UMA, S_UW, S_VET, S_WC, SYSTEMS } from './catalog.ts';
import { PERIOD_STARTS, isoDay, pad2, periodOf, ymd } from './calendar.ts';
import {
  AF_CHILD_NOID,
  AF_CORRECTED,
  AF_REDELIVER,
  AF_RESEND,
  AF_UNIDENT_LATER,
  HH_CIVIL,
  HH_RURAL,
  SF_CORRECTED,
  SF_REDELIVER,
  SF_REFUNDED,
  type BadSpec,
  type Province,
} from './model.ts';
import {
  CH_HEADER,
  CIVIL_PAYMENT_HEADER,
  CIVIL_STATUS_HEADER,
  DIS_HEADER,
  RURAL_AID_HEADER,
  RURAL_STATUS_HEADER,
  UMA_FOOTER,
  VET_HEADER,
  badDonationAmount,
  badSettlementLine,
  chDonation,
  chGrant,
  civilPayment,
  civilStatus,
  disLine,
  emergencyCase,
  rcDonation,
  rcGrant,
  ruralAid,
  ruralStatus,
  settlementLine,
  uhLine,
  umaClaim,
  umaHeader,
  uwItem,
  vetLine,
  wcRecord,
  type Cell,
  type StatusRow,
} from './formats.ts';
import { certOf, countyCodeOfPerson, csvLine, idText, personNameText, rh, timestamp } from './render.ts';
import { Sink, fixZipTimes } from './sink.ts';
import { aidView, badView, ghostView, type AidView } from './views.ts';

export interface FileStat {
  system: string;
  file: string;
  records: number;
  quarantined: number;
  rejected: boolean;
  reason?: 'INTEGRITY' | 'MALFORMED';
}

export interface Written {
  files: FileStat[];
  orderConstraints: Array<[string, string]>;
  /** 1 for each person whose identity number an applied, valid record showed. */
  seen: Uint8Array;
}

// Entry encoding: kind and index in one number, sortable by day.
const K_AID = 0;
const K_OLD = 1;
const K_UNIDENT = 2;
const K_BAD = 3;
const K_DON = 4;
const K_SETL = 5;
const K_SETL_OLD = 6;
const K_REFUND = 7;
const K_REFUND_OLD = 9;
const K_GHOST = 8;
const IDX = 2 ** 23;
const DAY = 2 ** 27;

const FILE_REDELIVERY = 5;
const FILE_CORRECTIONS = 6;
const FILE_EXTRA = 7;

const CIVIL_STATUS_FILE = 'civil-affairs/status-001.csv';
/** Status rows first delivered with another householder or county, in their final version. */
const CIVIL_STATUS_CORRECTIONS = 'civil-affairs/status-006.csv';

const pad3 = (n: number) => String(n).padStart(3, '0');

function filePath(sys: number, no: number, county = -1): string {
  switch (sys) {
    case S_MI:
      return `medical-insurance/settlements-${pad3(no)}.ndjson`;
    case S_CIVIL:
      return `civil-affairs/payments-${pad3(no)}.csv`;
    case S_EMERG:
      return `health-emergency/cases-${pad3(no)}.ndjson`;
    case S_RURAL:
      return `rural-revitalization/${COUNTIES[county]!.code}-${pad3(no)}.xlsx`;
    case S_UMA:
      return `union-mutual-aid/claims-${pad3(no)}.xml`;
    case S_UW:
      return `union-women/claims-${pad3(no)}.json`;
    case S_UH:
      return `union-hardship/hardship-${pad3(no)}.txt`;
    case S_VET:
      return `veterans/assistance-${pad3(no)}.csv`;
    case S_WC:
      return `women-children/batch-${pad3(no)}.json`;
    case S_DIS:
      return `disabled-rehab/rehab-${pad3(no)}.csv`;
    case S_RC:
      return `red-cross/greenchannel-${pad3(no)}.json`;
    default:
      return `charity/greenchannel-${pad3(no)}.csv`;
  }
}

/** Which entries go into which file. Keys are file paths; constraints are [earlier, later] paths. */
class DeliveryPlan {
  readonly files = new Map<string, { sys: number; no: number; county: number; entries: number[] }>();
  readonly constraints = new Set<string>();

  key(sys: number, no: number, county = -1): string {
    const p = filePath(sys, no, county);
    if (!this.files.has(p)) this.files.set(p, { sys, no, county, entries: [] });
    return p;
  }

  push(file: string, day: number, kind: number, idx: number): void {
    this.files.get(file)!.entries.push(day * DAY + kind * IDX + idx);
  }

  /** Main file of a record dated `day`: one per half-year, or one per county for the rural ledgers. */
  main(sys: number, day: number, county: number): string {
    return sys === S_RURAL ? this.key(sys, 1, county) : this.key(sys, periodOf(day) + 1);
  }

  later(sys: number, no: number, county: number): string {
    return sys === S_RURAL ? this.key(sys, 2, county) : this.key(sys, no);
  }
}

function plan(prov: Province): DeliveryPlan {
  const dp = new DeliveryPlan();
  const c = prov.aid.c;
  const pc = prov.person.c;
  for (let a = 0; a < prov.aid.n; a++) {
    const sys = c.sys[a]!;
    const f = c.flags[a]!;
    const county = sys === S_RURAL ? pc.county[c.person[a]!]! : -1;
    const day = c.paid[a]! >= 0 ? c.paid[a]! : c.appr[a]!;
    if (f & AF_CORRECTED) {
      const old = prov.oldAid.get(a)!;
      const oldDay = old.paid >= 0 ? old.paid : c.appr[a]!;
      const first = dp.main(sys, oldDay, county);
      const second = dp.later(sys, FILE_CORRECTIONS, county);
      dp.push(first, oldDay, K_OLD, a);
      dp.push(second, day, K_AID, a);
      dp.constraints.add(`${first}\n${second}`);
    } else if (f & AF_UNIDENT_LATER) {
      dp.push(dp.main(sys, day, county), day, K_UNIDENT, a);
      dp.push(dp.key(sys, FILE_CORRECTIONS), day, K_AID, a);
      if (f & AF_RESEND) dp.push(dp.key(sys, FILE_EXTRA), day, K_UNIDENT, a);
    } else {
      dp.push(dp.main(sys, day, county), day, K_AID, a);
      if (f & AF_REDELIVER) dp.push(dp.later(sys, FILE_REDELIVERY, county), day, K_AID, a);
    }
  }
  const sc = prov.settlement.c;
  for (let s = 0; s < prov.settlement.n; s++) {
    const day = sc.disch[s]!;
    const main = dp.main(S_MI, day, -1);
    if (sc.flags[s]! & SF_CORRECTED) {
      const later = dp.key(S_MI, FILE_CORRECTIONS);
      dp.push(main, day, K_SETL_OLD, s);
      dp.push(later, day, K_SETL, s);
      dp.constraints.add(`${main}\n${later}`);
    } else {
      dp.push(main, day, K_SETL, s);
      if (sc.flags[s]! & SF_REDELIVER) dp.push(dp.key(S_MI, FILE_REDELIVERY), day, K_SETL, s);
    }
    if (sc.flags[s]! & SF_REFUNDED) {
      const main = dp.main(S_MI, sc.refundDay[s]!, -1);
      if (prov.oldRefund.has(s)) {
        // First sent naming another stay, corrected to name this one.
        const later = dp.key(S_MI, FILE_CORRECTIONS);
        dp.push(main, sc.refundDay[s]!, K_REFUND_OLD, s);
        dp.push(later, sc.refundDay[s]!, K_REFUND, s);
        dp.constraints.add(`${main}\n${later}`);
      } else dp.push(main, sc.refundDay[s]!, K_REFUND, s);
    }
  }
  if (prov.oldStatus.size > 0) dp.constraints.add(`${CIVIL_STATUS_FILE}\n${CIVIL_STATUS_CORRECTIONS}`);
  prov.bad.forEach((b, i) => {
    if (b.kind === 'status') return;
    const county = b.sys === S_RURAL ? pc.county[b.person]! : -1;
    const file = b.period === 4 ? dp.later(b.sys, FILE_REDELIVERY, county) : b.sys === S_RURAL ? dp.key(b.sys, 1, county) : dp.key(b.sys, b.period + 1);
    dp.push(file, b.paid, K_BAD, i);
  });
  // Every county with monitored households has its ledger, even one whose households received no aid.
  const hc = prov.household.c;
  for (let h = 0; h < prov.household.n; h++) if (hc.kind[h] === HH_RURAL) dp.key(S_RURAL, 1, hc.county[h]!);
  const dc = prov.donation.c;
  for (let d = 0; d < prov.donation.n; d++) dp.push(dp.main(dc.sys[d]!, dc.day[d]!, -1), dc.day[d]!, K_DON, d);
  prov.ghosts.forEach((g, i) => dp.push(dp.key(g.sys, FILE_EXTRA), g.appr, K_GHOST, i));
  return dp;
}

function sortedEntries(entries: number[]): Float64Array {
  const a = Float64Array.from(entries);
  a.sort();
  return a;
}

const kindOf = (e: number) => Math.floor((e % DAY) / IDX);
const idxOf = (e: number) => e % IDX;

export async function writeProvince(prov: Province, out: string): Promise<Written> {
  const w = new Writer(prov, out);
  return w.run();
}

class Writer {
  private readonly seen: Uint8Array;
  private readonly files: FileStat[] = [];

  constructor(
    private readonly prov: Province,
    private readonly out: string,
  ) {
    this.seen = new Uint8Array(prov.person.n);
  }

  private mark(v: AidView): void {
    for (const p of v.marks) this.seen[p] = 1;
  }

  private view(e: number): AidView {
    const k = kindOf(e);
    const i = idxOf(e);
    if (k === K_AID) return aidView(this.prov, i, 'current');
    if (k === K_OLD) return aidView(this.prov, i, 'old');
    if (k === K_UNIDENT) return aidView(this.prov, i, 'unidentified');
    if (k === K_BAD) return badView(this.prov, this.prov.bad[i]!, i);
    if (k === K_GHOST) return ghostView(this.prov, this.prov.ghosts[i]!, i);
    throw new Error(`entry kind ${k} is not an aid record`);
  }

  private abs(file: string): string {
    const p = path.join(this.out, file);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    return p;
  }

  async run(): Promise<Written> {
    const dp = plan(this.prov);
    const order = [...dp.files.entries()].sort((x, y) => x[1].sys - y[1].sys || x[1].county - y[1].county || x[1].no - y[1].no);
    await this.civilStatusFile();
    if (this.prov.corrections) await this.rosters();
    for (const [file, f] of order) {
      const entries = sortedEntries(f.entries);
      f.entries.length = 0;
      await this.writeFile(file, f.sys, f.no, f.county, entries);
    }
    this.files.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    const orderConstraints = [...dp.constraints].sort().map((s) => s.split('\n') as [string, string]);
    return { files: this.files, orderConstraints, seen: this.seen };
  }

  private stat(sys: number, file: string, records: number, quarantined: number, reason?: FileStat['reason']): void {
    const s: FileStat = { system: SYSTEMS[sys]!, file, records, quarantined, rejected: reason !== undefined };
    if (reason) s.reason = reason;
    this.files.push(s);
  }

  private exportDay(no: number): number {
    if (no >= 1 && no <= 4) return Math.min(this.prov.dataEnd, (PERIOD_STARTS[no] ?? this.prov.dataEnd + 1) - 1);
    return this.prov.dataEnd;
  }

  private async writeFile(file: string, sys: number, no: number, county: number, entries: Float64Array): Promise<void> {
    switch (sys) {
      case S_MI:
        return this.settlementsFile(file, entries);
      case S_CIVIL:
        return this.lines(file, sys, entries, { encoding: 'gb18030', header: CIVIL_PAYMENT_HEADER }, (v) => civilPayment(v));
      case S_EMERG:
        return this.lines(file, sys, entries, {}, (v) => emergencyCase(v));
      case S_RURAL:
        return this.ruralWorkbook(file, county, no, entries);
      case S_UMA:
        return this.umaFile(file, no, entries);
      case S_UW:
        return this.uwFile(file, no, entries);
      case S_UH:
        return this.uhFile(file, no, entries);
      case S_VET:
        return this.lines(file, sys, entries, { bom: true, header: VET_HEADER }, (v, i) => vetLine(v, i + 1));
      case S_WC: {
        const y = ymd(this.exportDay(no))[0];
        const batch = no <= 4 ? `FL-${y}-H${no % 2 === 1 ? 1 : 2}-${pad2(no)}` : `FL-${y}-R-${pad2(no)}`;
        return this.lines(file, sys, entries, { header: `{"batch":"${batch}","records":[\n`, separator: ',\n', footer: '\n]}\n' }, (v) => wcRecord(v));
      }
      case S_DIS:
        return this.lines(file, sys, entries, { header: DIS_HEADER }, (v) => disLine(this.prov, v));
      case S_RC:
        return this.redCrossFile(file, entries);
      default:
        return this.charityFile(file, entries);
    }
  }

  /** A text file of one item per entry. */
  private async lines(
    file: string,
    sys: number,
    entries: Float64Array,
    opts: { encoding?: 'utf8' | 'gb18030'; bom?: boolean; header?: string; separator?: string; footer?: string },
    render: (v: AidView, i: number) => string,
  ): Promise<void> {
    const sink = new Sink(this.abs(file), opts.encoding ?? 'utf8', opts.bom ?? false);
    if (opts.header) sink.write(opts.header);
    let bad = 0;
    for (let i = 0; i < entries.length; i++) {
      const v = this.view(entries[i]!);
      if (v.bad) bad++;
      else this.mark(v);
      if (i > 0 && opts.separator) sink.write(opts.separator);
      sink.write(render(v, i));
      if (sink.full) await sink.flush();
    }
    if (opts.footer) sink.write(opts.footer);
    await sink.close();
    this.stat(sys, file, entries.length, bad);
  }

  private async settlementsFile(file: string, entries: Float64Array): Promise<void> {
    const sink = new Sink(this.abs(file));
    const mark = (p: number) => {
      this.seen[p] = 1;
    };
    let bad = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const k = kindOf(e);
      const idx = idxOf(e);
      if (k === K_SETL) sink.write(settlementLine(this.prov, idx, 'current', mark));
      else if (k === K_SETL_OLD) sink.write(settlementLine(this.prov, idx, 'old', mark));
      else if (k === K_REFUND) sink.write(settlementLine(this.prov, idx, 'refund', mark));
      else if (k === K_REFUND_OLD) sink.write(settlementLine(this.prov, idx, 'refund', mark, this.prov.oldRefund.get(idx)));
      else if (k === K_BAD) {
        bad++;
        sink.write(badSettlementLine(this.prov, this.prov.bad[idx]!, idx));
      } else throw new Error(`entry kind ${k} in a settlement file`);
      if (sink.full) await sink.flush();
    }
    await sink.close();
    this.stat(S_MI, file, entries.length, bad);
  }

  private statusRows(kind: number, county: number): StatusRow[] {
    const prov = this.prov;
    const hc = prov.household.c;
    const rows: StatusRow[] = [];
    for (let h = 0; h < prov.household.n; h++) {
      if (hc.kind[h] !== kind || (county >= 0 && hc.county[h] !== county)) continue;
      for (let m = hc.start[h]!; m < hc.start[h]! + hc.size[h]!; m++) rows.push({ household: h, member: m, h: rh(prov, 6000 + kind, m), bad: null });
    }
    const sys = kind === HH_CIVIL ? S_CIVIL : S_RURAL;
    prov.bad.forEach((b, i) => {
      if (b.kind !== 'status' || b.sys !== sys) return;
      const hh = prov.person.c.hh[b.person]!;
      if (county >= 0 && hc.county[hh] !== county) return;
      // Among the household's own rows, as an export would have it.
      const at = rows.findIndex((r) => r.household === hh);
      rows.splice(at < 0 ? rows.length : at + 1, 0, { household: hh, member: b.person, h: rh(prov, 2000, i), bad: b });
    });
    return rows;
  }

  private markStatus(r: StatusRow): void {
    if (r.bad) return;
    this.seen[r.member] = 1;
    this.seen[r.head ?? this.prov.household.c.start[r.household]!] = 1;
  }

  /**
   * The rosters of issue 12 (sources.md §8 and §10): every person paid by veterans affairs on the veterans roster
   * (困难退役军人名册), every person paid by the disabled persons' federation on the certificate roster
   * (持证残疾人名册), each with the county the model gives them (so no residence moves) and a status in force since
   * before their first payment. They change no figure of expected.json but the files' record counts.
   */
  private async rosters(): Promise<void> {
    const prov = this.prov;
    const c = prov.aid.c;
    const first = new Map<number, Map<number, number>>([
      [S_VET, new Map()],
      [S_DIS, new Map()],
    ]);
    for (let a = 0; a < prov.aid.n; a++) {
      const m = first.get(c.sys[a]!);
      const p = c.person[a]!;
      if (!m || p < 0 || c.flags[a]! & AF_CHILD_NOID) continue;
      m.set(p, Math.min(m.get(p) ?? Infinity, c.appr[a]!));
    }
    const cn = (day: number) => {
      const [y, mo, d] = ymd(day);
      return `${y}年${mo}月${d}日`;
    };
    const write = async (sys: number, file: string, header: string, line: (p: number, from: number, h: number) => string) => {
      const sink = new Sink(this.abs(file), 'utf8', sys === S_VET);
      sink.write(header);
      const persons = [...first.get(sys)!].sort((x, y) => x[0] - y[0]);
      for (const [p, appr] of persons) {
        const h = rh(prov, 7000 + sys, p);
        sink.write(line(p, appr - 30 - (h % 300), h));
        this.seen[p] = 1;
        if (sink.full) await sink.flush();
      }
      await sink.close();
      this.stat(sys, file, persons.length, 0);
    };
    await write(S_VET, 'veterans/roster-001.csv', '公民身份号码,姓名,优待证号,认定日期,终止日期,县区代码\r\n', (p, from, h) =>
      csvLine([idText(prov, p, h), personNameText(prov, p, h >>> 7), `YD46${String(p).padStart(8, '0')}`, cn(from), '', countyCodeOfPerson(prov, p)]),
    );
    await write(S_DIS, 'disabled-rehab/roster-001.csv', '残疾人证号,姓名,残疾类别,残疾等级,发证日期,有效期至,县区代码\r\n', (p, from, h) => {
      const d = prov.person.c.dis[p]! || 41;
      return csvLine([certOf(prov, p), personNameText(prov, p, h >>> 7), DISABILITY_CATEGORIES[Math.floor(d / 10) - 1], DISABILITY_LEVELS[(d % 10) - 1], isoDay(from), isoDay(from + 3652), countyCodeOfPerson(prov, p)]);
    });
  }

  /** The certification file, with first versions where a status row is corrected later (status-006.csv). */
  private async civilStatusFile(): Promise<void> {
    const rows = this.statusRows(HH_CIVIL, -1);
    const old = this.prov.oldStatus;
    await this.civilStatusRows(CIVIL_STATUS_FILE, rows.map((r) => (r.bad ? r : { ...r, ...old.get(r.member) })));
    if (old.size > 0) await this.civilStatusRows(CIVIL_STATUS_CORRECTIONS, rows.filter((r) => !r.bad && old.has(r.member)));
  }

  private async civilStatusRows(file: string, rows: StatusRow[]): Promise<void> {
    const sink = new Sink(this.abs(file), 'gb18030');
    sink.write(CIVIL_STATUS_HEADER);
    let bad = 0;
    for (const r of rows) {
      if (r.bad) bad++;
      this.markStatus(r);
      sink.write(civilStatus(this.prov, r));
      if (sink.full) await sink.flush();
    }
    await sink.close();
    this.stat(S_CIVIL, file, rows.length, bad);
  }

  private async ruralWorkbook(file: string, county: number, no: number, entries: Float64Array): Promise<void> {
    const prov = this.prov;
    const abs = this.abs(file);
    const fixed = new Date(Date.UTC(2026, 9, 1));
    // Our own stream: exceljs's commit() can resolve before a file it opened itself is flushed, and the
    // timestamps are rewritten right after.
    const out = fs.createWriteStream(abs);
    const closed = once(out, 'close');
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    wb.creator = '海南省乡村振兴局';
    wb.lastModifiedBy = '海南省乡村振兴局';
    wb.created = fixed;
    wb.modified = fixed;
    const title = `${COUNTIES[county]!.name}农村低收入人口监测台账`;
    const sheet = (name: string, header: string[]) => {
      const ws = wb.addWorksheet(name);
      const r1 = ws.addRow([no === 1 ? title : `${title}（补报）`]);
      ws.mergeCells(1, 1, 1, header.length);
      r1.commit();
      ws.addRow(header).commit();
      return ws;
    };
    const addRow = (ws: ExcelJS.Worksheet, cells: Cell[]) => {
      const row = ws.addRow(cells);
      cells.forEach((cell, i) => {
        if (cell instanceof Date) row.getCell(i + 1).numFmt = 'yyyy-mm-dd';
      });
      row.commit();
    };
    let bad = 0;
    let records = 0;
    const ws1 = sheet('监测对象', RURAL_STATUS_HEADER);
    if (no === 1) {
      for (const r of this.statusRows(HH_RURAL, county)) {
        if (r.bad) bad++;
        this.markStatus(r);
        addRow(ws1, ruralStatus(prov, r));
        records++;
      }
    }
    ws1.commit();
    const ws2 = sheet('帮扶记录', RURAL_AID_HEADER);
    for (let i = 0; i < entries.length; i++) {
      const v = this.view(entries[i]!);
      if (v.bad) bad++;
      else this.mark(v);
      addRow(ws2, ruralAid(v));
      records++;
    }
    ws2.commit();
    await wb.commit();
    await closed;
    fixZipTimes(abs);
    this.stat(S_RURAL, file, records, bad);
  }

  private async umaFile(file: string, no: number, entries: Float64Array): Promise<void> {
    const sink = new Sink(this.abs(file));
    const truncated = no === FILE_EXTRA;
    sink.write(umaHeader(this.exportDay(no)));
    let bad = 0;
    let complete = 0;
    for (let i = 0; i < entries.length; i++) {
      const v = this.view(entries[i]!);
      const claim = umaClaim(v);
      if (truncated && i === entries.length - 1) {
        // The export broke off in the middle of a claim: no closing tags follow.
        sink.write(claim.slice(0, Math.floor(claim.length / 2)));
        break;
      }
      if (v.bad) bad++;
      else if (!truncated) this.mark(v);
      sink.write(claim);
      complete++;
      if (sink.full) await sink.flush();
    }
    if (!truncated) sink.write(UMA_FOOTER);
    await sink.close();
    if (truncated) this.stat(S_UMA, file, complete, 0, 'MALFORMED');
    else this.stat(S_UMA, file, entries.length, bad);
  }

  private async uwFile(file: string, no: number, entries: Float64Array): Promise<void> {
    const sink = new Sink(this.abs(file));
    const pageSize = 200;
    const pages = Math.max(1, Math.ceil(entries.length / pageSize));
    let bad = 0;
    sink.write('[\n');
    for (let pg = 0; pg < pages; pg++) {
      sink.write(pg === 0 ? '{"items":[\n' : ',\n{"items":[\n');
      const end = Math.min(entries.length, (pg + 1) * pageSize);
      for (let i = pg * pageSize; i < end; i++) {
        const v = this.view(entries[i]!);
        if (v.bad) bad++;
        else this.mark(v);
        sink.write((i > pg * pageSize ? ',\n' : '') + uwItem(v));
        if (sink.full) await sink.flush();
      }
      const next = pg + 1 < pages ? JSON.stringify(Buffer.from(`f${no}:p${pg + 2}`).toString('base64url')) : 'null';
      sink.write(`\n],"nextCursor":${next}}`);
    }
    sink.write('\n]\n');
    await sink.close();
    this.stat(S_UW, file, entries.length, bad);
  }

  private async uhFile(file: string, no: number, entries: Float64Array): Promise<void> {
    const sink = new Sink(this.abs(file), 'gb18030');
    const rejected = no === FILE_EXTRA;
    const d = ymd(this.exportDay(no));
    sink.write(`H|UNION-HARDSHIP|${d[0]}${pad2(d[1])}${pad2(d[2])}|${entries.length}\n`);
    let sum = 0;
    let bad = 0;
    for (let i = 0; i < entries.length; i++) {
      const v = this.view(entries[i]!);
      if (v.bad) bad++;
      else if (!rejected) this.mark(v);
      sum += v.amountFen;
      sink.write(uhLine(v));
      if (sink.full) await sink.flush();
    }
    // The rejected file's trailer sum is off by one yuan: its count still matches.
    sink.write(`T|${entries.length}|${rejected ? sum + 100 : sum}\n`);
    await sink.close();
    if (rejected) this.stat(S_UH, file, entries.length, 0, 'INTEGRITY');
    else this.stat(S_UH, file, entries.length, bad);
  }

  private badDonation(b: BadSpec): { id: string; donor: string; amount: string; day: number } {
    const y = ymd(b.paid)[0];
    return {
      id: b.sys === S_RC ? `HSZ-D-${y}-${String(b.seq).padStart(6, '0')}` : `CSD${y}${String(b.seq).padStart(7, '0')}`,
      donor: DONORS[b.seq % DONORS.length]!,
      amount: badDonationAmount(b),
      day: b.paid,
    };
  }

  private async redCrossFile(file: string, entries: Float64Array): Promise<void> {
    const sink = new Sink(this.abs(file));
    let bad = 0;
    const isDonation = (e: number) => kindOf(e) === K_DON || (kindOf(e) === K_BAD && this.prov.bad[idxOf(e)]!.kind === 'donation');
    sink.write('{"donations":[\n');
    let first = true;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (!isDonation(e)) continue;
      let line: string;
      if (kindOf(e) === K_DON) line = rcDonation(this.prov, idxOf(e));
      else {
        bad++;
        const d = this.badDonation(this.prov.bad[idxOf(e)]!);
        line = JSON.stringify({ donationId: d.id, donor: d.donor, amount: d.amount, receivedAt: timestamp(d.day, 10 * 3600) });
      }
      sink.write((first ? '' : ',\n') + line);
      first = false;
      if (sink.full) await sink.flush();
    }
    sink.write('\n],"grants":[\n');
    first = true;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (isDonation(e)) continue;
      const v = this.view(e);
      if (v.bad) bad++;
      else this.mark(v);
      sink.write((first ? '' : ',\n') + rcGrant(v));
      first = false;
      if (sink.full) await sink.flush();
    }
    sink.write('\n]}\n');
    await sink.close();
    this.stat(S_RC, file, entries.length, bad);
  }

  private async charityFile(file: string, entries: Float64Array): Promise<void> {
    const sink = new Sink(this.abs(file));
    sink.write(CH_HEADER);
    let bad = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const k = kindOf(e);
      if (k === K_DON) sink.write(chDonation(this.prov, idxOf(e)));
      else if (k === K_BAD && this.prov.bad[idxOf(e)]!.kind === 'donation') {
        bad++;
        const d = this.badDonation(this.prov.bad[idxOf(e)]!);
        sink.write(csvLine(['捐赠', d.id, d.donor, '', d.amount, isoDay(d.day), '', '', '大病救助专项基金']));
      } else {
        const v = this.view(e);
        if (v.bad) bad++;
        else this.mark(v);
        sink.write(chGrant(v));
      }
      if (sink.full) await sink.flush();
    }
    await sink.close();
    this.stat(S_CH, file, entries.length, bad);
  }
}

