/**
 * The generator's own properties: determinism, valid identity numbers, the encodings and containers of
 * sources.md, and an expected.json that agrees with the files it describes. (Whether a hub agrees with
 * expected.json is test/integration's business.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeIdNumber, toHalfWidth } from '../src/identity/id-number.ts';
import { generateProvince, type Expected } from './index.ts';
import { buildProvince } from './model.ts';

const PERSONS = 300;
let dirA: string;
let dirB: string;
let dirC: string;
let expected: Expected;

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

const isGb18030 = (file: string) => file.startsWith('civil-affairs/') || file.startsWith('union-hardship/');

function readText(file: string): string {
  const buf = fs.readFileSync(path.join(dirA, file));
  return isGb18030(file) ? iconv.decode(buf, 'gb18030') : buf.toString('utf8').replace(/^\uFEFF/, '');
}

async function readXlsx(file: string): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path.join(dirA, file));
  return wb;
}

function cellText(v: ExcelJS.CellValue): string {
  if (v == null) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Identity-number-shaped tokens in a text: 18 characters (maybe with inner spaces or a certificate's two digits), or 15 digits. */
function idTokens(text: string): { long: string[]; legacy: string[] } {
  const t = toHalfWidth(text);
  const long = [...t.matchAll(/(?<![0-9A-Za-z])(\d{6}) ?(\d{8}) ?(\d{3}[\dXx])(?:[1-7][1-4])?(?![0-9A-Za-z])/g)].map((m) => `${m[1]}${m[2]}${m[3]}`.toUpperCase());
  const legacy = [...t.matchAll(/(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])/g)].map((m) => m[0]);
  return { long, legacy };
}

beforeAll(async () => {
  dirA = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-a-'));
  dirB = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-b-'));
  dirC = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-c-'));
  expected = await generateProvince({ persons: PERSONS, seed: 7, out: dirA });
  await generateProvince({ persons: PERSONS, seed: 7, out: dirB });
  await generateProvince({ persons: PERSONS, seed: 8, out: dirC });
}, 120_000);

afterAll(() => {
  for (const d of [dirA, dirB, dirC]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

describe('generateProvince', () => {
  it('is deterministic for a seed, byte for byte, and differs for another seed', () => {
    const a = listFiles(dirA);
    expect(listFiles(dirB)).toEqual(a);
    for (const f of a) expect(fs.readFileSync(path.join(dirB, f)).equals(fs.readFileSync(path.join(dirA, f))), f).toBe(true);
    const c = new Set(listFiles(dirC));
    const differing = a.filter((f) => !c.has(f) || !fs.readFileSync(path.join(dirC, f)).equals(fs.readFileSync(path.join(dirA, f))));
    expect(differing.length).toBeGreaterThan(a.length / 2);
  });

  it('lists exactly the files it wrote, in the twelve systems', () => {
    expect(listFiles(dirA)).toEqual([...expected.files.map((f) => f.file), 'expected.json'].sort());
    expect(new Set(expected.files.map((f) => f.system)).size).toBe(12);
    for (const f of expected.files) expect(f.file.startsWith(`${f.system}/`), f.file).toBe(true);
    const names = expected.files.map((f) => `${f.system}|${path.basename(f.file)}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('writes valid identity numbers everywhere except the records quarantined for INVALID_ID', async () => {
    const invalid = new Set<string>();
    let valid = 0;
    let legacy = 0;
    for (const f of expected.files) {
      let text: string;
      if (f.file.endsWith('.xlsx')) {
        const wb = await readXlsx(f.file);
        const parts: string[] = [];
        wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((cell) => parts.push(cellText(cell.value)))));
        text = parts.join('\n');
      } else text = readText(f.file);
      const tokens = idTokens(text);
      for (const id of tokens.long) {
        const r = normalizeIdNumber(id, '2026-10-31');
        if (r.ok) valid++;
        else invalid.add(id);
      }
      for (const id of tokens.legacy) {
        expect(normalizeIdNumber(id, '2026-10-31').ok, `${f.file}: ${id}`).toBe(true);
        legacy++;
      }
    }
    expect(valid).toBeGreaterThan(PERSONS);
    expect(legacy).toBeGreaterThan(0);
    expect(invalid.size).toBe(expected.quarantined.byReason.INVALID_ID);
  });

  it('encodes civil-affairs and union-hardship in GB18030 with Chinese headers, veterans with a BOM', () => {
    const civil = expected.files.filter((f) => isGb18030(f.file));
    expect(civil.length).toBeGreaterThan(3);
    for (const f of civil) {
      const buf = fs.readFileSync(path.join(dirA, f.file));
      const text = readText(f.file);
      if (f.file.includes('/payments-')) expect(text.startsWith('救助编号,身份证号,姓名,救助金额(元)')).toBe(true);
      if (f.file.includes('/status-')) expect(text.startsWith('户主身份证号,户主姓名,成员身份证号')).toBe(true);
      if (f.file.startsWith('union-hardship/')) expect(text).toMatch(/^H\|UNION-HARDSHIP\|\d{8}\|\d+\n/);
      // Not UTF-8: the Chinese text would not survive being read as such.
      if (/[\u4e00-\u9fff]/.test(text)) expect(buf.toString('utf8')).toContain('\uFFFD');
    }
    for (const f of expected.files.filter((x) => x.system === 'veterans')) {
      const buf = fs.readFileSync(path.join(dirA, f.file));
      expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      expect(readText(f.file).startsWith('序号,姓名,公民身份号码')).toBe(true);
    }
  });

  it('writes one rural workbook per county with both sheets, a merged title row, and mixed cell types', async () => {
    const books = expected.files.filter((f) => f.system === 'rural-revitalization');
    expect(books.length).toBeGreaterThan(5);
    const kinds = new Set<string>();
    for (const f of books) {
      const wb = await readXlsx(f.file);
      expect(wb.worksheets.map((w) => w.name)).toEqual(['监测对象', '帮扶记录']);
      let rows = 0;
      for (const ws of wb.worksheets) {
        expect(String(ws.getCell('A1').value)).toMatch(/农村低收入人口监测台账/);
        expect(ws.getCell('A1').isMerged).toBe(true);
        expect(String(ws.getCell('A2').value)).toBe(ws.name === '监测对象' ? '户编号' : '记录ID');
        ws.eachRow((row, n) => {
          if (n < 3) return;
          rows++;
          const date = row.getCell(6).value;
          kinds.add(date instanceof Date ? 'date-cell' : typeof date === 'string' && date !== '' ? 'date-text' : 'other');
          if (ws.name === '帮扶记录') kinds.add(typeof row.getCell(5).value === 'number' ? 'amount-number' : 'amount-text');
          const note = row.getCell(8).value;
          if (ws.name === '帮扶记录' && typeof note === 'string' && note.includes('结算单号:')) kinds.add('settlement-in-note');
        });
      }
      expect(rows, f.file).toBe(f.records);
    }
    for (const k of ['date-cell', 'date-text', 'amount-number', 'amount-text', 'settlement-in-note']) expect(kinds.has(k), k).toBe(true);
  });

  it('counts the records of every text file as the file holds them', () => {
    for (const f of expected.files) {
      if (f.file.endsWith('.xlsx') || f.rejected) continue;
      const text = readText(f.file);
      let n: number;
      if (f.file.endsWith('.ndjson')) n = text.split('\n').filter((l) => l.trim() !== '').length;
      else if (f.file.endsWith('.csv')) n = text.split('\r\n').filter((l) => l !== '').length - 1;
      else if (f.file.endsWith('.txt')) n = text.split('\n').filter((l) => l.startsWith('D|')).length;
      else if (f.file.endsWith('.xml')) n = (text.match(/<Claim[ >]/g) ?? []).length;
      else if (f.system === 'union-women') n = (JSON.parse(text) as Array<{ items: unknown[] }>).reduce((s, p) => s + p.items.length, 0);
      else if (f.system === 'women-children') n = (JSON.parse(text) as { records: unknown[] }).records.length;
      else {
        const j = JSON.parse(text) as { donations: unknown[]; grants: unknown[] };
        n = j.donations.length + j.grants.length;
      }
      expect({ file: f.file, records: n }).toEqual({ file: f.file, records: f.records });
    }
  });

  it('keeps its quarantine counts consistent with the files', () => {
    const q = expected.quarantined;
    const perFile = expected.files.reduce((s, f) => s + f.quarantined, 0);
    expect(perFile).toBe(q.total + q.redelivered);
    expect(q.redelivered).toBeGreaterThan(0);
    expect(Object.values(q.byReason).reduce((a, b) => a + b, 0)).toBe(q.total);
    expect(Object.values(q.bySystem).reduce((a, b) => a + b, 0)).toBe(q.total);
    expect(Object.keys(q.bySystem).sort()).toHaveLength(12);
    for (const r of ['INVALID_ID', 'BAD_AMOUNT', 'BAD_DATE', 'MISSING_FIELD', 'BURDEN_MISMATCH', 'CERT_MISMATCH']) expect(q.byReason[r], r).toBeGreaterThan(0);
    for (const f of expected.files.filter((x) => x.rejected)) expect(f.quarantined).toBe(0);
  });

  it('rejects exactly a truncated XML export and a union-hardship file whose trailer sum is wrong', () => {
    expect(expected.rejectedFiles.map((r) => `${r.system}:${r.reason}`).sort()).toEqual(['union-hardship:INTEGRITY', 'union-mutual-aid:MALFORMED']);
    for (const f of expected.files.filter((x) => x.system === 'union-mutual-aid')) {
      expect(XMLValidator.validate(readText(f.file)) === true, f.file).toBe(!f.rejected);
    }
    for (const f of expected.files.filter((x) => x.system === 'union-hardship')) {
      const lines = readText(f.file).split('\n').filter((l) => l !== '');
      const data = lines.filter((l) => l.startsWith('D|'));
      const [, count, sum] = lines.at(-1)!.split('|');
      const header = lines[0]!.split('|');
      expect(Number(header[3])).toBe(data.length);
      expect(Number(count)).toBe(data.length);
      const actual = data.reduce((s, l) => s + Number(l.split('|')[4]), 0);
      expect(Number(sum) === actual, f.file).toBe(!f.rejected);
    }
  });

  it('names files so that each order constraint puts a correction after what it corrects', () => {
    const files = new Set(expected.files.map((f) => f.file));
    expect(expected.orderConstraints.length).toBeGreaterThan(5);
    for (const [earlier, later] of expected.orderConstraints) {
      expect(files.has(earlier) && files.has(later)).toBe(true);
      expect(path.dirname(earlier)).toBe(path.dirname(later));
      expect(earlier < later).toBe(true);
    }
  });

  it('re-delivers unidentified emergency cases with their identity under the same caseNo', () => {
    const seen = new Map<string, { unidentified: boolean; file: string }[]>();
    for (const f of expected.files.filter((x) => x.system === 'health-emergency')) {
      for (const line of readText(f.file).split('\n').filter(Boolean)) {
        const c = JSON.parse(line) as { caseNo?: string; patient: { idNo: string | null; unidentified: boolean } };
        if (!c.caseNo) continue;
        seen.set(c.caseNo, [...(seen.get(c.caseNo) ?? []), { unidentified: c.patient.unidentified, file: f.file }]);
      }
    }
    const identifiedLater = [...seen.values()].filter((v) => v.some((x) => x.unidentified) && v.some((x) => !x.unidentified));
    const neverIdentified = [...seen.values()].filter((v) => v.every((x) => x.unidentified));
    expect(identifiedLater.length).toBe(expected.provisional.mergedEmergencyCases);
    expect(neverIdentified.length).toBe(expected.provisional.emergencyCases);
    for (const v of identifiedLater) {
      const firstIdentified = v.filter((x) => !x.unidentified).map((x) => x.file).sort()[0]!;
      const firstUnidentified = v.filter((x) => x.unidentified).map((x) => x.file).sort()[0]!;
      expect(firstUnidentified < firstIdentified).toBe(true);
    }
  });

  it('lists children without own identity number, some of them members of the guardian household', () => {
    const members = new Map<string, Array<{ name: string; id: string }>>();
    for (const line of readText('civil-affairs/status-001.csv').split('\r\n').slice(1).filter(Boolean)) {
      const [head, , member, name] = line.split(',');
      const h = normalizeIdNumber(head);
      const m = normalizeIdNumber(member);
      if (!h.ok || !m.ok) continue;
      members.set(h.idNumber, [...(members.get(h.idNumber) ?? []), { name: name!.replace(/[\s\u3000]/g, ''), id: m.idNumber }]);
    }
    let matched = 0;
    let unmatched = 0;
    for (const f of expected.files.filter((x) => x.system === 'women-children')) {
      const batch = JSON.parse(readText(f.file)) as { records: Array<{ beneficiary: { idNumber: string | null; name: string; birthDate: string | null; guardianIdNumber: string | null } }> };
      for (const r of batch.records) {
        const b = r.beneficiary;
        if (b.idNumber !== null || !b.guardianIdNumber) continue;
        const g = normalizeIdNumber(b.guardianIdNumber);
        if (!g.ok) continue;
        // The guardian is the householder or a member: look at every household the guardian belongs to.
        const households = [...members.entries()].filter(([head, list]) => head === g.idNumber || list.some((m) => m.id === g.idNumber));
        const hit = households.some(([, list]) => list.some((m) => m.name === b.name.replace(/[\s\u3000]/g, '') && `${m.id.slice(6, 10)}-${m.id.slice(10, 12)}-${m.id.slice(12, 14)}` === b.birthDate));
        if (hit) matched++;
        else unmatched++;
      }
    }
    expect(matched).toBeGreaterThan(0);
    expect(unmatched).toBeGreaterThan(0);
    expect(expected.provisional.children).toBeGreaterThan(0);
  });

  it('plants every overlap of domain.md and says what the rules make of it', () => {
    const a = expected.aid;
    expect(a.duplicates.count).toBeGreaterThan(0);
    expect(a.duplicates.amountFen).toBe(Object.values(a.duplicates.byAgency).reduce((s, x) => s + x.amountFen, 0));
    expect(a.voucherConflicts.count).toBeGreaterThanOrEqual(2 * a.voucherConflicts.groups);
    expect(a.suspectedDuplicates.count).toBeGreaterThan(0);
    expect(a.settlementPersonMismatches.count).toBeGreaterThan(0);
    expect(a.inferredLinks.count).toBeGreaterThan(0);
    expect(a.refundedSettlementAid.count).toBeGreaterThan(0);
    expect(a.excess.amountFen).toBeGreaterThan(0);
    expect(Object.values(a.excess.byAgency).reduce((s, x) => s + x.amountFen, 0)).toBe(a.excess.amountFen);
    expect(Object.values(a.excess.byProgram).reduce((s, x) => s + x.amountFen, 0)).toBe(a.excess.amountFen);
    expect(Object.values(a.bySystem).reduce((s, x) => s + x, 0)).toBe(a.records);
    const byPerson = expected.aidByPerson!;
    expect(Object.values(byPerson).reduce((s, l) => s + l.length, 0)).toBe(a.records);
    const provisional = Object.keys(byPerson).filter((k) => !/^\d{17}[\dX]$/.test(k));
    expect(provisional.length).toBe(expected.provisional.emergencyCases + expected.provisional.children);
    expect(expected.persons).toBeGreaterThanOrEqual(PERSONS);
  });
});

describe('the second delivery of issue 12 (corrections: true)', () => {
  let dir: string;
  let withCorrections: Expected;
  let plain: Expected;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-corr-'));
    plain = await generateProvince({ persons: PERSONS, seed: 9, out: dir });
    withCorrections = await generateProvince({ persons: PERSONS, seed: 9, out: dir, corrections: true });
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('changes only what was delivered before, never the final versions expected.json is computed from', async () => {
    const figures = (e: Expected) => ({ aid: e.aid, quarterly: e.quarterly, settlements: e.settlements, quarantined: e.quarantined, provisional: e.provisional, aidByPerson: e.aidByPerson, civilMembers: e.civilMembers });
    expect(figures(withCorrections)).toEqual(figures(plain));
    // Old owners of moved records stay known persons; the rosters name no one new.
    expect(withCorrections.persons).toBeGreaterThanOrEqual(plain.persons);
    expect(withCorrections.orderConstraints.length).toBeGreaterThan(plain.orderConstraints.length);
  });

  it('plants a first version of every kind of correction at this size, and only with the option', () => {
    const kinds = (corrections: boolean) => {
      const prov = buildProvince({ persons: PERSONS, seed: 9, today: '2026-10-31', corrections });
      const c = prov.aid.c;
      const old = [...prov.oldAid];
      const vouchers = new Set<number>();
      for (let a = 0; a < prov.aid.n; a++) if (c.voucher[a]! >= 0) vouchers.add(c.voucher[a]!);
      return {
        person: old.filter(([a, o]) => o.person !== undefined && o.person !== c.person[a]).length,
        stay: old.filter(([a, o]) => o.setl !== undefined && o.setl !== c.setl[a] && prov.settlement.c.person[o.setl] === c.person[a]).length,
        // another record's voucher: a voucher conflict until corrected
        voucher: old.filter(([a, o]) => o.vorigin !== undefined && o.voucher !== c.voucher[a] && vouchers.has(o.voucher)).length,
        household: [...prov.oldStatus.values()].filter((o) => o.head !== undefined).length,
        county: [...prov.oldStatus.values()].filter((o) => o.county !== undefined).length,
        refund: [...prov.oldRefund].filter(([s, o]) => s !== o).length,
      };
    };
    for (const n of Object.values(kinds(true))) expect(n).toBeGreaterThanOrEqual(2);
    for (const n of Object.values(kinds(false))) expect(n).toBe(0);
  });

  it('sends civil-affairs status rows first under another householder or county, corrected in status-006.csv after status-001.csv', () => {
    const rows = (file: string) =>
      iconv
        .decode(fs.readFileSync(path.join(dir, file)), 'gb18030')
        .trim()
        .split(/\r?\n/)
        .slice(1)
        .map((l) => l.split(','));
    // record id: member + category + 认定日期 (sources.md §2); householder and county are its content
    const key = (r: string[]) => `${r[2]}|${r[5]}|${r[6]}`;
    const first = new Map(rows('civil-affairs/status-001.csv').map((r) => [key(r), r]));
    const corrected = rows('civil-affairs/status-006.csv');
    let head = 0;
    let county = 0;
    for (const r of corrected) {
      const was = first.get(key(r))!;
      expect(was, r.join(',')).toBeDefined();
      if (was[0] !== r[0]) head++;
      if (was[8] !== r[8]) county++;
      expect(was[0] !== r[0] || was[8] !== r[8], r.join(',')).toBe(true);
    }
    expect(head).toBeGreaterThan(0);
    expect(county).toBeGreaterThan(0);
    expect(withCorrections.orderConstraints).toContainEqual(['civil-affairs/status-001.csv', 'civil-affairs/status-006.csv']);
    expect(plain.files.some((f) => f.file === 'civil-affairs/status-006.csv')).toBe(false);
  });

  it('writes the two rosters, every row valid, naming the persons each agency paid', () => {
    for (const [file, header] of [
      ['veterans/roster-001.csv', '公民身份号码,姓名,优待证号,认定日期,终止日期,县区代码'],
      ['disabled-rehab/roster-001.csv', '残疾人证号,姓名,残疾类别,残疾等级,发证日期,有效期至,县区代码'],
    ] as const) {
      const f = withCorrections.files.find((x) => x.file === file)!;
      expect(f).toMatchObject({ quarantined: 0, rejected: false });
      expect(f.records).toBeGreaterThan(0);
      const lines = fs.readFileSync(path.join(dir, file), 'utf8').replace(/^\uFEFF/, '').trim().split(/\r\n/);
      expect(lines[0]).toBe(header);
      expect(lines.length - 1).toBe(f.records);
      for (const l of lines.slice(1)) {
        const id = l.split(',')[0]!.slice(0, file.startsWith('veterans') ? undefined : 18);
        expect(normalizeIdNumber(id).ok, l).toBe(true);
      }
    }
    expect(plain.files.some((f) => f.file.includes('roster'))).toBe(false);
  });

  it('sends some veterans payments first without their voucher, and corrects them with it', () => {
    const rows = (no: string) =>
      fs.readFileSync(path.join(dir, `veterans/assistance-${no}.csv`), 'utf8').replace(/^\uFEFF/, '').trim().split(/\r\n/).slice(1).map((l) => l.split(','));
    const corrected = rows('006');
    expect(corrected.length).toBeGreaterThan(0);
    const earlier = ['001', '002', '003', '004'].filter((n) => fs.existsSync(path.join(dir, `veterans/assistance-${n}.csv`))).flatMap(rows);
    // A corrected row with a voucher whose first delivery (same person, approval day) had none.
    const upgraded = corrected.filter((r) => r.at(-2) && earlier.some((e) => e[2] === r[2] && e[6] === r[6] && !e.at(-2)));
    expect(upgraded.length).toBeGreaterThan(0);
  });
});
