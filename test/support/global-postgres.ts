/** vitest globalSetup of the `postgres` project: one throwaway cluster for the whole run. */
import type { TestProject } from 'vitest/node';
import { findPgBinDir, startCluster } from './pg-cluster.ts';

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
  project.provide('databaseUrl', cluster.url);
  return () => cluster.stop();
}
