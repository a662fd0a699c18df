/**
 * A throwaway PostgreSQL cluster for the test suite: initdb + pg_ctl in a temporary directory on a free
 * loopback port, torn down after. Uses the Debian server binaries when they are installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function findPgBinDir(): string | null {
  const fromEnv = process.env.PG_BIN_DIR;
  if (fromEnv && fs.existsSync(path.join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')) && fs.existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

/** A free loopback TCP port (the cluster's, the benchmark servers'). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The roles the test cluster creates: the owner of the hub's tables (migrations) and the role it serves as. */
export const OWNER_ROLE = 'relief_owner';
export const SERVING_ROLE = 'relief_serving';

/** The same server and database as another user (the test cluster trusts loopback). */
export function asRole(url: string, role: string): string {
  const u = new URL(url);
  u.username = role;
  u.password = '';
  return u.toString();
}

export interface Cluster {
  url: string;
  version: string;
  stop(): void;
}

/** `extra`: more `-c name=value` server settings (the benchmark's memory and statistics settings). */
export async function startCluster(binDir: string, extra: string[] = []): Promise<Cluster> {
  const isRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relief-hub-pg-'));
  const data = path.join(dir, 'data');
  const port = await freePort();
  // As root, PostgreSQL refuses to run: the cluster belongs to the postgres user.
  const run = (cmd: string, args: string[]) => {
    const full = isRoot ? ['-u', 'postgres', '--', path.join(binDir, cmd), ...args] : args;
    const r = spawnSync(isRoot ? 'runuser' : path.join(binDir, cmd), full, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  if (isRoot) execFileSync('chown', ['-R', 'postgres', dir]);
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
  const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100${extra.map((e) => ` -c ${e}`).join('')}`;
  run('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']);
  const version = run('postgres', ['--version']).trim();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    version,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
