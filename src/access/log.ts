/**
 * The access log: every read of personal data appends who, when, whose record, which fields and why.
 * Reads are gathered while a request resolves (every field of a personal type, by the person it belongs to:
 * src/access/guard.ts) and written before the response leaves (requests finishing together share one
 * INSERT); the table refuses updates and deletes.
 */
import type { Db } from '../db/client.ts';
import type { SQL } from 'drizzle-orm';
import { accessRowsInsert, appendAccessRows, type AccessColumns } from './store.ts';
import type { Principal } from './auth.ts';
import { GroupCommit } from '../shared/group-commit.ts';

export class AccessRecorder {
  /** By person id, or by identity number for a question about a person the hub may not know. */
  private readonly reads = new Map<number | string, { personId: number | null; idNumber: string | null; fields: Set<string> }>();

  private entry(key: number | string, personId: number | null, idNumber: string | null) {
    let e = this.reads.get(key);
    if (!e) this.reads.set(key, (e = { personId, idNumber, fields: new Set() }));
    return e;
  }

  record(personId: unknown, field: string): void {
    if (typeof personId !== 'number') return;
    this.entry(personId, personId, null).fields.add(field);
  }

  /**
   * A question about a person by identity number (eligibility): logged whether or not the hub knows the
   * person, so that the log is complete and the answer takes the same path either way.
   */
  recordQuestion(personId: number | null, idNumber: string, field: string): void {
    if (personId !== null) this.record(personId, field);
    else this.entry(`n:${idNumber}`, null, idNumber).fields.add(field);
  }

  get size(): number {
    return this.reads.size;
  }

  /** Appends one entry per person read; resolves once they are written. */
  async flush(db: Db, principal: Principal, operation: string, purpose: string | null): Promise<void> {
    if (this.reads.size === 0) return;
    const all = [...this.reads.values()];
    this.reads.clear();
    await writerOf(db).submit({
      entries: {
        principal,
        operation,
        purpose,
        ids: all.map((e) => e.personId),
        idNumbers: all.map((e) => e.idNumber),
        fields: all.map((e) => `{${[...e.fields].sort().map((f) => `"${f}"`).join(',')}}`),
      },
    });
  }
}

interface Entries {
  principal: Principal;
  operation: string;
  purpose: string | null;
  ids: (number | null)[];
  /** The identity number asked about, where no person is known. */
  idNumbers: (string | null)[];
  fields: string[];
}

/** The access log's rows of these entries, one array per column. */
function columnsOf(all: Entries[]): AccessColumns {
  const col: AccessColumns = { actor: [], role: [], agency: [], county: [], id: [], idn: [], op: [], f: [], purpose: [] };
  for (const e of all) {
    e.ids.forEach((id, i) => {
      col.actor.push(e.principal.sub);
      col.role.push(e.principal.role);
      col.agency.push(e.principal.agency);
      col.county.push(e.principal.county);
      col.id.push(id);
      col.idn.push(e.idNumbers[i]!);
      col.op.push(e.operation);
      col.f.push(e.fields[i]!);
      col.purpose.push(e.purpose);
    });
  }
  return col;
}

/**
 * Counts requests of subjects (the rate limit, src/server/http.ts), sending `alongside` (a write of the same
 * turn, or null) in the same statement; one count per subject given, in order.
 */
export type RequestCounter = (subjects: string[], alongside: SQL | null) => Promise<number[]>;

type TurnItem = { entries: Entries; subject?: undefined; counter?: undefined } | { entries?: undefined; subject: string; counter: RequestCounter };

/**
 * The writes of one turn go by group commit (src/shared/group-commit.ts): the access log's rows of every
 * request finishing and the rate-limit counts of every request starting while the previous write was in
 * flight, in one statement (the access log's INSERT a CTE of the counter's upsert) where both are there, in
 * one INSERT where only rows are. One round trip for both instead of one each.
 */
async function writeTurn(db: Db, items: TurnItem[]): Promise<number[]> {
  const logged: Entries[] = [];
  const counted = new Map<RequestCounter, string[]>();
  for (const it of items) {
    if (it.entries) logged.push(it.entries);
    else {
      const subjects = counted.get(it.counter);
      if (subjects) subjects.push(it.subject);
      else counted.set(it.counter, [it.subject]);
    }
  }
  const counts = new Map<RequestCounter, number[]>();
  if (counted.size === 0) await appendAccessRows(db, columnsOf(logged));
  else {
    let alongside = logged.length > 0 ? accessRowsInsert(columnsOf(logged)) : null;
    for (const [counter, subjects] of counted) {
      counts.set(counter, await counter(subjects, alongside));
      alongside = null;
    }
  }
  const next = new Map<RequestCounter, number>();
  return items.map((it) => {
    if (!it.counter) return 0;
    const i = next.get(it.counter) ?? 0;
    next.set(it.counter, i + 1);
    return counts.get(it.counter)![i]!;
  });
}

/** One writer per database handle. */
const writers = new WeakMap<Db, GroupCommit<TurnItem, number>>();

function writerOf(db: Db): GroupCommit<TurnItem, number> {
  let w = writers.get(db);
  if (!w) writers.set(db, (w = new GroupCommit((all) => writeTurn(db, all))));
  return w;
}

/**
 * A subject's request counted by `counter` in the same statement as the access log's rows of the same turn
 * (`writeTurn`); resolves to what `counter` answered for it.
 */
export function countRequest(db: Db, counter: RequestCounter, subject: string): Promise<number> {
  return writerOf(db).submit({ subject, counter });
}

export { listAccessLog, type AccessLogRow } from './store.ts';
