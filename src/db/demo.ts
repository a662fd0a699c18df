/**
 * The demo loader's SQL (src/demo.ts): whether the hub holds any delivery yet, and persons worth looking up as
 * the demo caseworker. Here rather than in a domain's store because the tables it reads (ingest_runs, persons)
 * belong to ingestion and identity; statements labelled as in every store.
 */
import { sql } from 'drizzle-orm';
import { A, rows, type Db } from './client.ts';

/** How many ingestion runs the hub has recorded. */
export async function ingestRunCount(db: Db): Promise<number> {
  const r = await rows<{ n: string }>(db, sql`/* demo.ingest-runs */ SELECT count(*)::text AS n FROM ingest_runs`);
  return Number(r[0]!.n);
}

/**
 * Persons with an identity number of the county `county` or aided by one of `systems`: those with hospital stays,
 * flagged records and long histories first, then by id; at most `limit`.
 */
export async function lookupCandidates(db: Db, county: string, systems: readonly string[], limit: number): Promise<Array<{ idNumber: string; name: string | null }>> {
  return rows<{ idNumber: string; name: string | null }>(
    db,
    sql`/* demo.lookups */ SELECT p.id_number AS "idNumber", p.name
        FROM persons p
        WHERE p.id_number IS NOT NULL
          AND (p.county_code = ${county}
               OR EXISTS (SELECT 1 FROM aid_records a WHERE a.person_id = p.id AND a.system = ANY(${A(systems)}::text[])))
        ORDER BY EXISTS (SELECT 1 FROM settlements s WHERE s.person_id = p.id AND s.refunded_by IS NULL) DESC,
                 EXISTS (SELECT 1 FROM aid_records a WHERE a.person_id = p.id AND cardinality(a.flags) > 0) DESC,
                 (SELECT count(*) FROM aid_records a WHERE a.person_id = p.id) DESC,
                 p.id
        LIMIT ${limit}`,
  );
}
