/**
 * The overlap rules of domain.md (2 duplicate reports, 3 suspected duplicates, 4 links to stays, 5 excess),
 * derived in set-based SQL from the records as they stand, never from the order they came in: deriving
 * again over the same records gives the same flags, links and excess, whatever the delivery order was.
 *
 * Derivation runs at the end of every ingest (and after a caseworker's or reviewer's change) over a scope
 * of persons, recomputing every derived column of their records from the current versions (never patching):
 * - the persons a change names now, and for a correction what the record said before (`stateBefore` in
 *   src/ingest/store.ts): its old person, old stay, old voucher, old household and that household's members;
 * - the owners of every touched stay (new or old, refunded or given back) and everyone whose aid names or is
 *   linked to it;
 * - closed transitively over shared vouchers (rule 2 crosses persons: A–B share one voucher, B–C another).
 * Households need no closure here: warnings are recomputed per household of every person in scope.
 * A scope past WHOLE_SCOPE_PERSONS derives everyone, slice by slice.
 */
import type { Tx } from '../db/client.ts';
import { deriveRecords, personsOfSettlements, personsOfVouchers, vouchersOfPersons } from './store.ts';
import { isEmptySet, type PersonSet } from '../shared/person-sets.ts';


/** Persons in a scope beyond which derivation covers everyone (see PersonSet). */
export const WHOLE_SCOPE_PERSONS = 200_000;

/** What a change touched; derivation widens it to everything whose outcome can depend on it. */
export class Scope {
  readonly persons = new Set<number>();
  readonly settlements = new Set<string>();
  /** Normalised vouchers a correction took a record away from (their other records are re-derived). */
  readonly vouchers = new Set<string>();
  /** Donations delivered (ids), booked into their funds after derivation. */
  readonly donations = new Set<string>();
  /** Everything: set once the scope grows past WHOLE_SCOPE_PERSONS (or by `everything()`). */
  all = false;
  addPerson(id: number | null | undefined): void {
    if (id == null || this.all) return;
    this.persons.add(id);
    if (this.persons.size > WHOLE_SCOPE_PERSONS) this.everything();
  }
  addSettlement(id: string | null | undefined): void {
    if (id && !this.all) this.settlements.add(id);
  }
  addVoucher(v: string | null | undefined): void {
    if (v && !this.all) this.vouchers.add(v);
  }
  everything(): void {
    this.all = true;
    this.persons.clear();
    this.settlements.clear();
    this.vouchers.clear();
  }
  /** Adds what another scope touched (a batch of files derives once, over the union). */
  merge(other: Scope): void {
    if (other.all) this.everything();
    for (const p of other.persons) this.addPerson(p);
    for (const s of other.settlements) this.addSettlement(s);
    for (const v of other.vouchers) this.addVoucher(v);
    for (const d of other.donations) this.donations.add(d);
  }
  get empty(): boolean {
    return !this.all && this.persons.size === 0 && this.settlements.size === 0 && this.vouchers.size === 0;
  }
}

/** Flags a record can carry (contract.md), plus REFUNDED_SETTLEMENT for aid naming a cancelled stay. */
export const FLAGS = ['DUPLICATE', 'VOUCHER_CONFLICT', 'SUSPECTED_DUPLICATE', 'SETTLEMENT_PERSON_MISMATCH', 'INFERRED_LINK', 'REFUNDED_SETTLEMENT'] as const;


/**
 * The persons whose derived state can depend on what the scope touched, closed transitively: the owners of
 * touched stays, everyone whose aid names or is linked to them, and everyone sharing a voucher with any of
 * those, voucher after voucher (A–B share one voucher, B–C another: all three). The scope already holds the
 * old values of what a correction changed (old owner, old stay, old voucher; see `Scope`), so the persons a
 * correction leaves are re-derived too.
 */
export async function widen(tx: Tx, scope: Scope): Promise<PersonSet> {
  if (scope.all) return { all: true };
  const persons = new Set(scope.persons);
  if (scope.settlements.size > 0) {
    // The owners of changed stays and every person whose aid names or is linked to them
    for (const p of await personsOfSettlements(tx, [...scope.settlements])) persons.add(p);
  }
  if (persons.size === 0 && scope.vouchers.size === 0) return { all: false, ids: [] };
  // Rule 2 groups records of several persons under one voucher: closed over persons and vouchers until nothing new
  // is reached, one step at a time, each step two index lookups for what the previous step added. (One recursive
  // statement did the same, but PostgreSQL estimates a recursive CTE at many times its real size: it hashed the
  // whole aid table to join the result and JIT-compiled the plan, about 0.5 s at 200,000 persons for a scope of 40.)
  const vouchers = new Set<string>();
  let newVouchers = [...scope.vouchers];
  let newPersons = [...persons];
  while (newPersons.length > 0 || newVouchers.length > 0) {
    if (newPersons.length > 0) {
      for (const v of await vouchersOfPersons(tx, newPersons)) newVouchers.push(v);
    }
    newVouchers = [...new Set(newVouchers)].filter((v) => !vouchers.has(v));
    for (const v of newVouchers) vouchers.add(v);
    newPersons = [];
    if (newVouchers.length > 0) {
      for (const id of await personsOfVouchers(tx, newVouchers)) {
        if (!persons.has(id)) {
          persons.add(id);
          newPersons.push(id);
        }
      }
    }
    newVouchers = [];
  }
  return persons.size > WHOLE_SCOPE_PERSONS ? { all: true } : { all: false, ids: [...persons] };
}

export interface Derived {
  /** The persons derivation covered (the scope widened): their ledger is reconciled next. */
  persons: PersonSet;
  /** How many more records of those persons are flagged DUPLICATE / SUSPECTED_DUPLICATE than before. */
  duplicates: number;
  suspectedDuplicates: number;
}

/** Re-derives links, duplicates, conflicts, suspected duplicates, flags and excess for the scope. */
export async function derive(tx: Tx, scope: Scope): Promise<Derived> {
  const none: Derived = { persons: { all: false, ids: [] }, duplicates: 0, suspectedDuplicates: 0 };
  if (scope.empty) return none;
  const persons = await widen(tx, scope);
  if (isEmptySet(persons)) return none;
  // One statement derives rules 2–5 and the review's overrides for every record of those persons (src/overlap/store.ts)
  const counted = await deriveRecords(tx, persons);
  return { persons, ...counted };
}

/** Derives everything anew (after a migration that changes a rule, or to check a database). */
export async function deriveAll(tx: Tx): Promise<void> {
  const scope = new Scope();
  scope.everything();
  await derive(tx, scope);
}
