/** vitest globalSetup of the `postgres` project: one throwaway cluster for the whole run. */
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { findPgBinDir, startCluster, OWNER_ROLE, SERVING_ROLE } from '../../dev/pg-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const bin = findPgBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin)');
  const cluster = await startCluster(bin);
  process.stderr.write(`[relief-hub tests] PostgreSQL cluster: ${cluster.version} at ${cluster.url}\n`);
  // The hub's two roles (domain.md): the owner runs migrations, the serving role owns nothing.
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${OWNER_ROLE} LOGIN; CREATE ROLE ${SERVING_ROLE} LOGIN`);
  } finally {
    await admin.end();
  }
  project.provide('databaseUrl', cluster.url);
  return () => cluster.stop();
}
