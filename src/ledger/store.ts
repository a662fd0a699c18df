/**
 * The fund pool (domain.md "The fund pool"): double entry, append only. Accounts:
 *   FUND:<program>   each program's fund, of its agency
 *   OUTSIDE:BUDGET   where allocations come from
 *   OUTSIDE:DONORS   where donations come from
 *   TRANSIT          aid paid out, receipt not yet confirmed (paid-not-arrived)
 *   RECIPIENTS       aid received (到账), the person on each posting
 * Every transaction's postings sum to zero. Postings are signed: + raises the account's balance.
 *
 * Agency history is booked by reconciliation: for each aid record the ledger should show its counting,
 * paid amount in TRANSIT (or RECIPIENTS once arrived); when it shows something else, a new transaction books
 * the difference (disbursement, arrival, reversal or correction). Nothing is ever edited.
 */
import { sql } from 'drizzle-orm';
import { A, rows, type Db, type Tx } from '../db/client.ts';
import { adapters } from '../../adapters/index.ts';
import { fundCodeOf } from '../codes.ts';
import { todayCst } from '../identity/dates.ts';
import { isEmptySet, personIn, personSlices, type PersonSet } from '../overlap/derive.ts';

export const BUDGET = 'OUTSIDE:BUDGET';
export const DONORS = 'OUTSIDE:DONORS';
export const TRANSIT = 'TRANSIT';
export const RECIPIENTS = 'RECIPIENTS';

export type TxKind = 'ALLOCATION' | 'DONATION' | 'DISBURSEMENT' | 'ARRIVAL' | 'REVERSAL' | 'CORRECTION';

interface AccountDef {
  code: string;
  name: string;
  kind: 'FUND' | 'OUTSIDE' | 'TRANSIT' | 'RECIPIENTS';
  agency: string | null;
  program: string | null;
}

/** Every account the registry implies: one fund per program of every system, and the four others. */
export function accountDefs(): AccountDef[] {
  const funds = adapters.flatMap((a) =>
    a.programs.map((p) => ({ code: fundCodeOf(p.code), name: `${p.title}基金`, kind: 'FUND' as const, agency: a.agency, program: p.code })),
  );
  return [
    ...funds,
    { code: BUDGET, name: '财政及上级拨款', kind: 'OUTSIDE', agency: null, program: null },
    { code: DONORS, name: '社会捐赠', kind: 'OUTSIDE', agency: null, program: null },
    { code: TRANSIT, name: '已发放未到账', kind: 'TRANSIT', agency: null, program: null },
    { code: RECIPIENTS, name: '救助对象', kind: 'RECIPIENTS', agency: null, program: null },
  ];
}

export async function ensureAccounts(tx: Db): Promise<void> {
  const defs = accountDefs();
  // label: ledger.ensure-accounts
  await tx.execute(sql`
    INSERT INTO fund_accounts (code, name, kind, agency, program)
    SELECT * FROM unnest(${A(defs.map((d) => d.code))}::text[], ${A(defs.map((d) => d.name))}::text[], ${A(defs.map((d) => d.kind))}::text[],
      ${A(defs.map((d) => d.agency))}::text[], ${A(defs.map((d) => d.program))}::text[])
    ON CONFLICT (code) DO NOTHING`);
}

export interface Posting {
  account: string;
  amountFen: bigint;
  personId?: number | null;
}

export interface NewTransaction {
  kind: TxKind;
  occurredAt: Date;
  description: string | null;
  aidId: number | null;
  sourceSystem: string | null;
  sourceRecordId: string | null;
  createdBy: string | null;
  postings: Posting[];
}

/** Appends transactions; refuses one whose postings do not sum to zero. Returns their ids in order. */
export async function appendTransactions(tx: Tx, items: NewTransaction[]): Promise<number[]> {
  if (items.length === 0) return [];
  for (const t of items) {
    const sum = t.postings.reduce((s, p) => s + p.amountFen, 0n);
    if (sum !== 0n) throw new Error(`unbalanced ${t.kind} transaction: postings sum to ${sum}`);
  }
  // label: ledger.insert-transactions
  const ids = await rows<{ id: string; n: number }>(
    tx,
    sql`INSERT INTO ledger_transactions (kind, occurred_at, description, aid_id, source_system, source_record_id, created_by)
        SELECT k, o, d, a, s, r, c FROM unnest(${A(items.map((t) => t.kind))}::text[], ${A(items.map((t) => t.occurredAt.toISOString()))}::timestamptz[],
          ${A(items.map((t) => t.description))}::text[], ${A(items.map((t) => t.aidId))}::bigint[], ${A(items.map((t) => t.sourceSystem))}::text[],
          ${A(items.map((t) => t.sourceRecordId))}::text[], ${A(items.map((t) => t.createdBy))}::text[]) WITH ORDINALITY AS x(k, o, d, a, s, r, c, n)
        ORDER BY n
        RETURNING id::text AS id`,
  );
  const txIds = ids.map((r) => Number(r.id));
  const flat = items.flatMap((t, i) => t.postings.filter((p) => p.amountFen !== 0n).map((p) => ({ tx: txIds[i]!, ...p })));
  // label: ledger.insert-postings
  await tx.execute(sql`
    INSERT INTO ledger_postings (tx_id, account_code, amount_fen, person_id)
    SELECT * FROM unnest(${A(flat.map((p) => p.tx))}::bigint[], ${A(flat.map((p) => p.account))}::text[], ${A(flat.map((p) => p.amountFen))}::bigint[],
      ${A(flat.map((p) => p.personId ?? null))}::bigint[])`);
  const days = items.flatMap((t) => t.postings.filter((p) => p.amountFen !== 0n).map(() => todayCst(t.occurredAt)));
  // label: ledger.daily — the fund accounts' daily sums, in key order (concurrent writers lock rows in one order)
  await tx.execute(sql`
    INSERT INTO ledger_daily (account_code, day, inflows_fen, outflows_fen)
    SELECT t.a, t.d, sum(GREATEST(t.m, 0)), sum(GREATEST(-t.m, 0))
    FROM unnest(${A(flat.map((p) => p.account))}::text[], ${A(days)}::date[], ${A(flat.map((p) => p.amountFen))}::bigint[]) AS t(a, d, m)
    JOIN fund_accounts f ON f.code = t.a AND f.kind = 'FUND'
    GROUP BY t.a, t.d ORDER BY t.a, t.d
    ON CONFLICT (account_code, day) DO UPDATE SET inflows_fen = ledger_daily.inflows_fen + EXCLUDED.inflows_fen,
      outflows_fen = ledger_daily.outflows_fen + EXCLUDED.outflows_fen`);
  return txIds;
}

const cstMidnight = (day: string) => new Date(`${day}T00:00:00+08:00`);

/**
 * Books what the aid of these persons should show and does not yet: a counting paid record sits in TRANSIT
 * (RECIPIENTS once its arrival is confirmed); a reversed or duplicate one sits nowhere.
 */
export async function reconcileAid(tx: Tx, persons: PersonSet, now: Date): Promise<void> {
  if (isEmptySet(persons)) return;
  if (persons.all) {
    // Every person: slice by slice, so that the deltas held in memory stay bounded whatever the province's size.
    for (const slice of await personSlices(tx)) await reconcileAid(tx, slice, now);
    return;
  }
  await ensureAccounts(tx);
  // label: ledger.aid-deltas
  const deltas = await rows<{ id: string; system: string; record_id: string; fund_code: string; person_id: string; dt: string; dr: string; was: string; paid_on: string | null; arrived_at: string | null }>(
    tx,
    sql`WITH cur AS (
          SELECT x.aid_id, COALESCE(sum(p.amount_fen) FILTER (WHERE p.account_code = ${TRANSIT}), 0) AS t,
                 COALESCE(sum(p.amount_fen) FILTER (WHERE p.account_code = ${RECIPIENTS}), 0) AS r
          FROM ledger_transactions x JOIN ledger_postings p ON p.tx_id = x.id
          WHERE x.aid_id IN (SELECT id FROM aid_records WHERE ${personIn(sql`person_id`, persons)})
          GROUP BY x.aid_id),
        want AS (
          SELECT a.*, (a.status IN ('PAID', 'ARRIVED') AND a.duplicate_of IS NULL) AS booked FROM aid_records a
          WHERE ${personIn(sql`a.person_id`, persons)})
        SELECT w.id::text, w.system, w.record_id, w.fund_code, w.person_id::text, w.paid_on::text,
          to_char(w.arrived_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS arrived_at,
          ((CASE WHEN w.booked AND w.arrived_at IS NULL THEN w.amount_fen ELSE 0 END) - COALESCE(c.t, 0))::text AS dt,
          ((CASE WHEN w.booked AND w.arrived_at IS NOT NULL THEN w.amount_fen ELSE 0 END) - COALESCE(c.r, 0))::text AS dr,
          (COALESCE(c.t, 0) + COALESCE(c.r, 0))::text AS was
        FROM want w LEFT JOIN cur c ON c.aid_id = w.id
        WHERE (CASE WHEN w.booked AND w.arrived_at IS NULL THEN w.amount_fen ELSE 0 END) <> COALESCE(c.t, 0)
           OR (CASE WHEN w.booked AND w.arrived_at IS NOT NULL THEN w.amount_fen ELSE 0 END) <> COALESCE(c.r, 0)
        ORDER BY w.id`,
  );
  const items: NewTransaction[] = deltas.map((d) => {
    const dt = BigInt(d.dt);
    const dr = BigInt(d.dr);
    const was = BigInt(d.was);
    let kind: TxKind;
    let occurredAt = now;
    if (was === 0n) {
      kind = 'DISBURSEMENT';
      if (d.paid_on) occurredAt = cstMidnight(d.paid_on);
    } else if (was + dt + dr === 0n) kind = 'REVERSAL';
    else if (dt + dr === 0n && dr > 0n) {
      kind = 'ARRIVAL';
      if (d.arrived_at) occurredAt = new Date(d.arrived_at);
    } else kind = 'CORRECTION';
    const personId = Number(d.person_id);
    return {
      kind,
      occurredAt,
      description: `${d.system} ${d.record_id}`,
      aidId: Number(d.id),
      sourceSystem: d.system,
      sourceRecordId: d.record_id,
      createdBy: null,
      postings: [
        { account: TRANSIT, amountFen: dt, personId },
        { account: RECIPIENTS, amountFen: dr, personId },
        { account: d.fund_code, amountFen: -(dt + dr) },
      ],
    };
  });
  await appendTransactions(tx, items);
}

/** Books donations received by the social channels (red-cross, charity) into their funds, as delivered. */
export async function reconcileDonations(tx: Tx, system: string, donationIds: string[], now: Date): Promise<void> {
  if (donationIds.length === 0) return;
  await ensureAccounts(tx);
  // label: ledger.donation-deltas — what each delivered donation has booked, looked up per donation by index
  // (a grouped join over the system's ledger was mis-planned as a nested loop while the ledger grew in-transaction)
  const deltas = await rows<{ donation_id: string; fund_code: string; delta: string; was: string; received_at: string }>(
    tx,
    sql`SELECT donation_id, fund_code, (amount_fen - booked)::text AS delta, booked::text AS was, received_at
        FROM (
          SELECT d.donation_id, d.fund_code, d.amount_fen,
            to_char(d.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS received_at,
            COALESCE((SELECT sum(p.amount_fen) FROM ledger_transactions x JOIN ledger_postings p ON p.tx_id = x.id
                      WHERE x.source_system = ${system} AND x.source_record_id = 'donation:' || d.donation_id
                        AND x.kind IN ('DONATION', 'CORRECTION') AND x.aid_id IS NULL AND p.account_code <> ${DONORS}), 0) AS booked
          FROM donations d WHERE d.system = ${system} AND d.donation_id = ANY(${A(donationIds)}::text[])
        ) b
        WHERE amount_fen <> booked`,
  );
  await appendTransactions(
    tx,
    deltas.map((d) => ({
      kind: BigInt(d.was) === 0n ? ('DONATION' as const) : ('CORRECTION' as const),
      occurredAt: BigInt(d.was) === 0n ? new Date(d.received_at) : now,
      description: `${system} donation ${d.donation_id}`,
      aidId: null,
      sourceSystem: system,
      sourceRecordId: `donation:${d.donation_id}`,
      createdBy: null,
      postings: [
        { account: d.fund_code, amountFen: BigInt(d.delta) },
        { account: DONORS, amountFen: -BigInt(d.delta) },
      ],
    })),
  );
}

export interface FundRow {
  code: string;
  name: string;
  agency: string | null;
  program: string | null;
  balanceFen: bigint;
  inflowsFen: bigint;
  outflowsFen: bigint;
}

/** Every program fund (or one) with its balance, inflows and outflows. */
export async function fundBalances(tx: Db, code?: string | null): Promise<FundRow[]> {
  await ensureAccounts(tx);
  // label: ledger.fund-balances
  const r = await rows<{ code: string; name: string; agency: string | null; program: string | null; balance: string; inflows: string; outflows: string }>(
    tx,
    sql`SELECT f.code, f.name, f.agency, f.program, COALESCE(sum(p.amount_fen), 0)::text AS balance,
          COALESCE(sum(p.amount_fen) FILTER (WHERE p.amount_fen > 0), 0)::text AS inflows,
          COALESCE(-sum(p.amount_fen) FILTER (WHERE p.amount_fen < 0), 0)::text AS outflows
        FROM fund_accounts f LEFT JOIN ledger_postings p ON p.account_code = f.code
        WHERE f.kind = 'FUND' AND (${code ?? null}::text IS NULL OR f.code = ${code ?? null})
        GROUP BY f.code, f.name, f.agency, f.program ORDER BY f.code`,
  );
  return r.map((x) => ({ ...x, balanceFen: BigInt(x.balance), inflowsFen: BigInt(x.inflows), outflowsFen: BigInt(x.outflows) }));
}

/** A fund's balance, locking its account row so that concurrent API payments from it are serialised. */
export async function lockedFundBalance(tx: Tx, code: string): Promise<bigint | null> {
  await ensureAccounts(tx);
  // label: ledger.lock-fund
  const locked = await rows<{ code: string }>(tx, sql`SELECT code FROM fund_accounts WHERE code = ${code} AND kind = 'FUND' FOR UPDATE`);
  if (locked.length === 0) return null;
  const r = await rows<{ b: string }>(tx, sql`SELECT COALESCE(sum(amount_fen), 0)::text AS b FROM ledger_postings WHERE account_code = ${code}`);
  return BigInt(r[0]!.b);
}

export interface TxRow {
  id: number;
  kind: string;
  occurredAt: string;
  description: string | null;
  aidId: number | null;
  createdBy: string | null;
  amountFen: bigint;
  postings: Array<{ account: string; amountFen: bigint; personId: number | null }>;
}

/** A fund's transactions, newest first, with the amount that moved in or out of the fund. */
export async function fundTransactions(tx: Db, code: string, afterId: number | null, limit: number, onlyId: number | null = null): Promise<{ items: TxRow[]; total: number }> {
  // label: ledger.fund-transactions
  const r = await rows<{ id: string; kind: string; occurred_at: string; description: string | null; aid_id: string | null; created_by: string | null; amount: string; postings: Array<{ account: string; amount: string; person: string | null }> }>(
    tx,
    sql`SELECT x.id::text, x.kind, to_char(x.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, x.description,
          x.aid_id::text, x.created_by, f.amount::text,
          (SELECT json_agg(json_build_object('account', p.account_code, 'amount', p.amount_fen::text, 'person', p.person_id::text) ORDER BY p.id)
             FROM ledger_postings p WHERE p.tx_id = x.id) AS postings
        FROM ledger_transactions x
        JOIN (SELECT tx_id, sum(amount_fen) AS amount FROM ledger_postings WHERE account_code = ${code} GROUP BY tx_id) f ON f.tx_id = x.id
        WHERE (${afterId}::bigint IS NULL OR x.id < ${afterId}) AND (${onlyId}::bigint IS NULL OR x.id = ${onlyId})
        ORDER BY x.id DESC LIMIT ${limit + 1}`,
  );
  const total = await rows<{ n: string }>(tx, sql`SELECT count(DISTINCT tx_id)::text AS n FROM ledger_postings WHERE account_code = ${code}`);
  return {
    total: Number(total[0]!.n),
    items: r.map((x) => ({
      id: Number(x.id),
      kind: x.kind,
      occurredAt: x.occurred_at,
      description: x.description,
      aidId: x.aid_id === null ? null : Number(x.aid_id),
      createdBy: x.created_by,
      amountFen: BigInt(x.amount),
      postings: (x.postings ?? []).map((p) => ({ account: p.account, amountFen: BigInt(p.amount), personId: p.person === null ? null : Number(p.person) })),
    })),
  };
}
