/**
 * Publishing freezes a quarter: the report as issued is stored (once; it cannot be changed or issued again),
 * and what every member unit received is read back exactly. Data that arrives later for a published quarter
 * is not a silent change: later reports list it as adjustments — the live figures of the published quarter
 * less the issued ones, row by row.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/client.ts';
import * as store from './store.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import { reportJson } from './format.ts';
import { quarterlyReport, quarterRange, type Dimension } from './quarterly.ts';
import { DEFAULT_GROUPING, reportDocument, type ReportDocument } from './document.ts';
import { bundleFiles, differingFiles, type BundleManifest, type ReportFile } from './bundle.ts';

export type ReportJson = ReturnType<typeof reportJson>;
export const PUBLISHED_GROUPING: Dimension[] = DEFAULT_GROUPING;

export interface Published {
  year: number;
  quarter: number;
  groupBy: string[];
  report: ReportJson;
  publishedAt: string;
  publishedBy: string;
  /** The document every member unit received (small cells suppressed); null for quarters published before it was kept. */
  document: ReportDocument | null;
  /** The manifest of the bundle as issued. */
  manifest: BundleManifest | null;
}

export async function publishedReport(db: Db, year: number, quarter: number): Promise<Published | null> {
  const x = await store.publishedRow(db, year, quarter);
  return x ? { year: Number(x.year), quarter: Number(x.quarter), groupBy: x.group_by, report: x.report as ReportJson, publishedAt: x.at, publishedBy: x.by, document: x.document as ReportDocument | null, manifest: x.manifest as BundleManifest | null } : null;
}

export async function publishQuarter(db: Db, year: number, quarter: number, actor: string, now: Date = new Date()): Promise<Published> {
  const { nextFrom } = quarterRange(year, quarter);
  if (new Date(`${nextFrom}T00:00:00+08:00`).getTime() > now.getTime()) {
    throw new HubError(ErrorCode.BAD_USER_INPUT, `${year} Q${quarter} has not ended yet`, { argument: 'quarter' });
  }
  if (await publishedReport(db, year, quarter)) throw new HubError(ErrorCode.BAD_USER_INPUT, `${year} Q${quarter} is already published`, { argument: 'quarter' });
  const report = reportJson(await quarterlyReport(db, year, quarter, PUBLISHED_GROUPING));
  // The publication instant is the document's "generated at" and the files' time stamps (kept to the millisecond,
  // as the database keeps it), so that the bundle can be made again byte for byte.
  const publishedAt = new Date(Math.floor(now.getTime())).toISOString();
  const document = await reportDocument(db, year, quarter, { groupBy: PUBLISHED_GROUPING, suppress: true, publishedAt });
  const { manifest } = await bundleFiles(document);
  await store.insertPublished(db, { year, quarter, groupBy: PUBLISHED_GROUPING, report, publishedBy: actor, publishedAt, document, manifest });
  return (await publishedReport(db, year, quarter))!;
}

export interface Adjustment {
  year: number;
  quarter: number;
  agency: string | null;
  program: string | null;
  personTimes: number;
  amount: bigint;
  duplicateCount: number;
  duplicateAmount: bigint;
  excess: bigint;
}

const fen = (yuan: string) => BigInt(yuan.replace('.', ''));

/** What changed in published quarters before this one since they were issued, by agency and program. */
export async function adjustmentsBefore(db: Db, year: number, quarter: number): Promise<Adjustment[]> {
  const published = await store.publishedBefore(db, year, quarter);
  const out: Adjustment[] = [];
  for (const p of published) {
    const issued = (await publishedReport(db, Number(p.year), Number(p.quarter)))!.report;
    const live = reportJson(await quarterlyReport(db, Number(p.year), Number(p.quarter), PUBLISHED_GROUPING));
    const key = (r: { agency: string | null; program: string | null }) => `${r.agency}|${r.program}`;
    const before = new Map(issued.rows.map((r) => [key(r), r]));
    const keys = new Set([...issued.rows.map(key), ...live.rows.map(key)]);
    const now = new Map(live.rows.map((r) => [key(r), r]));
    for (const k of [...keys].sort()) {
      const a = now.get(k);
      const b = before.get(k);
      const d: Adjustment = {
        year: Number(p.year),
        quarter: Number(p.quarter),
        agency: (a ?? b)!.agency,
        program: (a ?? b)!.program,
        personTimes: (a?.personTimes ?? 0) - (b?.personTimes ?? 0),
        amount: fen(a?.amount ?? '0.00') - fen(b?.amount ?? '0.00'),
        duplicateCount: (a?.duplicateCount ?? 0) - (b?.duplicateCount ?? 0),
        duplicateAmount: fen(a?.duplicateAmount ?? '0.00') - fen(b?.duplicateAmount ?? '0.00'),
        excess: fen(a?.excess ?? '0.00') - fen(b?.excess ?? '0.00'),
      };
      if (d.personTimes || d.amount || d.duplicateCount || d.duplicateAmount || d.excess) out.push(d);
    }
  }
  return out;
}

/** The stored document of a published quarter; NOT_FOUND when it is not published (or published without one). */
export async function publishedDocument(db: Db, year: number, quarter: number): Promise<Published & { document: ReportDocument }> {
  const p = await publishedReport(db, year, quarter);
  if (!p) throw new HubError(ErrorCode.NOT_FOUND, `${year} Q${quarter} is not published`, { argument: 'quarter' });
  if (!p.document) throw new HubError(ErrorCode.NOT_FOUND, `${year} Q${quarter} was published before report documents were kept; its bundle cannot be made`, { argument: 'quarter' });
  return p as Published & { document: ReportDocument };
}

/**
 * `relief-hub publish`: freezes the quarter when it is not published yet (as the mutation does), then writes
 * the bundle into `dir`. A published quarter is not published again: its bundle is made again from the stored
 * document and checked against the manifest as issued; `identical` is false (and nothing is written) when this
 * version of the hub renders it differently.
 */
export async function publishBundle(
  db: Db,
  year: number,
  quarter: number,
  dir: string,
  actor: string,
  now: Date = new Date(),
): Promise<{ published: boolean; identical: boolean; files: ReportFile[]; differing: string[] }> {
  let published = false;
  if (!(await publishedReport(db, year, quarter))) {
    await publishQuarter(db, year, quarter, actor, now);
    published = true;
  }
  const p = await publishedDocument(db, year, quarter);
  const { files, manifest } = await bundleFiles(p.document);
  const differing = differingFiles(p.manifest ?? manifest, manifest);
  if (differing.length > 0) return { published, identical: false, files, differing };
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) fs.writeFileSync(path.join(dir, f.filename), f.bytes);
  return { published, identical: true, files, differing };
}
