/** The `relief-hub` command as other systems call it: JSON summary on the last line, exit codes. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import iconv from 'iconv-lite';
import pg from 'pg';
import { testDbKind } from '../support/db.ts';
import { idNumber } from '../support/builders.ts';
import { sql } from 'drizzle-orm';
import { openDatabase, rows } from '../../src/db/client.ts';
import { Keys } from '../../src/access/auth.ts';
import { loadConfig } from '../../src/config.ts';
import { adapters } from '../../adapters/index.ts';
import type { Expected } from '../../generator/index.ts';

const run = promisify(execFile);
const BIN = path.resolve('bin/relief-hub.mjs');
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-cli-'));
  env = { ...(process.env as Record<string, string>), LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  if (testDbKind === 'postgres') {
    // A database of its own, so the CLI's migrations and data do not meet the suite's.
    const base = inject('databaseUrl');
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS relief_cli');
    await admin.query('CREATE DATABASE relief_cli');
    await admin.end();
    const url = new URL(base);
    url.pathname = '/relief_cli';
    env.DATABASE_URL = url.toString();
  } else {
    env.DATA_DIR = path.join(dir, 'data');
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

describe(`the relief-hub command (${testDbKind})`, () => {
  it('ingests a file and prints its summary as JSON on the last line; exit 2 when the file is refused whole', async () => {
    const a = idNumber(1);
    const good = path.join(dir, 'hardship-001.txt');
    fs.writeFileSync(good, iconv.encode(['H|UNION-HARDSHIP|20260401|1', `D|KN-1|${a}|王大明|120050|20260201|20260210|PZ-1||1`, 'T|1|120050'].join('\n'), 'gb18030'));
    const r = await cli(['ingest', 'union-hardship', good]);
    expect(r.code).toBe(0);
    expect(lastJson(r.stdout)).toMatchObject({ system: 'union-hardship', file: 'hardship-001.txt', records: 1, new: 1, updated: 0, unchanged: 0, quarantined: 0, rejected: false, reason: null });

    const bad = path.join(dir, 'hardship-002.txt');
    fs.writeFileSync(bad, iconv.encode(['H|UNION-HARDSHIP|20260401|1', `D|KN-2|${a}|王大明|100|20260201|20260210|PZ-2||1`, 'T|1|999'].join('\n'), 'gb18030'));
    const x = await cli(['ingest', 'union-hardship', bad]);
    expect(x.code).toBe(2);
    expect(lastJson(x.stdout)).toMatchObject({ records: 0, rejected: true, reason: 'INTEGRITY' });
  }, 120_000);

  it('prints the quarterly report as JSON or as CSV with a BOM', async () => {
    // The hardship file ingested above paid 1200.50 yuan on 2026-02-10: quarter 1.
    const json = await cli(['report', '--year', '2026', '--quarter', '1', '--format', 'json', '--group-by', 'agency']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { year: number; quarter: number; totals: { personTimes: number; amount: string }; rows: Array<{ agency: string }> };
    expect(report).toMatchObject({ year: 2026, quarter: 1, totals: { personTimes: 1, amount: '1200.50' }, rows: [{ agency: 'trade-unions' }] });
    const csv = await cli(['report', '--year', '2026', '--quarter', '1', '--format', 'csv']);
    expect(csv.code).toBe(0);
    expect(csv.stdout.charCodeAt(0)).toBe(0xfeff);
    expect(csv.stdout).toContain('人次 personTimes');
    const bad = await cli(['report', '--year', '2026', '--quarter', '1', '--format', 'xml']);
    expect(bad.code).toBe(1);
  }, 120_000);

  it('writes the report as XLSX, and publish writes the bundle, the same bytes when made again', async () => {
    const xlsx = path.join(dir, 'q1.xlsx');
    const r = await cli(['report', '--year', '2026', '--quarter', '1', '--format', 'xlsx', '--out', xlsx, '--group-by', 'city,category']);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(xlsx).subarray(0, 2).toString()).toBe('PK');
    expect(JSON.parse(r.stdout).sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await cli(['report', '--year', '2026', '--quarter', '1', '--format', 'xlsx'])).code).toBe(1);
    const a = await cli(['publish', '--year', '2026', '--quarter', '1', '--out', path.join(dir, 'bundle-a')]);
    expect(a.code).toBe(0);
    expect(lastJson(a.stdout)).toMatchObject({ year: 2026, quarter: 1, published: true, files: 6 });
    const b = await cli(['publish', '--year', '2026', '--quarter', '1', '--out', path.join(dir, 'bundle-b')]);
    expect(lastJson(b.stdout)).toMatchObject({ published: false, identical: true, files: 6 });
    const manifest = fs.readFileSync(path.join(dir, 'bundle-a', 'manifest.json'));
    expect(fs.readFileSync(path.join(dir, 'bundle-b', 'manifest.json')).equals(manifest)).toBe(true);
    expect(JSON.parse(manifest.toString()).files.map((f: { name: string }) => f.name)).toContain('relief-hub-2026Q1.xlsx');
  }, 180_000);

  it('refuses an unknown system naming the known ones, with exit 1', async () => {
    const r = await cli(['ingest', 'tax-office', path.join(dir, 'x.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('UNKNOWN_SYSTEM');
    expect(r.stderr).toContain('civil-affairs');
  }, 60_000);

  it('pulls through the generic pull: a system that delivers files is NOT_PULLED, an unknown one UNKNOWN_SYSTEM, both before any request', async () => {
    // Port 9 (discard) on loopback: nothing answers, so a request made would fail as PULL_FAILED, not as these codes
    const files = await cli(['pull', 'charity', '--base', 'http://127.0.0.1:9']);
    expect(files.code).toBe(1);
    expect(files.stderr).toContain('NOT_PULLED');
    expect(files.stderr).toContain('union-women');
    const unknown = await cli(['pull', 'tax-office', '--base', 'http://127.0.0.1:9']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('UNKNOWN_SYSTEM');
  }, 60_000);

  it('mints a bearer token that the hub verifies, alone on stdout', async () => {
    const r = await cli(['token', '--role', 'CASEWORKER', '--agency', 'civil-affairs', '--county', '460105', '--sub', 'cw-cli']);
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const database = await openDatabase({ databaseUrl: env.DATABASE_URL ?? null, dataDir: env.DATABASE_URL ? null : env.DATA_DIR! });
    try {
      const keys = await Keys.load(loadConfig(env), database);
      expect(await keys.verify(`Bearer ${token}`)).toEqual({ sub: 'cw-cli', role: 'CASEWORKER', agency: 'civil-affairs', county: '460105', system: null });
    } finally {
      await database.close();
    }
    const bad = await cli(['token', '--role', 'CASEWORKER']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--agency');
    // Claims are known codes, never patterns; a token lives at most a working day (a feed's 30 days).
    for (const [args, message] of [
      [['--role', 'CASEWORKER', '--agency', 'civil-affairs', '--county', '%'], 'unknown county'],
      [['--role', 'CASEWORKER', '--agency', 'civil-affairs', '--county', '46'], 'unknown county'],
      [['--role', 'CASEWORKER', '--agency', 'tax-office', '--county', '460105'], 'unknown agency'],
      [['--role', 'SOURCE_SYSTEM', '--system', 'tax-office'], 'unknown system'],
      [['--role', 'PLATFORM', '--ttl', '100y'], 'at most 12 hours'],
      [['--role', 'SOURCE_SYSTEM', '--system', 'charity', '--ttl', '31d'], 'at most 720 hours'],
    ] as const) {
      const refused = await cli(['token', ...args]);
      expect([refused.code, refused.stdout]).toEqual([1, '']);
      expect(refused.stderr).toContain(message);
    }
  }, 120_000);

  it('prints its usage, built from one file per command, on --help (exit 0), without a command (exit 1) and after an unknown one', async () => {
    // The commands of README "Command line", in its order; each is a file of src/cli/commands/.
    const commands = ['serve', 'migrate', 'ingest', 'load', 'rederive', 'pull', 'quarantine', 'demo', 'generate', 'report', 'publish', 'token', 'systems', 'export-to-postgres', 'schema'];
    expect(fs.readdirSync(path.resolve('src/cli/commands')).sort()).toEqual(commands.map((c) => `${c}.ts`).sort());
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    const listed = help.stdout.split('\n').filter((l) => /^ {2}[a-z]/.test(l)).map((l) => l.trim().split(' ')[0]);
    expect(listed).toEqual(commands);
    expect(help.stdout).toMatch(/^relief-hub <command> \[options\]\n\nCommands:\n/);
    expect(help.stdout).toContain('Configuration (environment): DATABASE_URL');
    const bare = await cli([]);
    expect([bare.code, bare.stdout]).toEqual([1, help.stdout]);
    const unknown = await cli(['frobnicate']);
    expect([unknown.code, unknown.stdout]).toEqual([1, '']);
    expect(unknown.stderr).toBe(`unknown command "frobnicate"\n\n${help.stdout}`);
    // A command's own options are checked before it does anything.
    const option = await cli(['serve', '--bogus']);
    expect(option.code).toBe(1);
    expect(option.stderr).toContain("Unknown option '--bogus'");
  }, 60_000);

  it('lists the source systems of the registry, and migrates saying on which database', async () => {
    const r = await cli(['systems']);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual(adapters.map((a) => [a.code, a.agency, a.programs.map((p) => p.code).join(',') || '-', a.title].join('\t')));
    const m = await cli(['migrate']);
    expect([m.code, m.stdout]).toEqual([0, `migrations applied (${testDbKind})\n`]);
  }, 60_000);

  it('generates a province, loads it in one batch (exit 2: it holds files planted to be refused) and lists what was quarantined', async () => {
    const out = path.join(dir, 'province');
    const missing = await cli(['generate', '--persons', '60']);
    expect([missing.code, missing.stderr]).toEqual([1, '--out is required\n']);
    const notNumber = await cli(['generate', '--persons', 'sixty', '--out', out]);
    expect([notNumber.code, notNumber.stderr]).toEqual([1, '--persons must be a whole number, got "sixty"\n']);
    const g = await cli(['generate', '--persons', '60', '--seed', '3', '--out', out]);
    expect(g.code).toBe(0);
    const expected = JSON.parse(fs.readFileSync(path.join(out, 'expected.json'), 'utf8')) as Expected;
    expect(expected.generatedFor.persons).toBe(60);
    expect(lastJson(g.stdout)).toEqual({ out, persons: expected.persons, files: expected.files.length });

    const l = await cli(['load', out]);
    expect(l.code).toBe(2);
    const lines = l.stdout.trim().split('\n').map((x) => JSON.parse(x) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ files: expected.files.length, records: expected.files.filter((f) => !f.rejected).reduce((n, f) => n + f.records, 0), rejected: expected.rejectedFiles.length });
    expect(lines.slice(0, -1).filter((f) => f.rejected).map((f) => `${f.system}/${f.file}:${f.reason}`).sort()).toEqual(
      expected.rejectedFiles.map((f) => `${f.system}/${path.basename(f.file)}:${f.reason}`).sort(),
    );

    // The load vacuumed the aid table after it committed: its pages are marked all-visible (only VACUUM sets the
    // visibility map; ANALYZE merely counts it), so the first reports read the quarter's aid from the index alone.
    const database = await openDatabase({ databaseUrl: env.DATABASE_URL ?? null, dataDir: env.DATABASE_URL ? null : env.DATA_DIR! });
    try {
      const vm = await rows<{ pages: number; visible: number }>(database.db, sql`SELECT relpages AS pages, relallvisible AS visible FROM pg_class WHERE relname = 'aid_records'`);
      expect(vm[0]!.pages).toBeGreaterThan(0);
      expect(vm[0]!.visible).toBeGreaterThan(0);
    } finally {
      await database.close();
    }

    // Deriving everything again finds nothing to flag: the load left the database derived.
    const r = await cli(['rederive']);
    expect(r.code).toBe(0);
    expect(lastJson(r.stdout)).toMatchObject({ persons: 'all', duplicates: 0, suspectedDuplicates: 0 });

    const q = await cli(['quarantine', '--limit', '3']);
    expect(q.code).toBe(0);
    const items = q.stdout.trim().split('\n').map((x) => JSON.parse(x) as { system: string; reason: string; raw: string });
    expect(items).toHaveLength(3);
    for (const item of items) expect(Object.keys(expected.quarantined.byReason)).toContain(item.reason);
    // (on PostgreSQL a warning about DATABASE_OWNER_URL comes first)
    expect(q.stderr.trimEnd().split('\n').at(-1)).toBe(`3 of ${expected.quarantined.total} quarantined records shown`);
  }, 240_000);

  it('stops on a wrong configuration value, naming the variable', async () => {
    const r = await run(process.execPath, [BIN, 'migrate'], { env: { ...env, PORT: 'eighty' }, encoding: 'utf8' }).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(1);
    expect((r as { stderr: string }).stderr).toContain('PORT');
  }, 60_000);
});
