/** The policy pool and eligibility: each threshold's edge (under, at, over), and a version change. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import type { Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { gql, startTestHub, type TestHub } from '../support/hub.ts';
import { civilPaymentFile, idNumber, settlementFile } from '../support/builders.ts';
import { policyVersions, publishVersion, versionInForce } from '../../src/policy/rules.ts';
import { eligibility } from '../../src/policy/eligibility.ts';

let database: Database;
let hub: TestHub;
let charity: string;
/** A caseworker asks any program's rule (a charity only the rules published for charities). */
let caseworker: string;
const now = new Date('2026-11-01T00:00:00+08:00');
const P = idNumber(91);

beforeAll(async () => {
  database = await testDatabase();
  hub = await startTestHub(database);
  charity = `Bearer ${await hub.token({ role: 'CHARITY', sub: 'charity-federation' })}`;
  caseworker = `Bearer ${await hub.token({ role: 'CASEWORKER', agency: 'civil-affairs', county: '460105', sub: 'cw-policy' })}`;
}, 180_000);
afterAll(async () => hub?.close());
beforeEach(async () => resetDatabase(database));

const load = (system: string, name: string, content: Buffer) => ingest(database, adapterFor(system)!, bufferInput(name, content), { now });
const ELIGIBILITY = 'query($id: String!, $rule: String!, $asOf: Date) { eligibility(idNumber: $id, rule: $rule, asOf: $asOf) { eligible reasons ruleCode ruleVersion } }';
const ask = async (rule: string, asOf: string, id = P, who = charity) => {
  const r = await gql<{ eligibility: { eligible: boolean; reasons: string[]; ruleVersion: number } }>(hub.url, ELIGIBILITY, { id, rule, asOf }, { authorization: who });
  expect(r.body.errors).toBeUndefined();
  return r.body.data!.eligibility;
};

describe(`eligibility (${testDbKind})`, () => {
  it.each([
    ['just under', 20000, 5000.01, false],
    ['exactly at', 20000, 5000, true],
    ['just over', 19999, 5000.99, true],
  ])('CHARITY_GENERAL_HARDSHIP, net burden %s 20,000 yuan', async (_label, basic, aid, eligible) => {
    // B = 50000 − basic − 5000 (25000 or 25001); the public aid counted against the stay is taken off; a
    // charity grant is not.
    await load('medical-insurance', 's.ndjson', settlementFile([{ id: 'S-1', person: P, basic, discharged: '2026-01-12' }]));
    await load('civil-affairs', 'p.csv', civilPaymentFile([{ id: 'LS-1', person: P, amount: aid.toFixed(2), settlement: 'S-1', paid: '2026/2/5' }]));
    const grant = ['类型,编号,对方名称,身份证号,金额,日期,凭证号,结算单号,项目', `救助,CF-1,某某,${P},3000.00,2026-02-10,,S-1,大病救助`].join('\n');
    await load('charity', 'c.csv', Buffer.from(grant));
    const a = await ask('CHARITY_GENERAL_HARDSHIP', '2026-06-01');
    expect(a).toEqual({ eligible, reasons: [eligible ? 'NET_BURDEN_AT_LEAST_THRESHOLD' : 'NET_BURDEN_BELOW_THRESHOLD'], ruleCode: 'CHARITY_GENERAL_HARDSHIP', ruleVersion: 1 });
  });

  it('counts only stays discharged in the 365 days up to the day asked about', async () => {
    await load('medical-insurance', 's.ndjson', settlementFile([{ id: 'S-1', person: P, admitted: '2025-05-20', discharged: '2025-06-01' }]));
    expect((await ask('CHARITY_GENERAL_HARDSHIP', '2026-05-31')).eligible).toBe(true);
    expect((await ask('CHARITY_GENERAL_HARDSHIP', '2026-06-01')).eligible).toBe(false);
  });

  it('answers under the version in force that day, before and after a new version', async () => {
    await load('medical-insurance', 's.ndjson', settlementFile([{ id: 'S-1', person: P, admitted: '2026-07-20', discharged: '2026-08-01' }]));
    const publish = await gql<{ publishPolicyVersion: { version: number; effectiveFrom: string } }>(
      hub.url,
      'mutation($d: JSON!) { publishPolicyVersion(input: { code: "CHARITY_GENERAL_HARDSHIP", effectiveFrom: "2026-10-01", definition: $d }) { version effectiveFrom } }',
      { d: { all: [{ type: 'netBurdenAtLeast', days: 365, thresholdFen: 3000000 }] } },
    );
    expect(publish.body.data!.publishPolicyVersion).toEqual({ version: 2, effectiveFrom: '2026-10-01' });
    expect(await ask('CHARITY_GENERAL_HARDSHIP', '2026-09-30')).toMatchObject({ eligible: true, ruleVersion: 1 });
    expect(await ask('CHARITY_GENERAL_HARDSHIP', '2026-10-01')).toMatchObject({ eligible: false, ruleVersion: 2 });
    const versions = await gql<{ policy: { versions: Array<{ version: number; effectiveTo: string | null; definition: unknown }> } }>(
      hub.url,
      '{ policy(code: "CHARITY_GENERAL_HARDSHIP") { versions { version effectiveTo definition } } }',
    );
    expect(versions.body.data!.policy.versions).toEqual([
      { version: 1, effectiveTo: '2026-09-30', definition: { all: [{ type: 'netBurdenAtLeast', days: 365, thresholdFen: 2000000 }] } },
      { version: 2, effectiveTo: null, definition: { all: [{ type: 'netBurdenAtLeast', days: 365, thresholdFen: 3000000 }] } },
    ]);
    const bad = await gql(hub.url, 'mutation { publishPolicyVersion(input: { code: "CHARITY_GENERAL_HARDSHIP", effectiveFrom: "2027-01-01", definition: { all: [{ type: "astrology" }] } }) { version } }');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('program rules: a status held that day, a woman or a child under 18, a union card', async () => {
    const vet = ['序号,姓名,公民身份号码,优待证号,帮扶类型,帮扶金额,审批时间,发放时间,凭证号,结算单号', `1,王大明,${P},YD1,医疗帮扶,100,2026年3月5日,2026年3月6日,PZ-V1,`].join('\n');
    await load('veterans', 'v.csv', Buffer.from(`\ufeff${vet}`));
    expect(await ask('VETERAN_ASSISTANCE', '2026-03-05', P, caseworker)).toMatchObject({ eligible: true, reasons: ['HOLDS_VETERAN'] });
    expect(await ask('VETERAN_ASSISTANCE', '2026-03-04', P, caseworker)).toMatchObject({ eligible: false, reasons: ['LACKS_VETERAN'] });
    const boy = idNumber(93, { birth: '2008-06-15' });
    const uh = ['H|UNION-HARDSHIP|20260301|1', `D|KN-1|${boy}|某某|100|20260201|20260202|||1`, 'T|1|100'].join('\n');
    await load('union-hardship', 'h.txt', iconv.encode(uh, 'gb18030'));
    expect(await ask('WOMEN_TWO_CANCERS', '2026-06-14', boy, caseworker)).toMatchObject({ eligible: true, reasons: ['CHILD_UNDER_18'] });
    expect(await ask('WOMEN_TWO_CANCERS', '2026-06-15', boy, caseworker)).toMatchObject({ eligible: false });
    expect(await ask('POOR_WORKER_MEDICAL', '2026-06-15', boy, caseworker)).toMatchObject({ eligible: true, reasons: ['UNION_MEMBER'] });
    expect(await ask('POOR_WORKER_MEDICAL', '2026-06-15', P, caseworker)).toMatchObject({ eligible: false, reasons: ['NO_UNION_CARD'] });
    const unknown = await ask('VETERAN_ASSISTANCE', '2026-06-15', idNumber(94), caseworker);
    expect(unknown).toMatchObject({ eligible: false, reasons: ['PERSON_UNKNOWN'] });
  });

  it('a charity learns the answer and nothing else; the question is logged', async () => {
    const denied = await gql(hub.url, `{ person(idNumber: "${P}") { id } }`, {}, { authorization: charity });
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await load('medical-insurance', 's.ndjson', settlementFile([{ id: 'S-1', person: P }]));
    await ask('CHARITY_GENERAL_HARDSHIP', '2026-06-01');
    const auditor = `Bearer ${await hub.token({ role: 'AUDITOR', sub: 'auditor' })}`;
    const log = await gql<{ accessLog: { edges: Array<{ node: { actor: string; fields: string[] } }> } }>(hub.url, `{ accessLog(subjectIdNumber: "${P}") { edges { node { actor fields } } } }`, {}, { authorization: auditor });
    expect(log.body.data!.accessLog.edges.map((e) => e.node)).toEqual([{ actor: 'charity-federation', fields: ['Eligibility.CHARITY_GENERAL_HARDSHIP'] }]);
  });

  it('reads only read: the policies, the version in force and an eligibility answer write nothing (the pool is seeded at start-up)', async () => {
    const writes = database.stats.writes;
    const all = await policyVersions(database.db);
    expect(all.map((p) => p.code)).toContain('CHARITY_GENERAL_HARDSHIP');
    expect(all.every((p) => p.version === 1 && p.publishedBy === 'shipped')).toBe(true);
    expect((await versionInForce(database.db, 'CHARITY_GENERAL_HARDSHIP', '2026-06-01'))?.version).toBe(1);
    expect((await eligibility(database.db, P, 'CHARITY_GENERAL_HARDSHIP', '2026-06-01', { unknownAsNobody: true })).eligible).toBe(false);
    expect(database.stats.writes - writes).toBe(0);
    // The counter does see writes: publishing a version inserts one.
    const current = all.find((p) => p.code === 'CHARITY_GENERAL_HARDSHIP')!;
    await publishVersion(database.db, { code: current.code, effectiveFrom: '2027-01-01', definition: current.definition }, 'test');
    expect(database.stats.writes - writes).toBeGreaterThan(0);
  });
});
