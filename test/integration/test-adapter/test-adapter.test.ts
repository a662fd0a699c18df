/**
 * A thirteenth, test-only system (this folder): registered with one line, it passes the same contract suite
 * as the twelve, and the hub reads what it declares (its SDL fragment, its membership evidence) without
 * src/ naming it.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adapterFor, adapters, registerAdapter } from '../../../adapters/index.ts';
import type { Database } from '../../../src/db/client.ts';
import { ingest } from '../../../src/ingest/pipeline.ts';
import { pull } from '../../../src/ingest/pull.ts';
import { bufferInput } from '../../../src/ingest/service.ts';
import { eligibility } from '../../../src/policy/eligibility.ts';
import { claimXml, exportXml } from '../../../adapters/union-mutual-aid/fixtures.ts';
import { idOf } from '../../../adapters/contract-fixture.ts';
import { adapterContract } from '../../support/adapter-contract.ts';
import { resetDatabase, testDatabase, testDbKind } from '../../support/db.ts';
import { contractFixture, MEMBER, NON_MEMBER, payoutLine } from './fixtures.ts';
import { villageMutual } from './index.ts';

// The one line: registered for this file's tests, removed after them (the returned undo is the teardown).
beforeAll(() => registerAdapter(villageMutual));

adapterContract(villageMutual, () => contractFixture);

describe(`a thirteenth system in the hub (${testDbKind})`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await testDatabase();
  });
  beforeEach(async () => {
    await resetDatabase(database);
  });
  const now = new Date('2026-11-01T00:00:00+08:00');

  it('is looked up like the twelve, and registering it again or outside the twelve codes is refused', () => {
    expect(adapterFor('village-mutual')).toBe(villageMutual);
    expect(adapters.map((a) => a.code)).toHaveLength(13);
    expect(() => registerAdapter(villageMutual)).toThrow(/already registered/);
    expect(() => registerAdapter({ ...villageMutual, code: 'other' })).toThrow(/program "TEST_VILLAGE_MUTUAL" already belongs to village-mutual/);
  });

  it('its declared membership evidence answers the union-card rule, beside union-mutual-aid card numbers', async () => {
    await ingest(database, villageMutual, bufferInput('v.ndjson', [payoutLine(), payoutLine({ claimNo: 'VM-2' }, { idNo: NON_MEMBER, memberNo: null })].join('\n')), { now });
    const carded = idOf('46010219900505123');
    const uncarded = idOf('46010219910606124');
    const union = adapterFor('union-mutual-aid')!;
    await ingest(
      database,
      union,
      bufferInput('u.xml', exportXml([claimXml({ id: 'C1', member: { idNo: carded, name: '甲', cardNo: 'HNGH1' } }), claimXml({ id: 'C2', member: { idNo: uncarded, name: '乙' } })])),
      { now },
    );
    const ask = async (id: string) => (await eligibility(database.db, id, 'WORKER_MUTUAL_AID', '2026-06-01')).reasons;
    expect(await ask(MEMBER)).toEqual(['UNION_MEMBER']);
    expect(await ask(NON_MEMBER)).toEqual(['NO_UNION_CARD']);
    expect(await ask(carded)).toEqual(['UNION_MEMBER']);
    expect(await ask(uncarded)).toEqual(['NO_UNION_CARD']);
  });

  it('has no pull spec, so the generic pull refuses it', async () => {
    await expect(pull(database, 'village-mutual', { base: 'http://127.0.0.1:9' })).rejects.toMatchObject({ extensions: { code: 'NOT_PULLED' } });
  });
});
