/**
 * The access log: every read of personal data appends who, when, whose record, which fields and why.
 * Reads are gathered while a request resolves (every field of a personal type, by the person it belongs to:
 * src/access/guard.ts) and written before the response leaves (requests finishing together share one
 * INSERT); the table refuses updates and deletes.
 */
import type { Db } from '../db/client.ts';
import { appendAccessRows, type AccessColumns } from './store.ts';
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
      principal,
      operation,
      purpose,
      ids: all.map((e) => e.personId),
      idNumbers: all.map((e) => e.idNumber),
      fields: all.map((e) => `{${[...e.fields].sort().map((f) => `"${f}"`).join(',')}}`),
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

/** The access log's writes go by group commit (src/shared/group-commit.ts): one INSERT for many requests. */
async function appendEntries(db: Db, all: Entries[]): Promise<void[]> {
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
  await appendAccessRows(db, col);
  return all.map(() => undefined);
}

/** One writer per database handle. */
const writers = new WeakMap<Db, GroupCommit<Entries, void>>();

function writerOf(db: Db): GroupCommit<Entries, void> {
  let w = writers.get(db);
  if (!w) writers.set(db, (w = new GroupCommit((all) => appendEntries(db, all))));
  return w;
}

