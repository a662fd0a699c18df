/**
 * Replay equivalence (domain.md "Corrections change everything they touch"): after any sequence of
 * deliveries, in any order, with corrections of every kind — records moved between persons, stays,
 * vouchers and households; refunds and corrected refunds; county and income changes; reversals; unidentified
 * emergency patients identified later (a merge) and corrected to another person; payments that imply a
 * status (困难职工) moved between persons; stale copies
 * of superseded versions — every derived fact and the quarterly report rows equal what a fresh database fed
 * only the current version of every record holds. The sequence goes through the real formats and the ingest
 * path, file by file or as one `load` (ingestBatch).
 *
 * The platform's and caseworkers' acts are interleaved with the deliveries (at the end for a `load`):
 * - undoing the merge in force of an emergency case or of a child matched in its guardian's household
 *   (src/identity/persons.ts): an undo holds for the identity it undid, so the fresh database undoes the same
 *   (provisional key, identity) merge when its final versions still make it;
 * - review decisions (src/review/store.ts): a decision holds only for the facts it was made on, so one made
 *   before a correction of a record it concerns lapses, one made after holds; the fresh database is given, in
 *   their order, only the decisions that still hold.
 *
 * Reproduce a failure with the seed it prints: REPLAY_SEED=<seed> (and REPLAY_RUNS=<n> for more runs, REPLAY_PATH=<path>
 * for the failing case alone). REPLAY_DUMP=<prefix> writes both states of each run (<prefix>-replayed.json,
 * <prefix>-fresh.json) and how many decisions, lapses and undos each run had (<prefix>-counts.txt).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ingest, ingestBatch, inputSource } from '../../src/ingest/pipeline.ts';
import { bufferInput } from '../../src/ingest/service.ts';
import { openItems, resolveReview, itemId, type ReviewKind } from '../../src/review/service.ts';
import { undoMerge } from '../../src/identity/persons.ts';
import { provisionalKeyOf } from '../../adapters/health-emergency/index.ts';
import { childKey } from '../../adapters/women-children/index.ts';
import { normalizeName } from '../../src/identity/text.ts';
import { applyConsequences, lockDerivation } from '../../src/overlap/consequences.ts';
import { Scope } from '../../src/overlap/derive.ts';
import { resetDatabase, testDatabase, testDbKind } from '../support/db.ts';
import { charityGrantFile, civilPaymentFile, civilStatusFile, emergencyFile, hardshipFile, idNumber, settlementFile, type EmergencyRow, type HardshipRow, type GrantRow, type PaymentRow, type SettlementRow, type StatusRow } from '../support/builders.ts';
import { derivedState } from '../support/replay.ts';

let database: Database;
const now = new Date('2026-11-01T00:00:00+08:00');
const PERSONS = [301, 302, 303, 304].map((n) => idNumber(n));
const STAYS = ['S-1', 'S-2', 'S-3'];
const VOUCHERS = ['PZ-1', 'PZ-2', 'PZ-3'];

beforeAll(async () => {
  database = await testDatabase();
}, 120_000);

/** One version of one record, in the file kind that carries it. */
type Version =
  | { kind: 'settlement'; id: string; row: SettlementRow }
  | { kind: 'status'; id: string; row: StatusRow }
  | { kind: 'payment'; id: string; row: PaymentRow }
  | { kind: 'grant'; id: string; row: GrantRow }
  | { kind: 'emergency'; id: string; row: EmergencyRow }
  | { kind: 'hardship'; id: string; row: HardshipRow }
  | { kind: 'child'; id: string; row: ChildRow };

/**
 * A child known only through a guardian (women-children, no identity number of its own): a provisional person
 * merged into the guardian's household member of the same name and birth date while the household lists one
 * (domain.md "Identity"). The guardian heads its own household; whether the child's person is listed there
 * follows the corrections of its status record's householder.
 */
interface ChildRow { id: string; amount: string; date: string; voucher?: string; settlement?: string }
const GUARDIAN = PERSONS[2]!;
const CHILD = PERSONS[1]!;
const CHILD_BIRTH = `${CHILD.slice(6, 10)}-${CHILD.slice(10, 12)}-${CHILD.slice(12, 14)}`;
const CHILD_KEY = childKey(GUARDIAN, normalizeName('某某')!, CHILD_BIRTH);
function childFile(rows: ChildRow[]): Buffer {
  return Buffer.from(JSON.stringify({
    batch: 'FL-2026-Q1-01',
    records: rows.map((r) => ({
      recordNo: r.id,
      beneficiary: { type: 'CHILD', idNumber: null, name: '某某', birthDate: CHILD_BIRTH, guardianIdNumber: GUARDIAN, guardianName: '某某' },
      project: '儿童大病救助',
      amount: r.amount,
      grantDate: r.date,
      voucherNo: r.voucher ?? null,
      settlementId: r.settlement ?? null,
    })),
  }));
}

const person = fc.constantFrom(...PERSONS);
const maybe = <T,>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });

const settlementV = (id: string) =>
  fc.record({ person, hospital: fc.constantFrom('H46010200001', 'H46010200002'), discharged: fc.constantFrom('2026-01-12', '2026-01-20'), basic: fc.constantFrom(25000, 40000) })
    .map((r): Version => ({ kind: 'settlement', id, row: { id, person: r.person, hospital: r.hospital, discharged: r.discharged, basic: r.basic, maf: 1000 } }));
const refundV = fc.constantFrom(...STAYS).map((s): Version => ({ kind: 'settlement', id: 'RF-1', row: { id: 'RF-1', person: PERSONS[0]!, refundOf: s } }));
const statusV = (member: string, category: string, householder: fc.Arbitrary<string> = person) =>
  fc.record({ householder, county: fc.constantFrom('460105', '460106', '469027'), income: fc.constantFrom('', '10000', '80000') })
    .map((r): Version => ({
      kind: 'status',
      id: `${member}:${category}`,
      row: { householder: r.householder, member, name: '某某', relationship: r.householder === member ? '本人' : '子女', category, county: r.county, income: r.income, from: '2025/1/5' },
    }));
const paymentV = (id: string) =>
  fc.record({
    person,
    amount: fc.constantFrom('1000.00', '5000.00', '15000.00'),
    paid: fc.constantFrom('2026/2/1', '2026/2/3', '2026/4/2'),
    voucher: maybe(fc.constantFrom(...VOUCHERS)),
    settlement: maybe(fc.constantFrom(...STAYS)),
    hospital: maybe(fc.constantFrom('H46010200001')),
    status: fc.constantFrom('已发放', '已发放', '已撤销'),
  }).map((r): Version => ({ kind: 'payment', id, row: { id, ...r, approved: '2026/2/1', hospital: r.settlement ? undefined : r.hospital } }));
const grantV = (id: string) =>
  fc.record({
    person,
    amount: fc.constantFrom('1000.00', '5000.00', '15000.00'),
    date: fc.constantFrom('2026-02-01', '2026-02-02', '2026-04-02'),
    voucher: maybe(fc.constantFrom(...VOUCHERS)),
    settlement: maybe(fc.constantFrom(...STAYS)),
  }).map((r): Version => ({ kind: 'grant', id, row: { id, ...r } }));

/**
 * An emergency case: first perhaps delivered unidentified (a provisional person), then identified — the
 * provisional person is merged into the real one — and perhaps corrected to another person. (A case once
 * identified keeps its patient when re-sent unidentified, rule 1, so an unidentified version comes first only.)
 */
const emergencyV = (caseNo: string) =>
  fc.record({
    unidentifiedFirst: fc.boolean(),
    patients: fc.uniqueArray(person, { minLength: 1, maxLength: 2 }),
    amountFen: fc.constantFrom(100000, 500000, 1500000),
    voucher: maybe(fc.constantFrom(...VOUCHERS)),
    settlement: maybe(fc.constantFrom(...STAYS)),
  }).map((r): Version[] => {
    const v = (p: string | null): Version => ({ kind: 'emergency', id: caseNo, row: { caseNo, person: p, amountFen: r.amountFen, voucher: r.voucher ?? null, settlement: r.settlement ?? null } });
    return [...(r.unidentifiedFirst ? [v(null)] : []), ...r.patients.map(v)];
  });

/** A union-hardship payment: its payments imply the POOR_WORKER status of their person (from the approval). */
const hardshipV = (id: string) =>
  fc.record({ person, amountFen: fc.constantFrom(100000, 500000), approved: fc.constantFrom('20260110', '20260201'), voucher: maybe(fc.constantFrom(...VOUCHERS)), settlement: maybe(fc.constantFrom(...STAYS)) })
    .map((r): Version => ({ kind: 'hardship', id, row: { id, ...r, paid: '20260205' } }));

const childV = (id: string) =>
  fc.record({ amount: fc.constantFrom('3000.00', '8000.00'), date: fc.constantFrom('2026-02-14', '2026-04-10'), voucher: maybe(fc.constantFrom(...VOUCHERS)), settlement: maybe(fc.constantFrom(...STAYS)) })
    .map((r): Version => ({ kind: 'child', id, row: { id, ...r } }));

/** 1–3 versions of a record, all different (delivering an earlier content again is a stale copy, not a correction). */
const versions = (a: fc.Arbitrary<Version>, max = 3) => fc.uniqueArray(a, { minLength: 1, maxLength: max, selector: (v) => JSON.stringify(v.row) });

const history = fc.record({
  records: fc.tuple(
    ...STAYS.map((s) => versions(settlementV(s))),
    fc.option(versions(refundV), { nil: null }),
    versions(statusV(PERSONS[0]!, '低保边缘')),
    versions(statusV(PERSONS[1]!, '支出型困难')),
    versions(statusV(GUARDIAN, '低保', fc.constant(GUARDIAN))),
    versions(childV('FL-1')),
    ...['LS-1', 'LS-2', 'LS-3'].map((id) => versions(paymentV(id))),
    ...['CG-1', 'CG-2'].map((id) => versions(grantV(id))),
    emergencyV('JJ-1'),
    emergencyV('JJ-2'),
    ...['UH-1', 'UH-2'].map((id) => versions(hardshipV(id))),
  ),
  /** Interleaving of the deliveries: a random key per delivery. */
  order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 40, maxLength: 40 }),
  /** Deliveries bundled into one file where they can be. */
  bundle: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
  /** Stale copies: earlier versions delivered again late. */
  stale: fc.array(fc.nat(), { maxLength: 3 }),
  /** First versions first, then the corrections (so that no later delivery happens to re-derive what a correction left). */
  correctionsLast: fc.boolean(),
  load: fc.boolean(),
  /** Acts between deliveries: after the `at`-th file of the sequence (modulo its length), a review decision or a merge undone. */
  acts: fc.array(
    fc.record({
      at: fc.nat({ max: 63 }),
      act: fc.oneof(
        { weight: 3, arbitrary: fc.tuple(fc.nat(), fc.constantFrom('CONFIRM', 'DISMISS') as fc.Arbitrary<'CONFIRM' | 'DISMISS'>).map(([n, decision]) => ({ kind: 'decide' as const, n, decision })) },
        { weight: 1, arbitrary: fc.constantFrom(provisionalKeyOf('JJ-1'), provisionalKeyOf('JJ-2'), CHILD_KEY).map((key) => ({ kind: 'undo' as const, key })) },
      ),
    }),
    { maxLength: 5 },
  ),
});
type History = typeof history extends fc.Arbitrary<infer T> ? T : never;

interface File { system: string; name: string; content: Buffer }

function fileOf(vs: Version[], name: string): File {
  const k = vs[0]!.kind;
  if (k === 'settlement') return { system: 'medical-insurance', name: `${name}.ndjson`, content: settlementFile(vs.map((v) => v.row as SettlementRow)) };
  if (k === 'status') return { system: 'civil-affairs', name: `${name}-st.csv`, content: civilStatusFile(vs.map((v) => v.row as StatusRow)) };
  if (k === 'payment') return { system: 'civil-affairs', name: `${name}-pay.csv`, content: civilPaymentFile(vs.map((v) => v.row as PaymentRow)) };
  if (k === 'hardship') return { system: 'union-hardship', name: `${name}.txt`, content: hardshipFile(vs.map((v) => v.row as HardshipRow)) };
  if (k === 'child') return { system: 'women-children', name: `${name}.json`, content: childFile(vs.map((v) => v.row as ChildRow)) };
  if (k === 'emergency') return { system: 'health-emergency', name: `${name}.ndjson`, content: emergencyFile(vs.map((v) => v.row as EmergencyRow)) };
  return { system: 'charity', name: `${name}.csv`, content: charityGrantFile(vs.map((v) => v.row as GrantRow)) };
}

/** The delivery sequence (each record's versions in their order, records interleaved) and the final versions. */
function plan(h: History): { sequence: File[]; finals: File[] } {
  const lists = h.records.filter((x): x is Version[] => x !== null);
  const items: Array<{ v: Version; key: number }> = [];
  let i = 0;
  for (const list of lists) {
    // Keys ascending within a record keep its versions in order; records interleave freely.
    const keys = list.map(() => h.order[i++ % h.order.length]!).sort((a, b) => a - b);
    list.forEach((v, j) => items.push({ v, key: keys[j]! + j * 1e-9 + (h.correctionsLast && j > 0 ? 1 : 0) }));
  }
  items.sort((a, b) => a.key - b.key);
  for (const s of h.stale) {
    // An earlier version delivered again at the end: a stale copy, which changes nothing.
    const list = lists[s % lists.length]!;
    if (list.length > 1) items.push({ v: list[s % (list.length - 1)]!, key: 3 });
  }
  const sequence: File[] = [];
  let group: Version[] = [];
  items.forEach(({ v }, n) => {
    const fits = group.length > 0 && group[0]!.kind === v.kind && !group.some((g) => g.id === v.id) && h.bundle[n % h.bundle.length];
    if (!fits && group.length) {
      sequence.push(fileOf(group, `d${sequence.length}`));
      group = [];
    }
    group.push(v);
  });
  if (group.length) sequence.push(fileOf(group, `d${sequence.length}`));
  const byKind = new Map<string, Version[]>();
  for (const list of lists) {
    const last = list.at(-1)!;
    byKind.set(last.kind, [...(byKind.get(last.kind) ?? []), last]);
  }
  const finals = [...byKind.values()].map((vs, n) => fileOf(vs, `final${n}`));
  return { sequence, finals };
}

async function deliverAll(files: File[], asLoad: boolean, acts: History['acts'] = [], undone: Array<{ key: string; into: string }> = []): Promise<void> {
  if (asLoad) {
    await ingestBatch(database, files.map((f) => ({ adapter: adapterFor(f.system)!, source: inputSource(adapterFor(f.system)!, bufferInput(f.name, f.content)) })), { now });
    for (const a of acts) await act(a.act, undone);
    return;
  }
  // Each act after the file it names (acts after one file in their order)
  for (const [i, f] of files.entries()) {
    await ingest(database, adapterFor(f.system)!, bufferInput(f.name, f.content), { now });
    for (const a of acts) if (a.at % files.length === i) await act(a.act, undone);
  }
}

type Act = History['acts'][number]['act'];

async function decideOn(aidId: number, kind: string, decision: 'CONFIRM' | 'DISMISS'): Promise<void> {
  try {
    await resolveReview(database, itemId(aidId, kind as ReviewKind), decision, 'property test decision', 'tester', null, now);
  } catch (e) {
    // A confirmation with no partner left is refused (and changes nothing).
    if (!(e as { extensions?: { code?: string } }).extensions?.code && !(e as Error).message.includes('partner')) throw e;
  }
}

/** The merge in force of a provisional person (by its key), and the identity it was merged into. */
async function mergeInForce(key: string): Promise<{ id: number; into: string } | null> {
  const r = await rows<{ id: string; into: string }>(
    database.db,
    sql`SELECT m.id::text, i.id_number AS into FROM person_merges m JOIN persons f ON f.id = m.from_person_id JOIN persons i ON i.id = m.into_person_id
        WHERE f.provisional_key = ${key} AND f.merged_into = m.into_person_id AND m.undone_at IS NULL AND m.superseded_at IS NULL`,
  );
  return r[0] ? { id: Number(r[0].id), into: r[0].into } : null;
}

/** Undoes a merge as `undoPersonMerge` does (src/recipients/resolvers.ts). */
async function undo(mergeId: number): Promise<void> {
  await database.db.transaction(async (tx) => {
    await lockDerivation(tx);
    const r = await undoMerge(tx, mergeId, 'tester', 'property test undo');
    const scope = new Scope();
    scope.addPerson(r!.fromPersonId);
    scope.addPerson(r!.intoPersonId);
    await applyConsequences(tx, scope, now);
  });
}

/** One act on the database being replayed: the n-th open review item (in (system, record, kind) order) decided, or a case's merge undone. */
async function act(a: Act, undone: Array<{ key: string; into: string }>): Promise<void> {
  if (a.kind === 'undo') {
    const m = await mergeInForce(a.key);
    if (m) {
      await undo(m.id);
      undone.push({ key: a.key, into: m.into });
    }
    return;
  }
  const items = (await openItems(database.db, null, null, 1000)).items;
  if (items.length === 0) return;
  const keys = new Map((await rows<{ id: string; k: string }>(database.db, sql`SELECT id::text, system || '/' || record_id AS k FROM aid_records`)).map((r) => [Number(r.id), r.k]));
  const sorted = items.map((i) => ({ i, k: `${keys.get(i.aidId)}:${i.kind}` })).sort((x, y) => x.k.localeCompare(y.k));
  const pick = sorted[a.n % sorted.length]!.i;
  await decideOn(pick.aidId, pick.kind, a.decision);
}

/** The decisions that still hold (not lapsed), in the order they were taken, by natural key. */
async function decisionsInForce(): Promise<Array<{ k: string; kind: string; decision: 'CONFIRM' | 'DISMISS'; dup: string | null }>> {
  return rows(
    database.db,
    sql`SELECT a.system || '/' || a.record_id AS k, d.kind, d.decision, o.system || '/' || o.record_id AS dup
        FROM review_decisions d JOIN aid_records a ON a.id = d.aid_id LEFT JOIN aid_records o ON o.id = d.duplicate_of
        WHERE NOT EXISTS (SELECT 1 FROM review_lapses l WHERE l.decision_id = d.id) ORDER BY d.id`,
  );
}

/** The merges in force: provisional key → the identity number it is merged into. */
async function mergesInForce(): Promise<Array<{ key: string; into: string }>> {
  return rows(
    database.db,
    sql`SELECT f.provisional_key AS key, i.id_number AS into FROM persons f JOIN persons i ON i.id = f.merged_into ORDER BY 1`,
  );
}

/** The fresh database is given the undos that still apply to its merges, then the decisions that hold. */
async function replayActs(undone: Array<{ key: string; into: string }>, decisions: Awaited<ReturnType<typeof decisionsInForce>>): Promise<void> {
  for (const u of undone) {
    const m = await mergeInForce(u.key);
    if (m && m.into === u.into) await undo(m.id);
  }
  const ids = new Map((await rows<{ id: string; k: string }>(database.db, sql`SELECT id::text, system || '/' || record_id AS k FROM aid_records`)).map((r) => [r.k, Number(r.id)]));
  for (const d of decisions) await decideOn(ids.get(d.k)!, d.kind, d.decision);
}

const state = () => derivedState(database, { asOf: '2026-11-01', quarters: [[2026, 1], [2026, 2]] });

describe(`replay equivalence under corrections (${testDbKind})`, () => {
  it('any delivery sequence with corrections ends where a fresh database fed the current versions ends', async () => {
    const seed = process.env.REPLAY_SEED ? Number(process.env.REPLAY_SEED) : Date.now() % 2 ** 31;
    const numRuns = Number(process.env.REPLAY_RUNS ?? 10);
    try {
      await fc.assert(
        fc.asyncProperty(history, async (h) => {
          const { sequence, finals } = plan(h);
          await resetDatabase(database);
          const undone: Array<{ key: string; into: string }> = [];
          await deliverAll(sequence, h.load, h.acts, undone);
          const replayed = { ...(await state()), merges: await mergesInForce() };
          const holding = await decisionsInForce();
          if (process.env.REPLAY_DUMP) {
            const c = await rows<{ d: string; l: string; u: string; g: string; s: string }>(database.db, sql`SELECT (SELECT count(*) FROM review_decisions)::text AS d, (SELECT count(*) FROM review_lapses)::text AS l, (SELECT count(*) FROM person_merges WHERE undone_at IS NOT NULL)::text AS u, (SELECT count(*) FROM person_merges WHERE reason = 'GUARDIAN_HOUSEHOLD_MATCH')::text AS g, (SELECT count(*) FROM person_merges WHERE superseded_at IS NOT NULL)::text AS s`);
            (await import('node:fs')).appendFileSync(`${process.env.REPLAY_DUMP}-counts.txt`, `${JSON.stringify(c[0])} undone=${undone.length} load=${h.load}\n`);
          }
          await resetDatabase(database);
          await deliverAll(finals, false);
          await replayActs(undone, holding);
          const fresh = { ...(await state()), merges: await mergesInForce() };
          // Every decision that held in the replayed database holds here too (none refused, same partners).
          expect(await decisionsInForce()).toEqual(holding);
          if (process.env.REPLAY_DUMP) {
            const { writeFileSync } = await import('node:fs');
            writeFileSync(`${process.env.REPLAY_DUMP}-replayed.json`, JSON.stringify(replayed, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 1));
            writeFileSync(`${process.env.REPLAY_DUMP}-fresh.json`, JSON.stringify(fresh, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 1));
          }
          expect(replayed).toEqual(fresh);
        }),
        { seed, numRuns, endOnFailure: true, ...(process.env.REPLAY_PATH ? { path: process.env.REPLAY_PATH } : {}) },
      );
    } catch (e) {
      const cause = (e as Error).cause;
      throw new Error(`replay property failed; reproduce with REPLAY_SEED=${seed} REPLAY_RUNS=${numRuns}\n${(e as Error).message}${cause ? `\n${String((cause as Error).message ?? cause)}` : ''}`);
    }
  }, 600_000);
});
