/**
 * One working day of the hub, over GraphQL, for the operations tests: agencies' files ingested through one
 * instance while a caseworker records aid and decides a review through another (or all through one), and a
 * snapshot of every answer that matters (funds, a person's view, the review queue, a quarterly report), so
 * that runs on one instance, on two, or on an exported copy can be compared.
 */
import iconv from 'iconv-lite';
import { expect } from 'vitest';
import { gql } from './hub.ts';
import { civilPaymentFile, idNumber, settlementFile } from './builders.ts';

export const P = idNumber(71);
/** Aid the caseworker tries to record: 8 × 2,000 yuan from a fund allocated 10,000: exactly 5 can pass. */
export const ATTEMPTS = 8;
const FUND = 'FUND:DISABLED_REHAB';

const INGEST = `mutation($s: String!, $c: String!, $f: String) { ingest(system: $s, content: $c, encoding: BASE64, fileName: $f) { records new quarantined rejected } }`;
const RECORD = `mutation($i: RecordAidInput!) { recordAid(input: $i) { __typename ... on AidRecorded { aid { recordId amount } } ... on AidRefused { reason } } }`;
const QUEUE = `query($k: ReviewKind) { reviewQueue(kind: $k) { totalCount edges { node { id kind aid { recordId } } } } }`;
const RESOLVE = `mutation($id: ID!, $d: ReviewDecisionKind!, $r: String!) { resolveReview(id: $id, decision: $d, reason: $r) { kind } }`;

const b64 = (b: Buffer) => b.toString('base64');
const hardship = () => b64(iconv.encode(['H|UNION-HARDSHIP|20260301|1', `D|KN-9|${P}|某某|400000|20260201|20260206|KN-V-9|S-1|1`, 'T|1|400000'].join('\n'), 'gb18030'));

type Headers = Record<string, string>;

async function ok<T>(p: Promise<{ status: number; body: { data?: T | null; errors?: unknown[] } }>): Promise<T> {
  const r = await p;
  expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
  expect(r.status).toBe(200);
  return r.body.data!;
}

/**
 * Runs the day: `ingestAt` receives the files, `actAt` the caseworker's allocation, aid and decision; the second
 * half runs concurrently (files still arriving while aid is recorded and a review decided). Returns how many
 * of the attempts were recorded.
 */
export async function runDay(ingestAt: string, actAt: string, headers: Headers = {}): Promise<{ recorded: number; refused: string[] }> {
  await ok(gql(ingestAt, INGEST, { s: 'medical-insurance', c: b64(settlementFile([{ id: 'S-1', person: P }])), f: 's.ndjson' }, headers));
  await ok(
    gql(ingestAt, INGEST, {
      s: 'civil-affairs',
      c: b64(civilPaymentFile([
        { id: 'LS-1', person: P, amount: '3000.00', paid: '2026/2/5', voucher: 'PZ-1', settlement: 'S-1' },
        { id: 'LS-2', person: P, amount: '3000.00', paid: '2026/2/9', voucher: 'pz 1', settlement: 'S-1' },
      ])),
      f: 'p.csv',
    }, headers),
  );
  await ok(gql(actAt, `mutation { allocateFunds(fund: "${FUND}", amount: "10000.00", note: "2026 budget") { id } }`, {}, headers));
  const dup = await ok(gql<{ reviewQueue: { edges: Array<{ node: { id: string } }> } }>(actAt, QUEUE, { k: 'DUPLICATE' }, headers));
  expect(dup.reviewQueue.edges).toHaveLength(1);

  const files = (async () => {
    await ok(gql(ingestAt, INGEST, { s: 'union-hardship', c: hardship(), f: 'h.txt' }, headers));
    await ok(gql(ingestAt, INGEST, { s: 'civil-affairs', c: b64(civilPaymentFile([{ id: 'LS-3', person: P, amount: '4000.00', paid: '2026/2/7', voucher: 'PZ-3', settlement: 'S-1' }])), f: 'p2.csv' }, headers));
  })();
  const decision = ok(gql(actAt, RESOLVE, { id: dup.reviewQueue.edges[0]!.node.id, d: 'DISMISS', r: 'second instalment, confirmed by phone' }, headers));
  const attempts = Array.from({ length: ATTEMPTS }, (_, i) =>
    ok(
      gql<{ recordAid: { __typename: string; reason?: string } }>(
        i % 2 === 0 ? actAt : ingestAt,
        RECORD,
        { i: { idNumber: P, program: 'DISABLED_REHAB', amount: '2000.00', hospitalCode: 'H46010200001', paidOn: '2026-03-10', voucher: `API-${i}` } },
        headers,
      ),
    ),
  );
  const [, , ...results] = await Promise.all([files, decision, ...attempts]);
  const recorded = results.filter((r) => r.recordAid.__typename === 'AidRecorded').length;
  return { recorded, refused: results.filter((r) => r.recordAid.__typename === 'AidRefused').map((r) => r.recordAid.reason!) };
}

/** Every answer the day should leave behind, as a client reads it (ids and times left out). */
export async function snapshot(url: string, headers: Headers = {}): Promise<unknown> {
  const data = await ok(
    gql(
      url,
      `query($id: String!) {
        funds { code balance overdrawn }
        person(idNumber: $id) { idNumber aid(first: 50, filter: { includeDuplicates: true }) { totalCount totalAmount edges { node { system recordId amount status flags excess duplicateOf { recordId } } } } }
        reviewQueue { totalCount edges { node { kind aid { recordId } } } }
        quarterlyReport(year: 2026, quarter: 1, groupBy: [SYSTEM]) { totals { persons personTimes amount duplicateCount duplicateAmount excess } rows { system persons personTimes amount } funds { fund opening inflows outflows closing } }
      }`,
      { id: P },
      { 'x-purpose': 'operations test', ...headers },
    ),
  );
  const d = data as unknown as { person: { aid: { edges: Array<{ node: { recordId: string; system: string } }> } } };
  // Aid recorded through the API gets a random record id: compare those records as a multiset.
  for (const e of d.person.aid.edges) if (e.node.recordId.startsWith('API-')) e.node.recordId = '(api)';
  d.person.aid.edges.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return data;
}
