/**
 * What caseworkers and the platform do to the pool through the API: allocate funds, record aid after the
 * capacity and balance checks (rule 6), confirm arrival, reverse. Every change re-derives the overlap rules
 * for the person and reconciles the ledger, in the same transaction.
 */
import { transaction, type Database, type Tx } from '../db/client.ts';
import { adapterOfProgram } from '../../adapters/index.ts';
import { fundCodeOf } from '../codes.ts';
import { normalizeIdNumber } from '../identity/id-number.ts';
import { resolvePersons } from '../identity/persons.ts';
import { todayCst } from '../identity/dates.ts';
import { formatYuan, MAX_AMOUNT_FEN } from '../identity/money.ts';
import { Scope } from '../overlap/derive.ts';
import { applyConsequences, lockDerivation } from '../overlap/consequences.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import * as store from './store.ts';
import { appendTransactions, BUDGET, lockedFundBalance } from './store.ts';
import { remainingOf } from '../shared/rules.ts';

export interface RecordAidInput {
  idNumber: string;
  program: string;
  amount: bigint;
  settlementId?: string | null;
  hospitalCode?: string | null;
  voucher?: string | null;
  approvedOn?: string | null;
  paidOn?: string | null;
  overrideReason?: string | null;
}

export type RecordAidResult =
  | { kind: 'AidRecorded'; aidId: number; overridden: boolean }
  | { kind: 'AidRefused'; reason: 'OVER_CAPACITY' | 'INSUFFICIENT_FUNDS' | 'SETTLEMENT_REFUNDED' | 'SETTLEMENT_PERSON_MISMATCH'; message: string; remaining: bigint | null; balance: bigint | null };

function systemOfProgram(program: string): string {
  const a = adapterOfProgram(program);
  if (!a) throw new HubError(ErrorCode.BAD_USER_INPUT, `unknown program "${program}"`, { argument: 'program' });
  return a.code;
}

async function afterChange(tx: Tx, personIds: number[], settlementId: string | null, now: Date): Promise<void> {
  const scope = new Scope();
  for (const p of personIds) scope.addPerson(p);
  scope.addSettlement(settlementId);
  await applyConsequences(tx, scope, now);
}

/** The stay rule 4 infers for aid naming only a hospital, or null (the same inference the derivation makes). */
async function inferredStay(tx: Tx, personId: number, hospitalCode: string, approvedOn: string): Promise<string | null> {
  const r = await store.inferableStay(tx, personId, hospitalCode, approvedOn);
  return r.n === 1 ? r.settlementId : null;
}

export async function recordAid(database: Database, input: RecordAidInput, actor: string, now: Date = new Date()): Promise<RecordAidResult> {
  const id = normalizeIdNumber(input.idNumber, todayCst(now));
  if (!id.ok) throw new HubError(ErrorCode.INVALID_ID_NUMBER, id.message, { argument: 'idNumber' });
  if (input.amount <= 0n || input.amount > MAX_AMOUNT_FEN) throw new HubError(ErrorCode.BAD_USER_INPUT, 'amount must be above 0 and not absurd', { argument: 'amount' });
  const system = systemOfProgram(input.program);
  const today = todayCst(now);
  for (const [k, v] of [['approvedOn', input.approvedOn], ['paidOn', input.paidOn]] as const) {
    if (v && v > today) throw new HubError(ErrorCode.BAD_USER_INPUT, `${k} is in the future`, { argument: k });
  }
  const override = input.overrideReason?.trim() || null;
  const settlementId = input.settlementId?.trim() || null;
  const fund = fundCodeOf(input.program);

  return transaction(database, async (tx): Promise<RecordAidResult> => {
    await lockDerivation(tx);
    const persons = await resolvePersons(tx, [{ idNumber: id.idNumber }]);
    const personId = persons.get(`id:${id.idNumber}`)!;
    let overridden = false;
    let remaining: bigint | null = null;
    // Rule 6 checks against the stay the aid will be linked to: the one it names, or the one rule 4 infers
    // from the hospital (the same inference the derivation makes).
    const stayId = settlementId ?? (input.hospitalCode ? await inferredStay(tx, personId, input.hospitalCode, input.approvedOn ?? today) : null);
    if (stayId) {
      const settlementId = stayId;
      const stay = await store.lockedStay(tx, settlementId);
      if (!stay) throw new HubError(ErrorCode.NOT_FOUND, `no settlement ${settlementId}`, { argument: 'input.settlementId' });
      if (stay.refunded) return { kind: 'AidRefused', reason: 'SETTLEMENT_REFUNDED', message: `settlement ${settlementId} was cancelled by a refund`, remaining: 0n, balance: null };
      if (stay.personId !== personId) return { kind: 'AidRefused', reason: 'SETTLEMENT_PERSON_MISMATCH', message: `settlement ${settlementId} is another person's stay`, remaining: null, balance: null };
      remaining = remainingOf(stay.burden, stay.counted);
      if (input.amount > remaining) {
        if (!override) {
          return { kind: 'AidRefused', reason: 'OVER_CAPACITY', message: `the stay can take ${formatYuan(remaining)} yuan more; give an override reason to go above it`, remaining, balance: null };
        }
        overridden = true;
      }
    }
    if (input.paidOn) {
      const balance = await lockedFundBalance(tx, fund);
      if (balance === null) throw new HubError(ErrorCode.BAD_USER_INPUT, `program ${input.program} has no fund`, { argument: 'input.program' });
      if (input.amount > balance) {
        return { kind: 'AidRefused', reason: 'INSUFFICIENT_FUNDS', message: `fund ${fund} holds ${formatYuan(balance)} yuan`, remaining, balance };
      }
    }
    const aidId = await store.insertApiAid(tx, {
      system,
      personId,
      program: input.program,
      fund,
      amountFen: input.amount,
      approvedOn: input.approvedOn ?? today,
      paidOn: input.paidOn ?? null,
      voucher: input.voucher ?? null,
      settlementRef: settlementId,
      hospitalCode: input.hospitalCode ?? null,
      recordedBy: actor,
      overrideReason: overridden ? override : null,
    });
    await afterChange(tx, [personId], settlementId, now);
    return { kind: 'AidRecorded', aidId, overridden };
  });
}

async function lockedAid(tx: Tx, aidId: number): Promise<{ personId: number; status: string; linked: string | null }> {
  const a = await store.lockedAid(tx, aidId);
  if (!a) throw new HubError(ErrorCode.NOT_FOUND, `no aid record ${aidId}`, { argument: 'aidId' });
  return a;
}

export async function confirmArrival(database: Database, aidId: number, at: Date, now: Date = new Date()): Promise<void> {
  if (at.getTime() > now.getTime() + 5 * 60 * 1000) throw new HubError(ErrorCode.BAD_USER_INPUT, 'arrival is in the future', { argument: 'at' });
  await transaction(database, async (tx) => {
    await lockDerivation(tx);
    const a = await lockedAid(tx, aidId);
    if (a.status !== 'PAID') throw new HubError(ErrorCode.BAD_USER_INPUT, `only paid aid can arrive; this record is ${a.status}`, { argument: 'aidId' });
    await store.markArrived(tx, aidId, at);
    await afterChange(tx, [a.personId], a.linked, now);
  });
}

export async function reverseAid(database: Database, aidId: number, reason: string, now: Date = new Date()): Promise<void> {
  if (reason.trim().length < 4) throw new HubError(ErrorCode.BAD_USER_INPUT, 'give the reason for the reversal', { argument: 'reason' });
  await transaction(database, async (tx) => {
    await lockDerivation(tx);
    const a = await lockedAid(tx, aidId);
    if (a.status === 'REVERSED') throw new HubError(ErrorCode.BAD_USER_INPUT, 'this aid is already reversed', { argument: 'aidId' });
    await store.markReversed(tx, aidId, reason.trim(), now);
    await afterChange(tx, [a.personId], a.linked, now);
  });
}

export async function allocateFunds(database: Database, fund: string, amount: bigint, note: string, actor: string, now: Date = new Date()): Promise<number> {
  if (amount <= 0n || amount > MAX_AMOUNT_FEN * 1000n) throw new HubError(ErrorCode.BAD_USER_INPUT, 'amount must be above 0 and not absurd', { argument: 'amount' });
  if (note.trim().length < 2) throw new HubError(ErrorCode.BAD_USER_INPUT, 'say what the allocation is', { argument: 'note' });
  return transaction(database, async (tx) => {
    if ((await lockedFundBalance(tx, fund)) === null) throw new HubError(ErrorCode.NOT_FOUND, `no fund ${fund}`, { argument: 'fund' });
    const [txId] = await appendTransactions(tx, [
      {
        kind: 'ALLOCATION',
        occurredAt: now,
        valueDate: todayCst(now),
        bookedAt: now,
        description: note.trim(),
        aidId: null,
        sourceSystem: null,
        sourceRecordId: null,
        createdBy: actor,
        postings: [
          { account: BUDGET, amountFen: -amount },
          { account: fund, amountFen: amount },
        ],
      },
    ]);
    return txId!;
  });
}

/** One page of paid-not-arrived aid (domain.md): paid at least `days` days ago, not confirmed, counting. */
export async function paidNotArrived(database: Database, opts: { days: number; afterId: number; limit: number; reach: store.ListReach }, now: Date = new Date()) {
  return store.paidNotArrived(database.db, { ...opts, today: todayCst(now) });
}

/**
 * The fund a system's donations are booked into: the fund of the system's first program (a social channel
 * pays out of what it receives), or `FUND:<system>` for a system with no program.
 */
export function donationFund(source: { code: string; programs: ReadonlyArray<{ code: string }> }): string {
  return source.programs[0] ? fundCodeOf(source.programs[0].code) : `FUND:${source.code}`;
}
