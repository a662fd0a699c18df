/**
 * The access log: every read of personal data appends who, when, whose record, which fields and why.
 * Reads are gathered while a request resolves (every field of a personal type, by the person it belongs to:
 * src/access/guard.ts) and written before the response leaves (requests finishing together share one
 * INSERT); the table refuses updates and deletes.
 */
import { sql } from 'drizzle-orm';
import { A, rows, type Db } from '../db/client.ts';
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
  const col = { actor: [] as string[], role: [] as string[], agency: [] as (string | null)[], county: [] as (string | null)[], id: [] as (number | null)[], idn: [] as (string | null)[], op: [] as string[], f: [] as string[], purpose: [] as (string | null)[] };
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
  await db.execute(sql`/* access.append */ 
    INSERT INTO access_log (actor, actor_role, actor_agency, actor_county, subject_person_id, subject_id_number, operation, fields, purpose)
    SELECT t.actor, t.role, t.agency, t.county, t.id, COALESCE(p.id_number, t.idn), t.op, t.f::text[], t.purpose
    FROM unnest(${A(col.actor)}::text[], ${A(col.role)}::text[], ${A(col.agency)}::text[], ${A(col.county)}::text[], ${A(col.id)}::bigint[],
                ${A(col.idn)}::text[], ${A(col.op)}::text[], ${A(col.f)}::text[], ${A(col.purpose)}::text[])
         WITH ORDINALITY AS t(actor, role, agency, county, id, idn, op, f, purpose, n)
    LEFT JOIN persons p ON p.id = t.id
    ORDER BY t.n`);
  return all.map(() => undefined);
}

/** One writer per database handle. */
const writers = new WeakMap<Db, GroupCommit<Entries, void>>();

function writerOf(db: Db): GroupCommit<Entries, void> {
  let w = writers.get(db);
  if (!w) writers.set(db, (w = new GroupCommit((all) => appendEntries(db, all))));
  return w;
}

export interface AccessLogRow {
  id: string;
  at: string;
  actor: string;
  actor_role: string;
  actor_agency: string | null;
  actor_county: string | null;
  subject_id_number: string | null;
  operation: string;
  fields: string[];
  purpose: string | null;
}

export async function listAccessLog(
  db: Db,
  f: { subjectIdNumber?: string | null; actor?: string | null; from?: Date | null; to?: Date | null; afterId: number | null; limit: number },
): Promise<{ items: AccessLogRow[]; total: number; hasNext: boolean }> {
  const where = sql`(${f.subjectIdNumber ?? null}::text IS NULL OR subject_id_number = ${f.subjectIdNumber ?? null})
    AND (${f.actor ?? null}::text IS NULL OR actor = ${f.actor ?? null})
    AND (${f.from?.toISOString() ?? null}::timestamptz IS NULL OR at >= ${f.from?.toISOString() ?? null}::timestamptz)
    AND (${f.to?.toISOString() ?? null}::timestamptz IS NULL OR at <= ${f.to?.toISOString() ?? null}::timestamptz)`;
  const items = await rows<AccessLogRow>(
    db,
    sql`/* access.list */ SELECT id::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor, actor_role, actor_agency, actor_county,
          subject_id_number, operation, fields, purpose
        FROM access_log WHERE ${where} AND (${f.afterId}::bigint IS NULL OR id > ${f.afterId}) ORDER BY id LIMIT ${f.limit + 1}`,
  );
  const total = await rows<{ n: string }>(db, sql`SELECT count(*)::text AS n FROM access_log WHERE ${where}`);
  return { items: items.slice(0, f.limit), total: Number(total[0]!.n), hasNext: items.length > f.limit };
}
