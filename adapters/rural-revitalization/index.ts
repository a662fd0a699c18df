/**
 * `rural-revitalization` — 农村低收入人口帮扶 (Rural Revitalization Bureau): one XLSX workbook per county
 * (sources.md §4). Sheet 监测对象 lists the monitored households and their members; sheet 帮扶记录 the aid paid.
 * Row 1 of each sheet is a merged title, row 2 the header, data from row 3.
 *
 * The workbook is read by src/formats/xlsx.ts, one row at a time, so a large county's ledger never sits in
 * memory inflated; every part of it is read within the bounds of src/formats/limits.ts. A workbook that cannot be unzipped or lacks a sheet's columns is refused whole
 * (MALFORMED) while it is read: the pipeline applies a file in one transaction, so nothing of it is kept.
 * There is no separate verify(): an XLSX carries no integrity check of its own, and a second full unzip
 * would double the cost of the slowest format.
 */
import type { Adapter, ByteInput, Fact, MapContext, MapOutcome, PersonRef, SourceRecord } from '../../src/ingest/adapter.ts';
import { FileRejectedError, detailsOf } from '../../src/ingest/adapter.ts';
import { readXlsxRows, xlsxBytes, XlsxError, type XlsxCell } from '../../src/formats/xlsx.ts';
import { Fields, mapRecord, refuse } from '../../src/ingest/fields.ts';
import { normalizeHeader } from '../../src/formats/text.ts';
import { toHalfWidth } from '../../src/identity/id-number.ts';

const PROGRAM = 'RURAL_MEDICAL_SUPPORT';

export const MONITORED_SHEET = '监测对象';
export const AID_SHEET = '帮扶记录';

const MONITORED_COLUMNS = ['户编号', '身份证号', '姓名', '与户主关系', '监测类型', '纳入日期', '风险消除日期', '家庭人均纯收入(元)', '县(市、区)代码'] as const;
const AID_COLUMNS = ['记录ID', '身份证号', '姓名', '帮扶项目', '金额(元)', '发放日期', '凭证号', '备注'] as const;

const SHEETS: Record<string, readonly string[]> = { [MONITORED_SHEET]: MONITORED_COLUMNS, [AID_SHEET]: AID_COLUMNS };

/** A cell as the mapper sees it: text, a number, a boolean, or a Date for a date-formatted number. */
export type Cell = XlsxCell;

export interface RuralRow {
  sheet: typeof MONITORED_SHEET | typeof AID_SHEET;
  /** Cells by the canonical header of their column. */
  fields: Record<string, Cell>;
}


function isEmpty(c: Cell): boolean {
  return c === null || (typeof c === 'string' && c.trim() === '');
}

async function* readWorkbook(input: ByteInput): AsyncGenerator<SourceRecord<RuralRow>> {
  const malformed = (message: string) => new FileRejectedError('MALFORMED', `${input.name}: ${message}`);
  // A zip is read from its central directory at the end: the compressed bytes are held (not inflated) and
  // each sheet is inflated and parsed as a stream (src/formats/xlsx.ts).
  let known = 0;
  let sheetName: string | null = null;
  let columns: Map<string, number> | null = null;
  const finishSheet = () => {
    if (sheetName !== null && SHEETS[sheetName]) {
      known++;
      if (!columns) throw malformed(`sheet ${sheetName} has no header in row 2`);
    }
  };
  try {
    // Held compressed up to limits.maxXlsxFileBytes; everything inflated is bounded (src/formats/limits.ts).
    const bytes = await xlsxBytes(input.open());
    for await (const row of readXlsxRows(bytes)) {
      if (row.sheet !== sheetName) {
        finishSheet();
        sheetName = row.sheet;
        columns = null;
      }
      const expected = SHEETS[row.sheet];
      // Other sheets (notes, pivot summaries) are passed over; row 1 is the merged title.
      if (!expected || row.row === 1) continue;
      const values = row.values;
      if (!columns) {
        if (row.row !== 2) throw malformed(`sheet ${row.sheet} has no header in row 2`);
        // Headers are matched after the usual drift: full-width brackets, stray spaces.
        columns = new Map(values.map((v, i) => [normalizeHeader(String(v ?? '')), i] as const));
        const missing = expected.filter((h) => !columns!.has(normalizeHeader(h)));
        if (missing.length > 0) throw malformed(`sheet ${row.sheet} lacks column(s) ${missing.join(', ')}`);
        continue;
      }
      if (values.every(isEmpty)) continue;
      const fields: Record<string, Cell> = {};
      for (const h of expected) fields[h] = values[columns.get(normalizeHeader(h))!] ?? null;
      yield {
        location: { file: input.name, sheet: row.sheet, row: row.row },
        raw: JSON.stringify(values),
        value: { sheet: row.sheet as RuralRow['sheet'], fields },
      };
    }
    finishSheet();
  } catch (e) {
    if (e instanceof FileRejectedError) throw e;
    if (e instanceof XlsxError) throw malformed(`not a readable XLSX workbook: ${e.message}`);
    throw e;
  }
  if (known === 0) throw malformed(`the workbook has neither sheet ${MONITORED_SHEET} nor sheet ${AID_SHEET}`);
}

/** The settlement id lives only in 备注 free text: `住院救助 结算单号:H46010200001-2026-000123` (either colon). */
export function settlementIdInRemark(remark: string | null): string | null {
  if (remark === null) return null;
  const m = /结算单号\s*:?\s*([0-9A-Za-z][0-9A-Za-z-]*)/.exec(toHalfWidth(remark));
  return m ? m[1]! : null;
}

const MONITORING_TYPES = { 脱贫不稳定户: '脱贫不稳定户', 边缘易致贫户: '边缘易致贫户', 突发严重困难户: '突发严重困难户' } as const;

function mapMonitored(cells: Record<string, Cell>, ctx: MapContext): MapOutcome {
  return mapRecord((known) => {
    const f = new Fields(cells, ctx);
    const household = f.required('户编号');
    const idNumber = f.idNumber('身份证号');
    const validFrom = f.date('纳入日期');
    const recordId = known(`monitor:${household}:${idNumber}:${validFrom}`);
    const monitoringType = f.choice('监测类型', MONITORING_TYPES);
    const validTo = f.optionalDate('风险消除日期');
    if (validTo !== null && validTo < validFrom) refuse('BAD_DATE', `风险消除日期 ${validTo} is before 纳入日期 ${validFrom}`);
    const perCapitaIncomeFen = f.optionalYuan('家庭人均纯收入(元)');
    // The code as written: the bureau's sheets carry plain digits (no full-width normalisation here).
    const countyCode = f.text('县(市、区)代码');
    if (countyCode !== null && !/^\d{6}$/.test(countyCode)) refuse('BAD_VALUE', `县(市、区)代码 "${countyCode}" is not a 6-digit county code`);
    const person: PersonRef = { idNumber, name: f.asReceived('姓名') };
    const facts: Fact[] = [
      {
        kind: 'membership',
        householdKey: `rural:${household}`,
        person,
        relationship: f.text('与户主关系'),
        perCapitaIncomeFen,
        asOf: validFrom,
        countyCode,
      },
      { kind: 'status', person, category: 'RURAL_MONITORED', validFrom, validTo, countyCode, detail: { 监测类型: monitoringType } },
    ];
    if (countyCode !== null) facts.push({ kind: 'residence', person, countyCode, asOf: validFrom });
    return { recordId, facts };
  });
}

function mapAid(cells: Record<string, Cell>, ctx: MapContext): MapOutcome {
  return mapRecord((known) => {
    const f = new Fields(cells, ctx);
    const recordId = known(f.required('记录ID'));
    const idNumber = f.idNumber('身份证号');
    const amountFen = f.yuan('金额(元)');
    const paidOn = f.date('发放日期');
    const remark = f.text('备注');
    return {
      recordId,
      facts: [
        {
          kind: 'aid',
          person: { idNumber, name: f.asReceived('姓名') },
          program: PROGRAM,
          amountFen,
          approvedOn: null,
          paidOn,
          status: 'PAID',
          voucher: f.text('凭证号'),
          settlementRef: settlementIdInRemark(remark),
          hospitalCode: null,
          details: { project: f.text('帮扶项目'), remark },
        },
      ],
    };
  });
}

const sdl = /* GraphQL */ `
  extend type AidRecord {
    """
    The rural revitalization ledger entry (帮扶记录) behind this aid, when it was paid as rural medical support;
    null for aid of other systems.
    """
    ruralRevitalization: RuralSupportDetail
  }

  """An entry of a county's rural low-income population support ledger (农村低收入人口帮扶台账)."""
  type RuralSupportDetail {
    """The support item (帮扶项目) as the county wrote it, e.g. 住院救助."""
    project: String
    """The remark (备注) as written; the settlement id, when known, was read from it."""
    remark: String
  }
`;

export const ruralRevitalization: Adapter<RuralRow> = {
  code: 'rural-revitalization',
  agency: 'rural-revitalization',
  title: '农村低收入人口帮扶',
  programs: [{ code: PROGRAM, title: '农村低收入人口医疗帮扶' }],
  format: 'XLSX workbook per county: sheets 监测对象 (monitored households) and 帮扶记录 (aid paid); title row, header row 2',
  binary: true,
  read: readWorkbook,
  map: (rec, ctx) => (rec.value.sheet === MONITORED_SHEET ? mapMonitored(rec.value.fields, ctx) : mapAid(rec.value.fields, ctx)),
  sdl,
  resolvers: {
    AidRecord: {
      ruralRevitalization: detailsOf('rural-revitalization'),
    },
  },
};
