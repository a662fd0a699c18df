/**
 * The fund pool (domain.md "The fund pool"): double entry, append only. Accounts:
 *   FUND:<program>   each program's fund, of its agency
 *   OUTSIDE:BUDGET   where allocations come from
 *   OUTSIDE:DONORS   where donations come from
 *   TRANSIT          aid paid out, receipt not yet confirmed (paid-not-arrived)
 *   RECIPIENTS       aid received (到账), the person on each posting
 * Every transaction's postings sum to zero. Postings are signed: + raises the account's balance.
 *
 * Agency history is booked by reconciliation: for each aid record the ledger should hold exactly its current
 * position — a counting paid record's amount out of its fund on its value date (the payment day) and in TRANSIT
 * (RECIPIENTS once arrived) under its person; a reversed or duplicate one nothing. When it holds something else,
 * new transactions book the difference (disbursement, arrival, reversal or correction), each correcting
 * transaction dated by the value date of the position it corrects. Nothing is ever edited. Because every
 * position is kept per (fund, value date), the fund figures by value date follow from the current facts alone,
 * whatever order the deliveries came in (domain.md "The fund pool").
 */
import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { A, rows, type Db, type Tx } from '../db/client.ts';
import { adapters } from '../../adapters/index.ts';
import { fundCodeOf } from '../codes.ts';
import { todayCst } from '../identity/dates.ts';
import { normalizeVoucher } from '../identity/text.ts';
import { isEmptySet, personIn, personSlices, recordChunks, slicing, type PersonSet } from '../shared/person-sets.ts';
import { AWAITING_ARRIVAL, countsSql, inferableStays } from '../shared/rules.ts';

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

/**
 * Adds the accounts the registry implies that are missing. Run at start-up (src/app.ts seedReferenceData) and
 * by the writes that book (reconciliation, a payment's balance check): never by a read.
 */
export async function ensureAccounts(tx: Db): Promise<void> {
  const defs = accountDefs();
  await tx.execute(sql`/* ledger.ensure-accounts */ 
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
  /** When the movement happened (payment day, arrival, receipt), as an instant. */
  occurredAt: Date;
  /** The value date (YYYY-MM-DD, China Standard Time): what the quarterly fund figures go by. */
  valueDate: string;
  /** When the hub booked it. */
  bookedAt: Date;
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
    if (!/^\d{4}-\d{2}-\d{2}$/.test(t.valueDate)) throw new Error(`${t.kind} transaction without a value date`);
  }
  const ids = await rows<{ id: string; n: number }>(
    tx,
    sql`/* ledger.insert-transactions */ INSERT INTO ledger_transactions (kind, occurred_at, value_date, booked_at, description, aid_id, source_system, source_record_id, created_by)
        SELECT k, o, v, b, d, a, s, r, c FROM unnest(${A(items.map((t) => t.kind))}::text[], ${A(items.map((t) => t.occurredAt.toISOString()))}::timestamptz[],
          ${A(items.map((t) => t.valueDate))}::date[], ${A(items.map((t) => t.bookedAt.toISOString()))}::timestamptz[],
          ${A(items.map((t) => t.description))}::text[], ${A(items.map((t) => t.aidId))}::bigint[], ${A(items.map((t) => t.sourceSystem))}::text[],
          ${A(items.map((t) => t.sourceRecordId))}::text[], ${A(items.map((t) => t.createdBy))}::text[]) WITH ORDINALITY AS x(k, o, v, b, d, a, s, r, c, n)
        ORDER BY n
        RETURNING id::text AS id`,
  );
  const txIds = ids.map((r) => Number(r.id));
  const flat = items.flatMap((t, i) =>
    t.postings.filter((p) => p.amountFen !== 0n).map((p) => ({ tx: txIds[i]!, day: t.valueDate, aid: t.aidId !== null, ...p })),
  );
  await tx.execute(sql`/* ledger.insert-postings */ 
    INSERT INTO ledger_postings (tx_id, account_code, amount_fen, person_id)
    SELECT * FROM unnest(${A(flat.map((p) => p.tx))}::bigint[], ${A(flat.map((p) => p.account))}::text[], ${A(flat.map((p) => p.amountFen))}::bigint[],
      ${A(flat.map((p) => p.personId ?? null))}::bigint[])`);
  // The fund accounts' sums per value date, by side (what aid took, what the rest brought),
  // in key order (concurrent writers lock rows in one order)
  await tx.execute(sql`/* ledger.daily */ 
    INSERT INTO ledger_daily (account_code, day, inflows_fen, outflows_fen)
    SELECT t.a, t.d, COALESCE(sum(t.m) FILTER (WHERE NOT t.aid), 0), COALESCE(-sum(t.m) FILTER (WHERE t.aid), 0)
    FROM unnest(${A(flat.map((p) => p.account))}::text[], ${A(flat.map((p) => p.day))}::date[], ${A(flat.map((p) => p.amountFen))}::bigint[],
      ${A(flat.map((p) => p.aid))}::boolean[]) AS t(a, d, m, aid)
    JOIN fund_accounts f ON f.code = t.a AND f.kind = 'FUND'
    GROUP BY t.a, t.d ORDER BY t.a, t.d
    ON CONFLICT (account_code, day) DO UPDATE SET inflows_fen = ledger_daily.inflows_fen + EXCLUDED.inflows_fen,
      outflows_fen = ledger_daily.outflows_fen + EXCLUDED.outflows_fen`);
  return txIds;
}

const cstMidnight = (day: string) => new Date(`${day}T00:00:00+08:00`);

/** One position of an aid record in the ledger: a fund on a value date, or TRANSIT/RECIPIENTS under a person. */
interface Position {
  account: string;
  valueDate: string | null;
  personId: number | null;
  amountFen: bigint;
}

interface AidState {
  id: number;
  system: string;
  recordId: string;
  fundCode: string;
  personId: number;
  amountFen: bigint;
  valueDate: string;
  booked: boolean;
  arrivedAt: string | null;
  current: Position[];
}

const isHolding = (account: string) => account === TRANSIT || account === RECIPIENTS;

/**
 * The transactions that bring one aid record's positions from what the ledger holds to what the record says.
 * Fund positions that must shrink are booked first, each on the value date of the position it corrects
 * (REVERSAL when it goes to nothing, else CORRECTION); then the fund positions that must grow (DISBURSEMENT
 * when new, else CORRECTION), on the record's value date; then what is left between TRANSIT and RECIPIENTS
 * (ARRIVAL, or a CORRECTION moving a payment between persons). Every transaction sums to zero.
 */
export function planAid(a: AidState, now: Date): NewTransaction[] {
  const key = (p: { account: string; valueDate: string | null; personId: number | null }) => `${p.account}|${p.valueDate ?? ''}|${p.personId ?? ''}`;
  const want = new Map<string, Position>();
  if (a.booked && a.amountFen !== 0n) {
    const fund: Position = { account: a.fundCode, valueDate: a.valueDate, personId: null, amountFen: -a.amountFen };
    const held: Position = { account: a.arrivedAt ? RECIPIENTS : TRANSIT, valueDate: null, personId: a.personId, amountFen: a.amountFen };
    want.set(key(fund), fund);
    want.set(key(held), held);
  }
  const cur = new Map<string, Position>(a.current.map((p) => [key(p), p]));
  const holding = new Map<string, Position>();
  for (const p of [...cur.values(), ...want.values()]) if (isHolding(p.account)) holding.set(key(p), { ...p, amountFen: cur.get(key(p))?.amountFen ?? 0n });
  const wanted = (k: string) => want.get(k)?.amountFen ?? 0n;
  const fundKeys = [...new Set([...cur.keys(), ...want.keys()])].filter((k) => !isHolding((cur.get(k) ?? want.get(k))!.account)).sort();
  const base = { description: `${a.system} ${a.recordId}`, aidId: a.id, sourceSystem: a.system, sourceRecordId: a.recordId, createdBy: null, bookedAt: now };
  const out: NewTransaction[] = [];

  // Moves `amount` (signed, as the holding side receives it) across the holding positions, preferring those
  // furthest from what they should hold; returns the postings.
  const moveHolding = (amount: bigint): Posting[] => {
    const postings: Posting[] = [];
    let left = amount;
    const gap = (h: Position) => wanted(key(h)) - h.amountFen; // > 0: short of what it should hold
    const order = [...holding.values()].sort((x, y) => {
      const gx = amount > 0n ? gap(x) : -gap(x);
      const gy = amount > 0n ? gap(y) : -gap(y);
      return gx === gy ? key(x).localeCompare(key(y)) : gx > gy ? -1 : 1;
    });
    for (const h of order) {
      if (left === 0n) break;
      // Taking out: what it holds above its due first, then anything it holds. Putting in: up to its due.
      const room = amount > 0n ? gap(h) : h.amountFen;
      const step = amount > 0n ? (room > 0n ? (room < left ? room : left) : 0n) : room > 0n ? (room < -left ? -room : left) : 0n;
      if (step === 0n) continue;
      h.amountFen += step;
      left -= step;
      postings.push({ account: h.account, amountFen: step, personId: h.personId });
    }
    if (left !== 0n) {
      // Nothing (more) to draw on or fill: the record's own holding position takes the rest.
      const own = { account: a.arrivedAt ? RECIPIENTS : TRANSIT, valueDate: null, personId: a.personId, amountFen: 0n };
      const h = holding.get(key(own)) ?? (holding.set(key(own), own), own);
      h.amountFen += left;
      postings.push({ account: h.account, amountFen: left, personId: h.personId });
    }
    return postings;
  };

  for (const shrink of [true, false]) {
    for (const k of fundKeys) {
      const p = (cur.get(k) ?? want.get(k))!;
      const had = cur.get(k)?.amountFen ?? 0n;
      const delta = wanted(k) - had; // > 0: money back into the fund
      if (delta === 0n || delta > 0n !== shrink) continue;
      const kind: TxKind = shrink ? (wanted(k) === 0n ? 'REVERSAL' : 'CORRECTION') : had === 0n ? 'DISBURSEMENT' : 'CORRECTION';
      out.push({ ...base, kind, occurredAt: cstMidnight(p.valueDate!), valueDate: p.valueDate!, postings: [{ account: p.account, amountFen: delta }, ...moveHolding(-delta)] });
    }
  }
  const rest: Posting[] = [...holding.values()]
    .sort((x, y) => key(x).localeCompare(key(y)))
    .map((h) => ({ account: h.account, personId: h.personId, amountFen: wanted(key(h)) - h.amountFen }))
    .filter((p) => p.amountFen !== 0n);
  if (rest.length > 0) {
    const arrival = a.arrivedAt !== null && rest.every((p) => (p.amountFen > 0n ? p.account === RECIPIENTS : p.account === TRANSIT) && p.personId === a.personId);
    const at = arrival ? new Date(a.arrivedAt!) : now;
    out.push({ ...base, kind: arrival ? 'ARRIVAL' : 'CORRECTION', occurredAt: at, valueDate: todayCst(at), postings: rest });
  }
  return out;
}

/**
 * Books what the aid records should show and do not yet: a counting paid record sits out of its fund on its
 * value date and in TRANSIT (RECIPIENTS once its arrival is confirmed) under its person; a reversed or duplicate
 * one sits nowhere. A scope of some persons books the records marked in ledger_pending (inserted, or changed in
 * a column of their positions, by any writer: triggers on aid_records) and unmarks them; every person (a first
 * load, `relief-hub rederive`) compares every record with the ledger, slice by slice, and clears the marks.
 */
export async function reconcileAid(tx: Tx, persons: PersonSet, now: Date): Promise<void> {
  if (isEmptySet(persons)) return;
  await ensureAccounts(tx);
  if (persons.all) {
    // Every person: slice by slice, so that the deltas held in memory stay bounded whatever the province's size.
    for (const slice of await personSlices(tx)) await bookAid(tx, personIn(sql`a.person_id`, slice), now);
    await tx.execute(sql`/* ledger.pending-clear */ DELETE FROM ledger_pending`);
    return;
  }
  // A chunk of marks at a time (a file of a million new records marks a million), taken off and booked in the
  // same transaction
  for (;;) {
    const marked = await rows<{ id: string }>(
      tx,
      sql`/* ledger.pending */ DELETE FROM ledger_pending
          WHERE aid_id IN (SELECT aid_id FROM ledger_pending ORDER BY aid_id LIMIT ${slicing.records}) RETURNING aid_id::text AS id`,
    );
    if (marked.length === 0) return;
    await bookAid(tx, sql`a.id = ANY(${A(marked.map((m) => Number(m.id)))}::bigint[])`, now);
  }
}

/**
 * For the rest of the caller's transaction, aid records written are not marked for the ledger: the caller
 * reconciles every person before it commits (a first load, `deriveEverything`), which compares every record
 * with the ledger and clears the marks; marking two million records to clear them unread cost a first load
 * about 3% of its facts phase.
 */
export async function bookingEverything(tx: Tx): Promise<void> {
  await tx.execute(sql`/* ledger.marks-off */ SET LOCAL relief_hub.ledger_marks = 'off'`);
}

/** Books the difference between what the records `where` selects (over `aid_records a`) should hold and what the ledger holds. */
async function bookAid(tx: Tx, where: SQL, now: Date): Promise<void> {
  const today = todayCst(now);
  // What each record should hold against what the ledger holds, per position
  const deltas = await rows<{
    id: string; system: string; record_id: string; fund_code: string; person_id: string; amount: string; vd: string; booked: boolean;
    arrived_at: string | null; cur: Array<{ a: string; d: string | null; p: string | null; m: string }> | null;
  }>(
    tx,
    sql`/* ledger.aid-positions */ WITH want AS (
          SELECT a.id, a.system, a.record_id, a.fund_code, a.person_id, a.amount_fen, a.arrived_at,
            (a.status IN ('PAID', 'ARRIVED') AND a.duplicate_of IS NULL AND a.amount_fen <> 0) AS booked,
            COALESCE(a.paid_on, a.approved_on, ${today}::date) AS vd
          FROM aid_records a WHERE ${where}),
        cur AS MATERIALIZED (
          SELECT x.aid_id, p.account_code AS acc, CASE WHEN p.account_code IN (${TRANSIT}, ${RECIPIENTS}) THEN NULL ELSE x.value_date END AS vd,
            CASE WHEN p.account_code IN (${TRANSIT}, ${RECIPIENTS}) THEN p.person_id END AS person, sum(p.amount_fen) AS amt
          FROM ledger_transactions x JOIN ledger_postings p ON p.tx_id = x.id
          WHERE x.aid_id IN (SELECT id FROM want)
          GROUP BY 1, 2, 3, 4 HAVING sum(p.amount_fen) <> 0),
        wpos AS (
          SELECT id AS aid_id, fund_code AS acc, vd, NULL::bigint AS person, -amount_fen AS amt FROM want WHERE booked
          UNION ALL
          SELECT id, CASE WHEN arrived_at IS NULL THEN ${TRANSIT} ELSE ${RECIPIENTS} END, NULL::date, person_id, amount_fen FROM want WHERE booked),
        bad AS (
          SELECT DISTINCT COALESCE(w.aid_id, c.aid_id) AS aid_id
          FROM wpos w FULL JOIN cur c ON c.aid_id = w.aid_id AND c.acc = w.acc AND COALESCE(c.vd, DATE '1900-01-01') = COALESCE(w.vd, DATE '1900-01-01')
            AND COALESCE(c.person, 0) = COALESCE(w.person, 0)
          WHERE w.amt IS DISTINCT FROM c.amt),
        -- The positions of the records that differ, grouped once (a sub-query per record read all of cur each
        -- time: records times positions, which grew with the square of the scope)
        held AS (
          SELECT c.aid_id, json_agg(json_build_object('a', c.acc, 'd', c.vd::text, 'p', c.person::text, 'm', c.amt::text) ORDER BY c.acc, c.vd, c.person) AS cur
          FROM cur c JOIN bad b ON b.aid_id = c.aid_id GROUP BY c.aid_id)
        SELECT w.id::text, w.system, w.record_id, w.fund_code, w.person_id::text, w.amount_fen::text AS amount, w.vd::text AS vd, w.booked,
          to_char(w.arrived_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS arrived_at, h.cur
        FROM want w JOIN bad b ON b.aid_id = w.id LEFT JOIN held h ON h.aid_id = w.id
        ORDER BY w.id`,
  );
  // Planned and booked a chunk at a time: the transactions of a slice's records, with their postings and the
  // statements' parameters, held at once came to a few hundred MiB for a dense slice.
  for (const chunk of recordChunks(deltas)) {
    const items = chunk.flatMap((d) =>
      planAid(
        {
          id: Number(d.id),
          system: d.system,
          recordId: d.record_id,
          fundCode: d.fund_code,
          personId: Number(d.person_id),
          amountFen: BigInt(d.amount),
          valueDate: d.vd,
          booked: d.booked,
          arrivedAt: d.arrived_at,
          current: (d.cur ?? []).map((c) => ({ account: c.a, valueDate: c.d, personId: c.p === null ? null : Number(c.p), amountFen: BigInt(c.m) })),
        },
        now,
      ),
    );
    await appendTransactions(tx, items);
  }
}

/**
 * Books donations received by the social channels (red-cross, charity) into their funds, as currently
 * delivered: each donation's amount on its value date (the day received); a corrected amount or day is booked
 * as a correction on the value date of the position it corrects.
 */
export async function reconcileDonations(tx: Tx, system: string, donationIds: string[], now: Date): Promise<void> {
  if (donationIds.length === 0) return;
  if (donationIds.length > slicing.records) {
    // A first load brings a channel's every donation at once: a chunk at a time, so that memory stays bounded.
    for (const ids of recordChunks(donationIds)) await reconcileDonations(tx, system, ids, now);
    return;
  }
  await ensureAccounts(tx);
  // What each delivered donation has booked, per fund and value date, looked
  // up per donation by index (a grouped join over the system's ledger was mis-planned as a nested loop while the
  // ledger grew in-transaction)
  const r = await rows<{ donation_id: string; fund_code: string; amount: string; vd: string; received_at: string; acc: string | null; cvd: string | null; m: string | null }>(
    tx,
    sql`/* ledger.donation-positions */ SELECT d.donation_id, d.fund_code, d.amount_fen::text AS amount, (d.received_at AT TIME ZONE INTERVAL '+08:00')::date::text AS vd,
          to_char(d.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS received_at, c.acc, c.vd::text AS cvd, c.m::text AS m
        FROM donations d
        LEFT JOIN LATERAL (
          SELECT p.account_code AS acc, x.value_date AS vd, sum(p.amount_fen) AS m
          FROM ledger_transactions x JOIN ledger_postings p ON p.tx_id = x.id
          WHERE x.source_system = ${system} AND x.source_record_id = 'donation:' || d.donation_id AND x.aid_id IS NULL AND p.account_code <> ${DONORS}
          GROUP BY 1, 2 HAVING sum(p.amount_fen) <> 0
        ) c ON true
        WHERE d.system = ${system} AND d.donation_id = ANY(${A(donationIds)}::text[])
        ORDER BY d.donation_id, c.acc, c.vd`,
  );
  const byDonation = new Map<string, typeof r>();
  for (const x of r) byDonation.set(x.donation_id, [...(byDonation.get(x.donation_id) ?? []), x]);
  const items: NewTransaction[] = [];
  for (const [donationId, list] of byDonation) {
    const d = list[0]!;
    const wantKey = `${d.fund_code}|${d.vd}`;
    const cur = new Map(list.filter((x) => x.acc !== null).map((x) => [`${x.acc}|${x.cvd}`, { account: x.acc!, day: x.cvd!, m: BigInt(x.m!) }]));
    const positions = new Map(cur);
    if (!positions.has(wantKey)) positions.set(wantKey, { account: d.fund_code, day: d.vd, m: 0n });
    const fresh = cur.size === 0;
    for (const [k, p] of [...positions].sort(([x], [y]) => (x === wantKey ? 1 : y === wantKey ? -1 : x.localeCompare(y)))) {
      const delta = (k === wantKey ? BigInt(d.amount) : 0n) - (cur.get(k)?.m ?? 0n);
      if (delta === 0n) continue;
      items.push({
        kind: fresh ? 'DONATION' : 'CORRECTION',
        occurredAt: k === wantKey ? new Date(d.received_at) : cstMidnight(p.day),
        valueDate: p.day,
        bookedAt: now,
        description: `${system} donation ${donationId}`,
        aidId: null,
        sourceSystem: system,
        sourceRecordId: `donation:${donationId}`,
        createdBy: null,
        postings: [
          { account: p.account, amountFen: delta },
          { account: DONORS, amountFen: -delta },
        ],
      });
    }
  }
  await appendTransactions(tx, items);
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

/**
 * Every program fund (or one) with its balance, inflows and outflows, from the rollup by value date: inflows
 * are what allocations and donations brought, outflows what aid took, a reversal netted against its payment.
 * A read only: the accounts exist from start-up.
 */
export async function fundBalances(tx: Db, code?: string | null): Promise<FundRow[]> {
  const r = await rows<{ code: string; name: string; agency: string | null; program: string | null; inflows: string; outflows: string }>(
    tx,
    sql`/* ledger.fund-balances */ SELECT f.code, f.name, f.agency, f.program, COALESCE(sum(d.inflows_fen), 0)::text AS inflows, COALESCE(sum(d.outflows_fen), 0)::text AS outflows
        FROM fund_accounts f LEFT JOIN ledger_daily d ON d.account_code = f.code
        WHERE f.kind = 'FUND' AND (${code ?? null}::text IS NULL OR f.code = ${code ?? null})
        GROUP BY f.code, f.name, f.agency, f.program ORDER BY f.code`,
  );
  return r.map((x) => ({ ...x, balanceFen: BigInt(x.inflows) - BigInt(x.outflows), inflowsFen: BigInt(x.inflows), outflowsFen: BigInt(x.outflows) }));
}

/** A fund's balance, locking its account row so that concurrent API payments from it are serialised. */
export async function lockedFundBalance(tx: Tx, code: string): Promise<bigint | null> {
  await ensureAccounts(tx);
  const locked = await rows<{ code: string }>(tx, sql`/* ledger.lock-fund */ SELECT code FROM fund_accounts WHERE code = ${code} AND kind = 'FUND' FOR UPDATE`);
  if (locked.length === 0) return null;
  const r = await rows<{ b: string }>(tx, sql`/* ledger.fund-balance */ SELECT COALESCE(sum(amount_fen), 0)::text AS b FROM ledger_postings WHERE account_code = ${code}`);
  return BigInt(r[0]!.b);
}

export interface TxRow {
  id: number;
  kind: string;
  occurredAt: string;
  valueDate: string;
  bookedAt: string;
  description: string | null;
  aidId: number | null;
  createdBy: string | null;
  amountFen: bigint;
  postings: Array<{ account: string; amountFen: bigint; personId: number | null }>;
}

/** A fund's transactions, newest first, with the amount that moved in or out of the fund. */
export async function fundTransactions(tx: Db, code: string, afterId: number | null, limit: number, onlyId: number | null = null): Promise<{ items: TxRow[]; total: number }> {
  const r = await rows<{ id: string; kind: string; occurred_at: string; value_date: string; booked_at: string; description: string | null; aid_id: string | null; created_by: string | null; amount: string; postings: Array<{ account: string; amount: string; person: string | null }> }>(
    tx,
    sql`/* ledger.fund-transactions */ SELECT x.id::text, x.kind, to_char(x.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, x.value_date::text AS value_date,
          to_char(x.booked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS booked_at, x.description,
          x.aid_id::text, x.created_by, f.amount::text,
          (SELECT json_agg(json_build_object('account', p.account_code, 'amount', p.amount_fen::text, 'person', p.person_id::text) ORDER BY p.id)
             FROM ledger_postings p WHERE p.tx_id = x.id) AS postings
        FROM ledger_transactions x
        JOIN (SELECT tx_id, sum(amount_fen) AS amount FROM ledger_postings WHERE account_code = ${code} GROUP BY tx_id) f ON f.tx_id = x.id
        WHERE (${afterId}::bigint IS NULL OR x.id < ${afterId}) AND (${onlyId}::bigint IS NULL OR x.id = ${onlyId})
        ORDER BY x.id DESC LIMIT ${limit + 1}`,
  );
  const total = await rows<{ n: string }>(tx, sql`/* ledger.fund-transactions-count */ SELECT count(DISTINCT tx_id)::text AS n FROM ledger_postings WHERE account_code = ${code}`);
  return {
    total: Number(total[0]!.n),
    items: r.map((x) => ({
      id: Number(x.id),
      kind: x.kind,
      occurredAt: x.occurred_at,
      valueDate: x.value_date,
      bookedAt: x.booked_at,
      description: x.description,
      aidId: x.aid_id === null ? null : Number(x.aid_id),
      createdBy: x.created_by,
      amountFen: BigInt(x.amount),
      postings: (x.postings ?? []).map((p) => ({ account: p.account, amountFen: BigInt(p.amount), personId: p.person === null ? null : Number(p.person) })),
    })),
  };
}

/** The stay of a settlement, locked so that concurrent capacity checks against it are serialised, with the aid that counts against it. */
export async function lockedStay(tx: Tx, settlementId: string): Promise<{ personId: number; burden: bigint; counted: bigint; refunded: boolean } | null> {
  const s = await rows<{ person_id: string; burden: string; refunded: boolean }>(
    tx,
    sql`/* ledger.lock-stay */ SELECT person_id::text, burden_fen::text AS burden, refunded_by IS NOT NULL AS refunded FROM settlements WHERE settlement_id = ${settlementId} FOR UPDATE`,
  );
  if (!s[0]) return null;
  const c = await rows<{ n: string }>(
    tx,
    sql`/* ledger.stay-counted */ SELECT COALESCE(sum(amount_fen), 0)::text AS n FROM aid_records a WHERE linked_settlement_id = ${settlementId} AND ${countsSql('a')}`,
  );
  return { personId: Number(s[0].person_id), burden: BigInt(s[0].burden), counted: BigInt(c[0]!.n), refunded: s[0].refunded };
}

/** The stays rule 4 could link aid naming only a hospital to: how many, and the one when there is one. */
export async function inferableStay(tx: Tx, personId: number, hospitalCode: string, approvedOn: string): Promise<{ n: number; settlementId: string | null }> {
  const r = await rows<{ n: string; sid: string | null }>(tx, sql`/* ledger.inferred-stay */ ${inferableStays(sql`${personId}::bigint`, sql`${hospitalCode}::text`, sql`${approvedOn}::date`)}`);
  return { n: Number(r[0]?.n ?? 0), settlementId: r[0]?.sid ?? null };
}

export interface NewApiAid {
  system: string;
  personId: number;
  program: string;
  fund: string;
  amountFen: bigint;
  approvedOn: string;
  paidOn: string | null;
  voucher: string | null;
  settlementRef: string | null;
  hospitalCode: string | null;
  recordedBy: string;
  overrideReason: string | null;
}

/** Adds aid recorded through the API (origin API, its own record id); returns its id. */
export async function insertApiAid(tx: Tx, a: NewApiAid): Promise<number> {
  const inserted = await rows<{ id: string }>(
    tx,
    sql`/* ledger.record-aid */ INSERT INTO aid_records (system, record_id, person_id, program, fund_code, amount_fen, approved_on, paid_on, voucher, voucher_normalized,
          settlement_ref, hospital_code, status, details, origin, recorded_by, override_reason, content_hash)
        VALUES (${a.system}, ${`API-${randomUUID()}`}, ${a.personId}, ${a.program}, ${a.fund}, ${a.amountFen.toString()}, ${a.approvedOn},
          ${a.paidOn}, ${a.voucher}, ${normalizeVoucher(a.voucher)}, ${a.settlementRef}, ${a.hospitalCode},
          ${a.paidOn ? 'PAID' : 'APPROVED'}, '{}'::jsonb, 'API', ${a.recordedBy}, ${a.overrideReason}, 'api')
        RETURNING id::text AS id`,
  );
  return Number(inserted[0]!.id);
}

/** An aid record, locked for a change of status; null when there is none. */
export async function lockedAid(tx: Tx, aidId: number): Promise<{ personId: number; status: string; linked: string | null } | null> {
  const r = await rows<{ person_id: string; status: string; linked: string | null }>(
    tx,
    sql`/* ledger.lock-aid */ SELECT person_id::text, status, linked_settlement_id AS linked FROM aid_records WHERE id = ${aidId} FOR UPDATE`,
  );
  return r[0] ? { personId: Number(r[0].person_id), status: r[0].status, linked: r[0].linked } : null;
}

export async function markArrived(tx: Tx, aidId: number, at: Date): Promise<void> {
  await tx.execute(sql`/* ledger.confirm-arrival */ UPDATE aid_records SET status = 'ARRIVED', arrived_at = ${at.toISOString()}::timestamptz, updated_at = now() WHERE id = ${aidId}`);
}

export async function markReversed(tx: Tx, aidId: number, reason: string, at: Date): Promise<void> {
  await tx.execute(sql`/* ledger.reverse-aid */ UPDATE aid_records SET status = 'REVERSED', reversal_reason = ${reason}, reversed_at = ${at.toISOString()}::timestamptz, updated_at = now() WHERE id = ${aidId}`);
}

/** Who may be followed up: null for everyone, else one agency's systems and one county (src/access/guard.ts listScope). */
export type ListReach = { systems: readonly string[]; county: string } | null;

/**
 * Counting paid aid not confirmed as arrived, paid at least `days` days before `today`: one page of ids after
 * `afterId` (one more than `limit`, to tell a next page) and the count and sum of all.
 */
export async function paidNotArrived(
  db: Db,
  opts: { today: string; days: number; afterId: number; limit: number; reach: ListReach },
): Promise<{ ids: number[]; total: number; amountFen: bigint }> {
  const { reach } = opts;
  const scope: SQL = reach
    ? sql`AND system = ANY(${A([...reach.systems])}::text[]) AND EXISTS (SELECT 1 FROM persons p WHERE p.id = aid_records.person_id AND p.county_code = ${reach.county})`
    : sql``;
  const r = await rows<{ id: string }>(
    db,
    sql`/* ledger.paid-not-arrived */ SELECT id::text FROM aid_records WHERE ${AWAITING_ARRIVAL}
          AND paid_on <= ${opts.today}::date - ${opts.days}::int AND id > ${opts.afterId} ${scope} ORDER BY id LIMIT ${opts.limit + 1}`,
  );
  const total = await rows<{ n: string; s: string }>(
    db,
    sql`/* ledger.paid-not-arrived-total */ SELECT count(*)::text AS n, COALESCE(sum(amount_fen), 0)::text AS s FROM aid_records WHERE ${AWAITING_ARRIVAL}
          AND paid_on <= ${opts.today}::date - ${opts.days}::int ${scope}`,
  );
  return { ids: r.map((x) => Number(x.id)), total: Number(total[0]!.n), amountFen: BigInt(total[0]!.s) };
}
