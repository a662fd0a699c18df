/**
 * The report's files: one file of a document (XLSX, a CSV section, JSON), and the bundle every member unit
 * receives for a published quarter — the workbook, each CSV section, the JSON and `manifest.json` with the
 * SHA-256 of each. Rendering only: the same document gives the same bytes (publishing: publish.ts).
 */
import crypto from 'node:crypto';
import type { ReportDocument } from './document.ts';
import { documentCsv, SECTIONS, type Section } from './format.ts';
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
export interface BundleManifest {
  report: string;
  year: number;
  quarter: number;
  publishedAt: string | null;
  suppression: boolean;
  files: Array<{ name: string; bytes: number; sha256: string }>;
}

export async function bundleFiles(doc: ReportDocument): Promise<{ files: ReportFile[]; manifest: BundleManifest }> {
  const files = [await documentFile(doc, 'xlsx'), ...(await Promise.all(SECTIONS.map((s) => documentFile(doc, 'csv', s)))), await documentFile(doc, 'json')];
  const manifest: BundleManifest = {
    report: `${doc.year}年第${doc.quarter}季度医疗救助资金使用情况通报`,
    year: doc.year,
    quarter: doc.quarter,
    publishedAt: doc.publishedAt,
    suppression: doc.suppression,
    files: files.map((f) => ({ name: f.filename, bytes: f.bytes.length, sha256: f.sha256 })),
  };
  return { files: [...files, file('manifest.json', 'application/json', Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8'))], manifest };
}

/** The files of a bundle made again whose bytes are not those issued (or that were not issued at all). */
export function differingFiles(issued: BundleManifest, made: BundleManifest): string[] {
  const was = new Map(issued.files.map((f) => [f.name, f.sha256]));
  const now = new Set(made.files.map((f) => f.name));
  return [...made.files.filter((f) => was.get(f.name) !== f.sha256).map((f) => f.name), ...issued.files.filter((f) => !now.has(f.name)).map((f) => f.name)];
}
