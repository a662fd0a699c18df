/** Ingestion through GraphQL: the `ingest` mutation (text, GB18030 text, base64 XLSX), the quarantine and re-processing. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { checkCharacter } from '../../src/identity/id-number.ts';
import { rows, type Database } from '../../src/db/client.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub } from '../support/hub.ts';
import { contractFixture as ruralFixture } from '../../adapters/rural-revitalization/fixtures.ts';

const id = (first17: string) => first17 + checkCharacter(first17);
const GOOD = id('46010219800101123');
const BAD = GOOD.slice(0, 17) + (GOOD[17] === '1' ? '2' : '1');
const HEADER = '类型,编号,对方名称,身份证号,金额,日期,凭证号,结算单号,项目';
const CSV = [HEADER, `救助,CF-1,王大明,${GOOD},"1,000.00",2026-03-01,PZ-1,,大病救助`, `救助,CF-2,李小红,${BAD},500.00,2026-03-02,PZ-2,,大病救助`, `捐赠,DN-1,某公司,,20000,2026-02-01,,,`].join('\n');

const INGEST = `mutation($s: String!, $c: String!, $e: ContentEncoding, $f: String) {
  ingest(system: $s, content: $c, encoding: $e, fileName: $f) { system file records new updated unchanged quarantined rejected reason }
}`;

let database: Database;
let hub: Awaited<ReturnType<typeof startTestHub>>;
beforeAll(async () => {
  database = await testDatabase();
  hub = await startTestHub(database);
});
afterAll(async () => hub?.close());
beforeEach(async () => resetDatabase(database));

describe(`ingest through GraphQL (${testDbKind})`, () => {
  it('ingests text and returns the summary; re-sending changes nothing', async () => {
    const r = await gql<{ ingest: Record<string, unknown> }>(hub.url, INGEST, { s: 'charity', c: CSV, f: 'charity-2026-03.csv' });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.ingest).toEqual({ system: 'charity', file: 'charity-2026-03.csv', records: 3, new: 2, updated: 0, unchanged: 0, quarantined: 1, rejected: false, reason: null });
    const again = await gql<{ ingest: Record<string, unknown> }>(hub.url, INGEST, { s: 'charity', c: CSV, f: 'charity-2026-03.csv' });
    expect(again.body.data!.ingest).toMatchObject({ new: 0, unchanged: 2, quarantined: 1 });
  });

  it('accepts GB18030 systems\' text (re-encoded) and base64 XLSX', async () => {
    const status = ['户主身份证号,户主姓名,成员身份证号,成员姓名,与户主关系,救助类别,认定日期,终止日期,行政区划,家庭年收入(元)', `${GOOD},王大明,${GOOD},王大明,本人,低保,2025/1/5,,460105,12000`].join('\n');
    const r = await gql<{ ingest: Record<string, unknown> }>(hub.url, INGEST, { s: 'civil-affairs', c: status });
    expect(r.body.data!.ingest).toMatchObject({ records: 1, new: 1, quarantined: 0 });
    const st = await rows<{ category: string; county_code: string }>(database.db, sql`SELECT category, county_code FROM statuses`);
    expect(st).toEqual([{ category: 'MINIMUM_LIVING', county_code: '460105' }]);

    const fx = await ruralFixture();
    const x = await gql<{ ingest: Record<string, unknown> }>(hub.url, INGEST, { s: 'rural-revitalization', c: fx.content.toString('base64'), e: 'BASE64', f: fx.name });
    expect(x.body.errors).toBeUndefined();
    expect(x.body.data!.ingest).toMatchObject({ records: fx.records, rejected: false });
    const asText = await gql(hub.url, INGEST, { s: 'rural-revitalization', c: 'not a workbook' });
    expect(asText.body.errors?.[0]?.extensions?.code).toBe('INVALID_CONTENT');
  });

  it('lists the quarantine with locations and re-processes a record once fixed', async () => {
    await gql(hub.url, INGEST, { s: 'charity', c: CSV, f: 'c.csv' });
    const q = await gql<{ quarantine: { totalCount: number; edges: Array<{ node: { id: string; reasonCode: string; location: { line: number; file: string }; raw: string } }> } }>(
      hub.url,
      '{ quarantine(system: "charity") { totalCount edges { node { id reasonCode location raw } } } }',
    );
    expect(q.body.data!.quarantine.totalCount).toBe(1);
    const item = q.body.data!.quarantine.edges[0]!.node;
    expect(item).toMatchObject({ reasonCode: 'INVALID_ID', location: { file: 'c.csv', line: 3 } });
    expect(item.raw).toContain('CF-2');

    const REPROCESS = `mutation($id: ID!, $c: JSON) { reprocessQuarantined(id: $id, corrections: $c) { outcome reasonCode item { resolvedAt resolution } summary { new } } }`;
    const still = await gql<{ reprocessQuarantined: Record<string, unknown> }>(hub.url, REPROCESS, { id: item.id });
    expect(still.body.data!.reprocessQuarantined).toMatchObject({ outcome: 'STILL_QUARANTINED', reasonCode: 'INVALID_ID', summary: null });
    const other = id('46010219900202002');
    const fixed = await gql<{ reprocessQuarantined: { outcome: string; item: { resolvedAt: string; resolution: string }; summary: { new: number } } }>(hub.url, REPROCESS, {
      id: item.id,
      c: { 身份证号: other },
    });
    expect(fixed.body.data!.reprocessQuarantined).toMatchObject({ outcome: 'APPLIED', item: { resolution: 'REPROCESSED' }, summary: { new: 1 } });
    const aid = await rows<{ record_id: string; id_number: string }>(
      database.db,
      sql`SELECT a.record_id, p.id_number FROM aid_records a JOIN persons p ON p.id = a.person_id WHERE a.record_id = 'CF-2'`,
    );
    expect(aid).toEqual([{ record_id: 'CF-2', id_number: other }]);
    const open = await gql<{ quarantine: { totalCount: number } }>(hub.url, '{ quarantine(system: "charity") { totalCount } }');
    expect(open.body.data!.quarantine.totalCount).toBe(0);
  });

  it('refuses unknown systems and bad arguments with codes, changing nothing', async () => {
    const r = await gql(hub.url, INGEST, { s: 'nope', c: 'x' });
    expect(r.body.errors?.[0]?.extensions?.code).toBe('UNKNOWN_SYSTEM');
    const b = await gql(hub.url, INGEST, { s: 'charity', c: '!!!', e: 'BASE64' });
    expect(b.body.errors?.[0]?.extensions?.code).toBe('INVALID_CONTENT');
    const p = await gql(hub.url, '{ quarantine(first: 100000) { totalCount } }');
    expect(p.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const n = await rows<{ n: string }>(database.db, sql`SELECT count(*)::text AS n FROM ingest_runs`);
    expect(n[0]!.n).toBe('0');
  });
});
