/** Ingest entry points shared by the CLI and the GraphQL mutation. */
import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { adapters, requireAdapter } from '../../adapters/index.ts';
import type { Database } from '../db/client.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import type { ByteInput } from './adapter.ts';
import { bufferInput } from '../formats/text.ts';
import { hasLoneSurrogate } from '../identity/text.ts';
import { ingest, ingestBatch, ingestSource, inputSource, type BatchSummary, type IngestOptions, type IngestSummary } from './pipeline.ts';
import { vacuumAfterLoad } from './store.ts';

/** The registry's one lookup, re-exported for the callers that import it from here (the CLI). */

export function fileInput(file: string): ByteInput {
  const name = path.basename(file);
  return { name, open: () => fs.createReadStream(file) };
}

/** Bytes in memory as an input (the GraphQL mutation, tests). */
export { bufferInput };

/** A system's export file, checked to exist, as its adapter and record source. */
export function exportFile(system: string, file: string) {
  const adapter = requireAdapter(system);
  if (!fs.existsSync(file)) throw new HubError(ErrorCode.NOT_FOUND, `no such file: ${file}`);
  return { adapter, source: inputSource(adapter, fileInput(file)) };
}

export async function ingestFile(database: Database, system: string, file: string, opts: IngestOptions = {}): Promise<IngestSummary> {
  const { adapter, source } = exportFile(system, file);
  return ingestSource(database, adapter, source, opts);
}

/** Several files, in the order given, in one transaction with one derivation at the end (`ingestBatch`). */
export async function ingestFiles(database: Database, files: Array<{ system: string; file: string }>, opts: IngestOptions = {}): Promise<BatchSummary> {
  return ingestBatch(database, files.map((f) => exportFile(f.system, f.file)), opts);
}

/**
 * A bulk load (`relief-hub load`): the files in one batch (`ingestFiles`), then, once it has committed, the aid
 * table vacuumed (`vacuumAfterLoad`), so that the first reports after a load read the quarter from the index alone.
 */
export async function loadFiles(database: Database, files: Array<{ system: string; file: string }>, opts: IngestOptions = {}): Promise<BatchSummary> {
  const batch = await ingestFiles(database, files, opts);
  await vacuumAfterLoad(database.db);
  return batch;
}

/**
 * The exports under `dir/<system>/` for every known system, systems in registry order and each system's files
 * in name order (the sources number their exports, so a correction comes after what it corrects). Other
 * folders and files (`expected.json`) are left alone.
 */
export function exportsIn(dir: string): Array<{ system: string; file: string }> {
  const out: Array<{ system: string; file: string }> = [];
  for (const a of adapters) {
    const sub = path.join(dir, a.code);
    if (!fs.existsSync(sub) || !fs.statSync(sub).isDirectory()) continue;
    for (const name of fs.readdirSync(sub).sort()) {
      const file = path.join(sub, name);
      if (fs.statSync(file).isFile()) out.push({ system: a.code, file });
    }
  }
  return out;
}

/** Content of the `ingest` mutation: text (re-encoded to the system's encoding) or base64 bytes. */
export async function ingestContent(
  database: Database,
  system: string,
  content: string,
  encoding: 'TEXT' | 'BASE64',
  fileName: string | null,
  opts: IngestOptions = {},
): Promise<IngestSummary> {
  const adapter = requireAdapter(system);
  let buf: Buffer;
  if (encoding === 'BASE64') {
    if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(content)) throw new HubError(ErrorCode.INVALID_CONTENT, 'content is not valid base64');
    buf = Buffer.from(content, 'base64');
  } else {
    if (adapter.binary) throw new HubError(ErrorCode.INVALID_CONTENT, `${system} files are binary (XLSX): send them with encoding BASE64`);
    // A lone surrogate has no encoding: encoded, it would silently become U+FFFD (or "?"). Bytes that are not
    // text travel as BASE64, where the reader quarantines them with their bytes.
    if (hasLoneSurrogate(content)) throw new HubError(ErrorCode.INVALID_CONTENT, 'content holds a lone UTF-16 surrogate, which is no text: send the bytes with encoding BASE64');
    buf = adapter.encoding === 'gb18030' ? iconv.encode(content, 'gb18030') : Buffer.from(content, 'utf8');
  }
  const name = fileName?.trim() || `graphql-${new Date().toISOString()}`;
  // The name is stored with every record it brings: a name no database text holds is the client's mistake.
  if (name.length > 255 || /[\u0000-\u001f\u007f]/.test(name) || hasLoneSurrogate(name)) {
    throw new HubError(ErrorCode.BAD_USER_INPUT, 'fileName must be at most 255 characters of text, without control characters', { argument: 'fileName' });
  }
  return ingest(database, adapter, bufferInput(name, buf), opts);
}

export function describeSystems() {
  return adapters.map((a) => ({ code: a.code, agency: a.agency, title: a.title, format: a.format, programs: a.programs }));
}
