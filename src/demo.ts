/**
 * Demo data: a small synthetic province from the generator, ingested file by file, so that a newcomer sees a
 * populated hub.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { rows, type Database } from './db/client.ts';
import { generateProvince } from '../bench/generator/index.ts';
import { ingestFile } from './ingest/service.ts';
import type { IngestSummary } from './ingest/pipeline.ts';

export async function isEmpty(database: Database): Promise<boolean> {
  const r = await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM ingest_runs`);
  return r[0]!.n === '0';
}

/** Lists a generated province's files in delivery order: `<system>/<file>` sorted by name within each system. */
export function provinceFiles(dir: string): Array<{ system: string; file: string }> {
  const out: Array<{ system: string; file: string }> = [];
  for (const system of fs.readdirSync(dir).sort()) {
    const sub = path.join(dir, system);
    if (!fs.statSync(sub).isDirectory()) continue;
    for (const f of fs.readdirSync(sub).sort()) out.push({ system, file: path.join(sub, f) });
  }
  return out;
}

export async function loadDemo(database: Database, opts: { persons?: number; seed?: number } = {}): Promise<IngestSummary[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-demo-'));
  try {
    await generateProvince({ persons: opts.persons ?? 300, seed: opts.seed ?? 7, out: dir });
    const out: IngestSummary[] = [];
    for (const { system, file } of provinceFiles(dir)) out.push(await ingestFile(database, system, file));
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
