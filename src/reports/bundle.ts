/**
 * The report's files: one file of a document (XLSX, a CSV section, JSON), and the bundle every member unit
 * receives for a published quarter — the workbook, each CSV section, the JSON and `manifest.json` with the
 * SHA-256 of each — made from the document stored at publication, so it is the same bytes for every unit
 * and every time it is made again.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/client.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import type { ReportDocument } from './document.ts';
import { documentCsv, SECTIONS, type Section } from './format.ts';
import { publishedReport, publishQuarter } from './publish.ts';
import { reportXlsx } from './xlsx.ts';

export type FileFormat = 'xlsx' | 'csv' | 'json';

export interface ReportFile {
  filename: string;
  contentType: string;
  bytes: Buffer;
  sha256: string;
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

function file(filename: string, contentType: string, bytes: Buffer): ReportFile {
  return { filename, contentType, bytes, sha256: sha256(bytes) };
}

/** One rendering of a document. CSV is one section per file (summary unless asked). */
export async function documentFile(doc: ReportDocument, format: FileFormat, section: Section = 'summary'): Promise<ReportFile> {
  const stem = `relief-hub-${doc.year}Q${doc.quarter}`;
  switch (format) {
    case 'xlsx':
      return file(`${stem}.xlsx`, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', await reportXlsx(doc));
    case 'csv':
      return file(`${stem}-${section}.csv`, 'text/csv; charset=utf-8', Buffer.from(documentCsv(doc, section), 'utf8'));
    case 'json':
      return file(`${stem}.json`, 'application/json', Buffer.from(JSON.stringify(doc, null, 2) + '\n', 'utf8'));
  }
}

/** The distribution bundle of a document: the files and their manifest. */
export async function bundleFiles(doc: ReportDocument): Promise<ReportFile[]> {
  const files = [await documentFile(doc, 'xlsx'), ...(await Promise.all(SECTIONS.map((s) => documentFile(doc, 'csv', s)))), await documentFile(doc, 'json')];
  const manifest = {
    report: `${doc.year}年第${doc.quarter}季度医疗救助资金使用情况通报`,
    year: doc.year,
    quarter: doc.quarter,
    publishedAt: doc.publishedAt,
    suppression: doc.suppression,
    files: files.map((f) => ({ name: f.filename, bytes: f.bytes.length, sha256: f.sha256 })),
  };
  return [...files, file('manifest.json', 'application/json', Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8'))];
}

/** The stored document of a published quarter; NOT_FOUND when it is not published (or published without one). */
export async function publishedDocument(db: Db, year: number, quarter: number): Promise<ReportDocument> {
  const p = await publishedReport(db, year, quarter);
  if (!p) throw new HubError(ErrorCode.NOT_FOUND, `${year} Q${quarter} is not published`, { argument: 'quarter' });
  if (!p.document) throw new HubError(ErrorCode.NOT_FOUND, `${year} Q${quarter} was published before report documents were kept; its bundle cannot be made`, { argument: 'quarter' });
  return p.document;
}

/**
 * `relief-hub publish`: freezes the quarter when it is not published yet (as the mutation does), then writes
 * the bundle into `dir`. A published quarter is not published again: its bundle is made again, byte for byte.
 */
export async function publishBundle(db: Db, year: number, quarter: number, dir: string, actor: string, now: Date = new Date()): Promise<{ published: boolean; files: ReportFile[] }> {
  let published = false;
  if (!(await publishedReport(db, year, quarter))) {
    await publishQuarter(db, year, quarter, actor, now);
    published = true;
  }
  const files = await bundleFiles(await publishedDocument(db, year, quarter));
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) fs.writeFileSync(path.join(dir, f.filename), f.bytes);
  return { published, files };
}
