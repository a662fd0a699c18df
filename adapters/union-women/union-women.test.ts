import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { Kind, parse } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { bufferInput } from '../../src/formats/text.ts';
import type { ByteInput, MapContext, MapOutcome, SourceRecord } from '../../src/ingest/adapter.ts';
import { FileRejectedError } from '../../src/ingest/adapter.ts';
import { checkCharacter } from '../../src/identity/id-number.ts';
import { unionWomen } from './index.ts';
import { PullError, pulledRecords, redactUrl, retryAfterMs, type PulledPage as ClaimPage, type PullOptions } from '../../src/ingest/pull-http.ts';
import { claimsUrl, fetchClaimPages } from './pull.ts';
import { claimItem, INSURED_ID } from './fixtures.ts';

const ctx: MapContext = { system: 'union-women', today: '2026-04-01', now: new Date('2026-04-01T12:00:00+08:00') };
const id = (first17: string) => first17 + checkCharacter(first17);
const fullWidth = (s: string) => s.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const input = (text: string | Buffer, name = 'uw.json'): ByteInput => bufferInput(name, text, { chunkSize: 13 });

async function records(text: string | Buffer): Promise<SourceRecord<unknown>[]> {
  const out: SourceRecord<unknown>[] = [];
  for await (const r of unionWomen.read(input(text))) out.push(r);
  return out;
}
async function mapAll(text: string | Buffer): Promise<MapOutcome[]> {
  return (await records(text)).map((r) => unionWomen.map(r, ctx));
}
const oneItem = async (overrides: Record<string, unknown> = {}, insured: Record<string, unknown> = {}) =>
  (await mapAll(JSON.stringify([{ items: [claimItem(overrides, insured)], nextCursor: null }])))[0]!;

describe('union-women adapter: saved pages', () => {
  it('maps a claim to PAID aid with illness and updatedAt', async () => {
    expect(await oneItem({ updatedAt: '2026-03-02T01:00:00Z' })).toEqual({
      ok: true,
      recordId: 'NGAK-2026-0042',
      facts: [
        {
          kind: 'aid',
          person: { idNumber: INSURED_ID, name: '陈美玲' },
          program: 'FEMALE_WORKER_MUTUAL_AID',
          amountFen: 500_000n,
          approvedOn: null,
          paidOn: '2026-03-02',
          status: 'PAID',
          voucher: 'NG-PZ-0042',
          settlementRef: 'H46010200001-2026-000321',
          hospitalCode: null,
          details: { illness: '乳腺癌', updatedAt: '2026-03-02T09:00:00+08:00' },
        },
      ],
    });
  });

  it('locates items as pages[n].items[i] across pages, skipping empty pages', async () => {
    const pages = [
      { items: [claimItem({ claimId: 'A' }), claimItem({ claimId: 'B' })], nextCursor: 'x' },
      { items: [], nextCursor: 'y' },
      { nextCursor: null, items: [claimItem({ claimId: 'C' })] },
    ];
    const recs = await records(JSON.stringify(pages));
    expect(recs.map((r) => r.location.path)).toEqual(['pages[0].items[0]', 'pages[0].items[1]', 'pages[2].items[0]']);
    expect(JSON.parse(recs[2]!.raw)).toEqual(claimItem({ claimId: 'C' }));
  });

  it('normalises identity numbers and keeps middle-dot names as received', async () => {
    const withX = '46010219850315108X';
    const people = await Promise.all([
      oneItem({}, { idCard: fullWidth(INSURED_ID), name: '迪丽·热巴' }),
      oneItem({}, { idCard: '460102850315222' }),
      oneItem({}, { idCard: withX.toLowerCase() }),
    ]);
    expect(people.map((o) => o.ok && o.facts[0]!.kind === 'aid' && o.facts[0]!.person)).toEqual([
      { idNumber: INSURED_ID, name: '迪丽·热巴' },
      { idNumber: id('46010219850315222'), name: '陈美玲' },
      { idNumber: withX, name: '陈美玲' },
    ]);
  });

  it('quarantines bad items with their reason codes', async () => {
    const cases: Array<[Record<string, unknown>, Record<string, unknown>, string]> = [
      [{}, { idCard: '46010219850315222' }, 'INVALID_ID'],
      [{}, { idCard: null }, 'MISSING_FIELD'],
      [{ insured: null }, {}, 'MISSING_FIELD'],
      [{ claimId: null }, {}, 'MISSING_FIELD'],
      [{ payout: 'five thousand' }, {}, 'BAD_AMOUNT'],
      [{ payout: '-1.00' }, {}, 'BAD_AMOUNT'],
      [{ payout: null }, {}, 'MISSING_FIELD'],
      [{ payoutDate: '2026-02-29' }, {}, 'BAD_DATE'],
      [{ payoutDate: '2026-04-02' }, {}, 'BAD_DATE'],
      [{ updatedAt: 'yesterday' }, {}, 'BAD_DATE'],
    ];
    for (const [o, i, reason] of cases) expect(await oneItem(o, i), JSON.stringify([o, i])).toMatchObject({ ok: false, reason });
    const [notObject] = await mapAll(JSON.stringify([{ items: [42], nextCursor: null }]));
    expect(notObject).toMatchObject({ ok: false, recordId: null, reason: 'UNPARSABLE' });
  });

  it('refuses a file that is not a well-formed array of pages (MALFORMED)', async () => {
    const reason = async (text: string) => {
      try {
        await unionWomen.verify!(input(text));
        return 'accepted';
      } catch (e) {
        return e instanceof FileRejectedError ? e.reason : String(e);
      }
    };
    const good = JSON.stringify([{ items: [claimItem()], nextCursor: null }]);
    expect(await reason(good)).toBe('accepted');
    expect(await reason(good.slice(0, -5))).toBe('MALFORMED');
    expect(await reason('{"items":[]}')).toBe('MALFORMED');
    expect(await reason('[{"items":{}}]')).toBe('MALFORMED');
    expect(await reason('[[]]')).toBe('MALFORMED');
    expect(await reason('')).toBe('MALFORMED');
  });

  it('shows illness through AidRecord.unionWomen', () => {
    const resolve = unionWomen.resolvers!.AidRecord!.unionWomen as (p: unknown) => unknown;
    expect(resolve({ system: 'union-women', details: { illness: '乳腺癌', updatedAt: null } })).toEqual({ illness: '乳腺癌', updatedAt: null });
    expect(resolve({ system: 'union-mutual-aid', details: {} })).toBeNull();
  });
});

/* ----------------------------------------------------------------- the pull, against a fake server */

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;
let server: Server | null = null;

async function fakeApi(handler: Handler): Promise<{ base: string; requests: string[] }> {
  const requests: string[] = [];
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res, requests.length);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, requests };
}

afterEach(async () => {
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  server = null;
});

const json = (res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** Three pages served by cursor: (none) → c1 → c2 → end. */
function pagesByCursor(req: IncomingMessage, res: ServerResponse): void {
  const cursor = new URL(req.url!, 'http://x').searchParams.get('cursor');
  if (cursor === null) return json(res, { items: [claimItem({ claimId: 'P0-0' }), claimItem({ claimId: 'P0-1' })], nextCursor: 'c1' });
  if (cursor === 'c1') return json(res, { items: [claimItem({ claimId: 'P1-0' })], nextCursor: 'c2' });
  if (cursor === 'c2') return json(res, { items: [claimItem({ claimId: 'P2-0' })], nextCursor: null });
  json(res, { error: 'bad cursor' }, 400);
}

async function pull(opts: PullOptions): Promise<ClaimPage[]> {
  const out: ClaimPage[] = [];
  for await (const p of fetchClaimPages(opts)) out.push(p);
  return out;
}

describe('union-women pull', () => {
  it('follows cursors to the end, passing the watermark', async () => {
    const api = await fakeApi((req, res) => pagesByCursor(req, res));
    const pages = await pull({ base: api.base, since: '2026-03-01T00:00:00+08:00' });
    expect(pages.map((p) => [p.page, p.items.length, p.nextCursor])).toEqual([
      [0, 2, 'c1'],
      [1, 1, 'c2'],
      [2, 1, null],
    ]);
    expect(api.requests).toEqual([
      '/api/v1/claims?since=2026-03-01T00%3A00%3A00%2B08%3A00',
      '/api/v1/claims?since=2026-03-01T00%3A00%3A00%2B08%3A00&cursor=c1',
      '/api/v1/claims?since=2026-03-01T00%3A00%3A00%2B08%3A00&cursor=c2',
    ]);
    // Pulled items map with the same mapper, located pull:<page>:<i>.
    const recs = pages.flatMap((p) => pulledRecords('pull:union-women', p));
    expect(recs.map((r) => r.location)).toEqual([
      { file: 'pull:union-women', path: 'pull:0:0' },
      { file: 'pull:union-women', path: 'pull:0:1' },
      { file: 'pull:union-women', path: 'pull:1:0' },
      { file: 'pull:union-women', path: 'pull:2:0' },
    ]);
    expect(recs.map((r) => unionWomen.map(r, ctx)).map((o) => o.ok && o.recordId)).toEqual(['P0-0', 'P0-1', 'P1-0', 'P2-0']);
  });

  it('retries 5xx with exponential back-off', async () => {
    const api = await fakeApi((req, res, n) => (n <= 3 ? json(res, { error: 'busy' }, n === 2 ? 503 : 500) : pagesByCursor(req, res)));
    const waits: number[] = [];
    const pages = await pull({ base: api.base, since: null, sleep: async (ms) => void waits.push(ms), baseDelayMs: 100 });
    expect(pages).toHaveLength(3);
    expect(waits).toEqual([100, 200, 400]);
    expect(api.requests[0]).toBe('/api/v1/claims');
  });

  it('honours 429 Retry-After in seconds and as an HTTP date', async () => {
    const now = Date.parse('2026-04-01T00:00:00Z');
    const api = await fakeApi((req, res, n) => {
      if (n === 1) return json(res, {}, 429, { 'retry-after': '7' });
      if (n === 3) return json(res, {}, 429, { 'retry-after': new Date(now + 12_000).toUTCString() });
      pagesByCursor(req, res);
    });
    const waits: number[] = [];
    const pages = await pull({ base: api.base, since: null, sleep: async (ms) => void waits.push(ms), now: () => now });
    expect(pages.map((p) => p.page)).toEqual([0, 1, 2]);
    expect(waits).toEqual([7000, 12000]);
    expect(api.requests).toEqual(['/api/v1/claims', '/api/v1/claims', '/api/v1/claims?cursor=c1', '/api/v1/claims?cursor=c1', '/api/v1/claims?cursor=c2']);
  });

  it('gives up with PullError after a bounded number of tries, keeping the pages it already had', async () => {
    const api = await fakeApi((req, res, n) => (n === 1 ? pagesByCursor(req, res) : json(res, { error: 'down' }, 502)));
    const got: ClaimPage[] = [];
    let error: unknown;
    try {
      for await (const p of fetchClaimPages({ base: api.base, since: null, maxTries: 4, sleep: async () => {} })) got.push(p);
    } catch (e) {
      error = e;
    }
    expect(got.map((p) => p.page)).toEqual([0]);
    expect(error).toBeInstanceOf(PullError);
    expect(error).toMatchObject({ code: 'PULL_FAILED', status: 502, tries: 4 });
    expect((error as Error).message).toContain('failed after 4 tries');
    expect(api.requests).toHaveLength(5);
  });

  it('does not retry a client error, and gives up on a network fault after its tries', async () => {
    const api = await fakeApi((_req, res) => json(res, { error: 'forbidden' }, 403));
    await expect(pull({ base: api.base, since: null, sleep: async () => {} })).rejects.toMatchObject({ code: 'PULL_FAILED', status: 403, tries: 1 });
    expect(api.requests).toHaveLength(1);
    const port = (server!.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = null;
    await expect(pull({ base: `http://127.0.0.1:${port}`, since: null, maxTries: 3, sleep: async () => {} })).rejects.toMatchObject({
      code: 'PULL_FAILED',
      status: null,
      tries: 3,
    });
  });

  it('retries an answer that is not a page, and refuses a cursor loop', async () => {
    let served = 0;
    const api = await fakeApi((_req, res) => {
      served++;
      if (served === 1) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"items":[');
      }
      json(res, { items: [], nextCursor: 'same' });
    });
    const waits: number[] = [];
    await expect(pull({ base: api.base, since: null, sleep: async (ms) => void waits.push(ms) })).rejects.toThrow(/already followed/);
    expect(waits).toEqual([500]);
  });

  it('builds URLs under a base path and reads Retry-After forms', () => {
    expect(claimsUrl('https://h.example/ngak/', null, 'a b')).toBe('https://h.example/ngak/api/v1/claims?cursor=a+b');
    expect(claimsUrl('https://h.example/ngak', '2026-01-01T00:00:00Z', null)).toBe('https://h.example/ngak/api/v1/claims?since=2026-01-01T00%3A00%3A00Z');
    expect(retryAfterMs('120', 0)).toBe(120_000);
    expect(retryAfterMs('Wed, 01 Apr 2026 00:00:30 GMT', Date.parse('2026-04-01T00:00:00Z'))).toBe(30_000);
    expect(retryAfterMs('Wed, 01 Apr 2026 00:00:30 GMT', Date.parse('2026-04-02T00:00:00Z'))).toBe(0);
    expect(retryAfterMs('soon', 0)).toBeNull();
    expect(retryAfterMs(null, 0)).toBeNull();
  });

  it('gives up rather than wait longer than it is willing to', async () => {
    const api = await fakeApi((_req, res) => json(res, {}, 429, { 'retry-after': '3600' }));
    await expect(pull({ base: api.base, since: null, sleep: async () => {}, maxRetryAfterMs: 60_000 })).rejects.toMatchObject({ code: 'PULL_FAILED', status: 429, tries: 1 });
  });
});

describe('unionWomen SDL fragment', () => {
  const base = 'scalar Yuan scalar Date scalar DateTime type Query { ping: String } type AidRecord { id: ID! system: String! } type Settlement { settlementId: String! }';

  it('compiles with its resolvers and describes every type and field', () => {
    expect(() => makeExecutableSchema({ typeDefs: [base, unionWomen.sdl!], resolvers: unionWomen.resolvers as never })).not.toThrow();
    let described = 0;
    for (const def of parse(unionWomen.sdl!).definitions) {
      if (def.kind === Kind.OBJECT_TYPE_DEFINITION) expect(def.description?.value, def.name.value).toBeTruthy();
      if ('fields' in def) for (const f of def.fields ?? []) {
        expect(f.description?.value, f.name.value).toBeTruthy();
        described++;
      }
    }
    expect(described).toBeGreaterThan(1);
  });
});

describe('unionWomen on a file that cannot be read', () => {
  it('surfaces the I/O fault itself, neither hanging nor calling the file malformed', async () => {
    const gone: ByteInput = { name: 'gone', open: () => createReadStream('/nonexistent/union-women.export') };
    const drain = async () => {
      if (unionWomen.verify) await unionWomen.verify(gone);
      for await (const _ of unionWomen.read(gone)) {
        // nothing can be read
      }
    };
    await expect(drain()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('union-women pull against a hostile API (issue 14)', () => {
  const noSleep = async () => {};
  const failure = async (opts: PullOptions): Promise<PullError> => {
    const err = await pull(opts).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PullError);
    return err as PullError;
  };

  it('follows a redirect within the base origin, refuses one to another host', async () => {
    const api = await fakeApi((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/api/v1/claims' && !url.searchParams.has('moved')) {
        res.writeHead(302, { location: '/api/v1/claims?moved=1' }).end();
        return;
      }
      json(res, { items: [claimItem()], nextCursor: null });
    });
    expect((await pull({ base: api.base, since: null })).map((p) => p.items.length)).toEqual([1]);
    expect(api.requests).toEqual(['/api/v1/claims', '/api/v1/claims?moved=1']);
    const port = (server!.address() as AddressInfo).port;
    server!.removeAllListeners('request');
    server!.on('request', (_req: IncomingMessage, res: ServerResponse) => res.writeHead(307, { location: `http://localhost:${port}/api/v1/claims` }).end());
    const e = await failure({ base: api.base, since: null, sleep: noSleep });
    expect(e).toMatchObject({ code: 'REDIRECT_REFUSED', status: 307, tries: 1 });
  });

  it('gives up on a silent server after the request timeout, with a clear code, tries bounded', async () => {
    const api = await fakeApi(() => undefined); // accepts, never answers
    const e = await failure({ base: api.base, since: null, maxTries: 2, sleep: noSleep, requestTimeoutMs: 200 });
    expect(e).toMatchObject({ code: 'PULL_TIMEOUT', status: null, tries: 2 });
    expect(e.message).toMatch(/no answer within 200 ms/);
    expect(api.requests).toHaveLength(2);
    server!.closeAllConnections();
  });

  it('gives up when the whole pull would outlast its total timeout', async () => {
    let clock = 0;
    const api = await fakeApi((_req, res) => json(res, { error: 'busy' }, 503));
    const e = await failure({ base: api.base, since: null, maxTries: 100, now: () => clock, sleep: async (ms) => void (clock += ms), baseDelayMs: 1000, totalTimeoutMs: 5000 });
    expect(e.code).toBe('PULL_TIMEOUT');
    expect(api.requests.length).toBeLessThan(100);
  });

  it('follows at most maxPages pages of an endless cursor chain, and refuses a repeated cursor', async () => {
    let n = 0;
    const api = await fakeApi((_req, res) => json(res, { items: [], nextCursor: `c${++n}` }));
    const got: ClaimPage[] = [];
    const e = await (async () => {
      try {
        for await (const p of fetchClaimPages({ base: api.base, since: null, maxPages: 5 })) got.push(p);
      } catch (err) {
        return err as PullError;
      }
      return null;
    })();
    expect(e).toMatchObject({ code: 'TOO_MANY_PAGES' });
    expect(got).toHaveLength(5);
    expect(api.requests).toHaveLength(5);
    server!.removeAllListeners('request');
    server!.on('request', (_req: IncomingMessage, res: ServerResponse) => json(res, { items: [], nextCursor: 'again' }));
    expect(await failure({ base: api.base, since: null })).toMatchObject({ code: 'CURSOR_REPEATED' });
  });

  it('refuses an answer larger than maxPageBytes without reading it whole, declared or not, and does not retry it', async () => {
    const big = JSON.stringify({ items: [claimItem({ illness: 'x'.repeat(200_000) })], nextCursor: null });
    const api = await fakeApi((req, res) => {
      if (req.url!.includes('chunked')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(big.slice(0, 100_000));
        res.end(big.slice(100_000));
      } else json(res, JSON.parse(big));
    });
    expect(await failure({ base: api.base, since: null, maxPageBytes: 100_000, sleep: noSleep })).toMatchObject({ code: 'PAGE_TOO_LARGE', tries: 1 });
    expect(await failure({ base: `${api.base}/chunked`, since: null, maxPageBytes: 100_000, sleep: noSleep })).toMatchObject({ code: 'PAGE_TOO_LARGE', tries: 1 });
    expect(api.requests).toHaveLength(2);
    expect(await pull({ base: api.base, since: null, maxPageBytes: 300_000 })).toHaveLength(1);
  });

  it('refuses an answer nested past maxDepth', async () => {
    const api = await fakeApi((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"items":[${'['.repeat(10_000)}${']'.repeat(10_000)}],"nextCursor":null}`);
    });
    expect(await failure({ base: api.base, since: null, sleep: noSleep })).toMatchObject({ code: 'PAGE_MALFORMED' });
  });

  it('sends the credentials of --base as Basic authorization and never prints them', async () => {
    const auths: Array<string | undefined> = [];
    const api = await fakeApi((req, res) => {
      auths.push(req.headers.authorization);
      json(res, { error: 'no' }, 404);
    });
    const base = api.base.replace('http://', 'http://ngak:s3cret-pw@');
    const e = await failure({ base, since: null, sleep: noSleep });
    expect(auths).toEqual([`Basic ${Buffer.from('ngak:s3cret-pw').toString('base64')}`]);
    expect(`${e.message} ${e.url}`).not.toMatch(/s3cret|ngak/);
    expect(redactUrl('https://u:p@h.example/x?token=abc&since=1')).toBe('https://***@h.example/x?token=***&since=1');
  });
});
