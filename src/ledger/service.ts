/**
 * What caseworkers and the platform do to the pool through the API: allocate funds, record aid after the
 * capacity and balance checks (rule 6), confirm arrival, reverse. Every change re-derives the overlap rules
 * for the person and reconciles the ledger, in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rows, type Database, type Tx } from '../db/client.ts';
import { adapters } from '../../adapters/index.ts';
import { fundCodeOf } from '../codes.ts';
import { normalizeIdNumber } from '../identity/id-number.ts';
import { normalizeVoucher } from '../identity/text.ts';
import { resolvePersons } from '../identity/persons.ts';
import { todayCst } from '../identity/dates.ts';
import { formatYuan, MAX_AMOUNT_FEN } from '../identity/money.ts';
import { Scope } from '../overlap/derive.ts';
import { applyConsequences, lockDerivation } from '../overlap/consequences.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import { appendTransactions, BUDGET, lockedFundBalance } from './store.ts';
import { countsSql, inferableStays, remainingOf } from '../shared/rules.ts';

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
  const a = adapters.find((x) => x.programs.some((p) => p.code === program));
  if (!a) throw new HubError(ErrorCode.BAD_USER_INPUT, `unknown program "${program}"`, { argument: 'program' });
  return a.code;
}

async function afterChange(tx: Tx, personIds: number[], settlementId: string | null, now: Date): Promise<void> {
  const scope = new Scope();
  for (const p of personIds) scope.addPerson(p);
  scope.addSettlement(settlementId);
  await applyConsequences(tx, scope, now);
}

/** Counted aid linked to a stay, with the stay locked so that concurrent checks against it are serialised. */
async function lockedStay(tx: Tx, settlementId: string): Promise<{ personId: number; burden: bigint; counted: bigint; refunded: boolean } | null> {
  const s = await rows<{ person_id: string; burden: string; refunded: boolean }>(
    tx,
    sql`/* ledger.lock-stay */ SELECT person_id::text, burden_fen::text AS burden, refunded_by IS NOT NULL AS refunded FROM settlements WHERE settlement_id = ${settlementId} FOR UPDATE`,
  );
  if (!s[0]) return null;
  const c = await rows<{ n: string }>(
    tx,
    sql`SELECT COALESCE(sum(amount_fen), 0)::text AS n FROM aid_records a WHERE linked_settlement_id = ${settlementId} AND ${countsSql('a')}`,
  );
  return { personId: Number(s[0].person_id), burden: BigInt(s[0].burden), counted: BigInt(c[0]!.n), refunded: s[0].refunded };
}

/** The stay rule 4 infers for aid naming only a hospital, or null. */
async function inferredStay(tx: Tx, personId: number, hospitalCode: string, approvedOn: string): Promise<string | null> {
  const r = await rows<{ n: string; sid: string | null }>(tx, sql`/* ledger.inferred-stay */ ${inferableStays(sql`${personId}::bigint`, sql`${hospitalCode}::text`, sql`${approvedOn}::date`)}`);
  return r[0] && Number(r[0].n) === 1 ? r[0].sid : null;
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

  return database.db.transaction(async (tx): Promise<RecordAidResult> => {
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
      const stay = await lockedStay(tx, settlementId);
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
    const inserted = await rows<{ id: string }>(
      tx,
      sql`/* ledger.record-aid */ INSERT INTO aid_records (system, record_id, person_id, program, fund_code, amount_fen, approved_on, paid_on, voucher, voucher_normalized,
            settlement_ref, hospital_code, status, details, origin, recorded_by, override_reason, content_hash)
          VALUES (${system}, ${`API-${randomUUID()}`}, ${personId}, ${input.program}, ${fund}, ${input.amount.toString()}, ${input.approvedOn ?? today},
            ${input.paidOn ?? null}, ${input.voucher ?? null}, ${normalizeVoucher(input.voucher)}, ${settlementId}, ${input.hospitalCode ?? null},
            ${input.paidOn ? 'PAID' : 'APPROVED'}, '{}'::jsonb, 'API', ${actor}, ${overridden ? override : null}, 'api')
          RETURNING id::text AS id`,
    );
    await afterChange(tx, [personId], settlementId, now);
    return { kind: 'AidRecorded', aidId: Number(inserted[0]!.id), overridden };
  });
}

async function lockedAid(tx: Tx, aidId: number): Promise<{ person_id: string; status: string; linked: string | null }> {
  const r = await rows<{ person_id: string; status: string; linked: string | null }>(
    tx,
    sql`SELECT person_id::text, status, linked_settlement_id AS linked FROM aid_records WHERE id = ${aidId} FOR UPDATE`,
  );
  if (!r[0]) throw new HubError(ErrorCode.NOT_FOUND, `no aid record ${aidId}`, { argument: 'aidId' });
  return r[0];
}

export async function confirmArrival(database: Database, aidId: number, at: Date, now: Date = new Date()): Promise<void> {
  if (at.getTime() > now.getTime() + 5 * 60 * 1000) throw new HubError(ErrorCode.BAD_USER_INPUT, 'arrival is in the future', { argument: 'at' });
  await database.db.transaction(async (tx) => {
    await lockDerivation(tx);
    const a = await lockedAid(tx, aidId);
    if (a.status !== 'PAID') throw new HubError(ErrorCode.BAD_USER_INPUT, `only paid aid can arrive; this record is ${a.status}`, { argument: 'aidId' });
    await tx.execute(sql`/* ledger.confirm-arrival */ UPDATE aid_records SET status = 'ARRIVED', arrived_at = ${at.toISOString()}::timestamptz, updated_at = now() WHERE id = ${aidId}`);
    await afterChange(tx, [Number(a.person_id)], a.linked, now);
  });
}

export async function reverseAid(database: Database, aidId: number, reason: string, now: Date = new Date()): Promise<void> {
  if (reason.trim().length < 4) throw new HubError(ErrorCode.BAD_USER_INPUT, 'give the reason for the reversal', { argument: 'reason' });
  await database.db.transaction(async (tx) => {
    await lockDerivation(tx);
    const a = await lockedAid(tx, aidId);
    if (a.status === 'REVERSED') throw new HubError(ErrorCode.BAD_USER_INPUT, 'this aid is already reversed', { argument: 'aidId' });
    await tx.execute(sql`/* ledger.reverse-aid */ UPDATE aid_records SET status = 'REVERSED', reversal_reason = ${reason.trim()}, reversed_at = ${now.toISOString()}::timestamptz, updated_at = now() WHERE id = ${aidId}`);
    await afterChange(tx, [Number(a.person_id)], a.linked, now);
  });
}

export async function allocateFunds(database: Database, fund: string, amount: bigint, note: string, actor: string, now: Date = new Date()): Promise<number> {
  if (amount <= 0n || amount > MAX_AMOUNT_FEN * 1000n) throw new HubError(ErrorCode.BAD_USER_INPUT, 'amount must be above 0 and not absurd', { argument: 'amount' });
  if (note.trim().length < 2) throw new HubError(ErrorCode.BAD_USER_INPUT, 'say what the allocation is', { argument: 'note' });
  return database.db.transaction(async (tx) => {
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

/**
 * The fund a system's donations are booked into: the fund of the system's first program (a social channel
 * pays out of what it receives), or `FUND:<system>` for a system with no program.
 */
export function donationFund(source: { code: string; programs: ReadonlyArray<{ code: string }> }): string {
  return source.programs[0] ? fundCodeOf(source.programs[0].code) : `FUND:${source.code}`;
}
