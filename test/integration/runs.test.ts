/**
 * Ingest runs whose process is gone (issue 14): a run left RUNNING by a killed process is marked ABORTED by
 * the next sweep (at start-up, or when a run starts), under each database's liveness rule; a run whose ingest
 * failed is ABORTED by its own process. `ingestRuns` lists them. (A real kill -9 is in data-dir.test.ts.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest, ingestSource } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { RUN_OWNER } from '../../src/ingest/runs.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub, type TestHub } from '../support/hub.ts';
import { civilStatusFile, idNumber } from '../support/builders.ts';

let database: Database;
let hub: TestHub;
const now = new Date('2026-11-01T00:00:00+08:00');

beforeAll(async () => {
  database = await testDatabase();
  hub = await startTestHub(database);
});
afterAll(async () => hub?.close());
beforeEach(async () => resetDatabase(database));

type Run = { id: string; file: string; status: string; reason: string | null; message: string | null; finishedAt: string | null };
async function runs(status?: string): Promise<Run[]> {
  const r = await gql<{ ingestRuns: { totalCount: number; edges: Array<{ node: Run }> } }>(
    hub.url,
    'query($s: IngestRunStatus) { ingestRuns(status: $s, first: 100) { totalCount edges { node { id file status reason message finishedAt } } } }',
    status ? { s: status } : {},
  );
  expect(r.body.errors).toBeUndefined();
  return r.body.data!.ingestRuns.edges.map((e) => e.node);
}

/** A run as another process left it: RUNNING, its heartbeat `ageS` seconds old. */
async function orphan(file: string, owner: string, ageS: number): Promise<void> {
  await database.db.execute(sql`INSERT INTO ingest_runs (system, file, owner, started_at, heartbeat_at)
    VALUES ('civil-affairs', ${file}, ${owner}, now() - make_interval(secs => ${ageS}), now() - make_interval(secs => ${ageS}))`);
}

describe(`ingest runs whose process is gone (${testDbKind})`, () => {
  it('a new run aborts runs of processes that are gone, under the database\'s liveness rule, and lists them', async () => {
    await orphan('killed.csv', 'elsewhere:4242:dead0000', 600);
    await orphan('alive.csv', 'elsewhere:4343:alive000', 1);
    await database.db.execute(sql`INSERT INTO ingest_runs (system, file, started_at) VALUES ('civil-affairs', 'before-owners.csv', now() - interval '1 day')`);
    expect((await runs('RUNNING')).map((r) => r.file).sort()).toEqual(['alive.csv', 'before-owners.csv', 'killed.csv']);

    const file = civilStatusFile([{ householder: idNumber(5), member: idNumber(5) }]);
    const r = await gql(hub.url, 'mutation($c: String!) { ingest(system: "civil-affairs", content: $c, encoding: BASE64, fileName: "new.csv") { records } }', { c: file.toString('base64') });
    expect(r.body.errors).toBeUndefined();

    const all = new Map((await runs()).map((x) => [x.file, x]));
    expect(all.get('new.csv')!.status).toBe('FINISHED');
    for (const f of ['killed.csv', 'before-owners.csv']) {
      expect(all.get(f)).toMatchObject({ status: 'ABORTED', reason: 'ABORTED' });
      expect(all.get(f)!.finishedAt).not.toBeNull();
      expect(all.get(f)!.message).toMatch(/stopped before it finished/);
    }
    // On PostgreSQL another instance may be running it: its fresh heartbeat keeps it. Embedded PGlite is one
    // process at a time (DATA_DIR is locked), so another owner's run there cannot be alive.
    expect(all.get('alive.csv')!.status).toBe(testDbKind === 'postgres' ? 'RUNNING' : 'ABORTED');
  });

  it('never aborts this process\'s own running runs', async () => {
    await orphan('mine.csv', RUN_OWNER, 600);
    await ingest(database, adapterFor('civil-affairs')!, bufferInput('other.csv', civilStatusFile([{ householder: idNumber(6), member: idNumber(6) }])), { now });
    expect((await runs('RUNNING')).map((r) => r.file)).toEqual(['mine.csv']);
  });

  it('a run whose ingest failed is ABORTED by its own process, and applied nothing', async () => {
    const count = async () => (await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM persons`))[0]!.n;
    const before = await count();
    const adapter = adapterFor('civil-affairs')!;
    const good = adapter.read(bufferInput('s.csv', civilStatusFile(Array.from({ length: 30 }, (_, i) => ({ householder: idNumber(100 + i), member: idNumber(100 + i) })))));
    const failing = {
      name: 'disk-fault.csv',
      async *records() {
        let n = 0;
        for await (const r of good) {
          if (++n === 20) throw new Error('EIO: i/o error, read');
          yield r;
        }
      },
    };
    await expect(ingestSource(database, adapter, failing, { now, batchSize: 5 })).rejects.toThrow(/EIO/);
    const [run] = await runs();
    expect(run).toMatchObject({ file: 'disk-fault.csv', status: 'ABORTED', reason: 'ABORTED' });
    expect(run!.message).toMatch(/failed and applied nothing.*EIO/);
    expect(await count()).toBe(before);
  });
});
