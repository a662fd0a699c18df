/** The access module's SQL: the access log (appended, listed) and the hub's generated signing secret. */
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { rows, type Db } from '../db/client.ts';

const dialect = new PgDialect();

/** Columns of access-log rows to append, one array per column, in order. */
export interface AccessColumns {
  actor: string[];
  role: string[];
  agency: (string | null)[];
  county: (string | null)[];
  id: (number | null)[];
  idn: (string | null)[];
  op: string[];
  f: string[];
  purpose: (string | null)[];
}

const column = (name: keyof AccessColumns) => sql.placeholder(name);

/**
 * The append, prepared once per database handle (by name, so each connection parses it once): building it
 * with drizzle for every group commit was about 1% of the hub's CPU under the household-query load.
 */
const appendStatements = new WeakMap<Db, { execute(values: AccessColumns): Promise<unknown> }>();

function appendStatement(db: Db) {
  let s = appendStatements.get(db);
  if (!s) {
    const query = sql`/* access.append */ 
    INSERT INTO access_log (actor, actor_role, actor_agency, actor_county, subject_person_id, subject_id_number, operation, fields, purpose)
    SELECT t.actor, t.role, t.agency, t.county, t.id, COALESCE(p.id_number, t.idn), t.op, t.f::text[], t.purpose
    FROM unnest(${column('actor')}::text[], ${column('role')}::text[], ${column('agency')}::text[], ${column('county')}::text[], ${column('id')}::bigint[],
                ${column('idn')}::text[], ${column('op')}::text[], ${column('f')}::text[], ${column('purpose')}::text[])
         WITH ORDINALITY AS t(actor, role, agency, county, id, idn, op, f, purpose, n)
    LEFT JOIN persons p ON p.id = t.id
    ORDER BY t.n`;
    const prepared = db._.session.prepareQuery(dialect.sqlToQuery(query), undefined, 'access_append', false);
    appendStatements.set(db, (s = { execute: (values) => prepared.execute(values as unknown as Record<string, unknown>) }));
  }
  return s;
}

/** Appends rows to the access log in one statement; a known person's identity number is taken from the person. */
export async function appendAccessRows(db: Db, col: AccessColumns): Promise<void> {
  await appendStatement(db).execute(col);
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
  const total = await rows<{ n: string }>(db, sql`/* access.count */ SELECT count(*)::text AS n FROM access_log WHERE ${where}`);
  return { items: items.slice(0, f.limit), total: Number(total[0]!.n), hasNext: items.length > f.limit };
}

/** Keeps `candidate` as the hub's signing secret unless one is kept already; returns the one kept. */
export async function generatedSecret(db: Db, candidate: string): Promise<string> {
  await db.execute(sql`/* auth.generated-secret */ INSERT INTO hub_settings (key, value) VALUES ('auth_secret', ${candidate}) ON CONFLICT (key) DO NOTHING`);
  const r = await rows<{ value: string }>(db, sql`/* auth.secret */ SELECT value FROM hub_settings WHERE key = 'auth_secret'`);
  return r[0]!.value;
}
