/**
 * A throwaway PostgreSQL cluster for the test suite and the benchmarks: initdb + pg_ctl in a temporary
 * directory on a free loopback port, torn down after. Uses the Debian server binaries when they are installed.
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
  /** The cluster's data directory and port (a standby is made from them). */
  dataDir?: string;
  port?: number;
  /** Freezes every process of the server (SIGSTOP), as a hung machine would; `thaw` resumes them. */
  freeze?(): void;
  thaw?(): void;
}

/** The postmaster's pid and its children's: the whole server. */
function serverPids(data: string): number[] {
  const main = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(main)], { encoding: 'utf8' }).stdout.split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
  return [main, ...children];
}

function signalServer(data: string, signal: NodeJS.Signals): void {
  for (const pid of serverPids(data)) {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone already */
    }
  }
}

type Run = (cmd: string, args: string[]) => string;

/** Runs a PostgreSQL binary; as root, as the postgres user (PostgreSQL refuses to run as root). */
function runner(binDir: string): Run {
  const isRoot = process.getuid?.() === 0;
  return (cmd, args) => {
    const full = isRoot ? ['-u', 'postgres', '--', path.join(binDir, cmd), ...args] : args;
    const r = spawnSync(isRoot ? 'runuser' : path.join(binDir, cmd), full, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
    return r.stdout;
  };
}

/** A temporary directory for one server, owned by the postgres user when we are root. */
function serverDir(prefix: string): { dir: string; data: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres', dir]);
  return { dir, data: path.join(dir, 'data') };
}

/** Starts the server in `data` on `port` and gives its handle; stopping it removes `dir`. */
function startServerIn(run: Run, dir: string, data: string, port: number, settings: string[], version: string): Cluster {
  const opts = [`listen_addresses=127.0.0.1`, `port=${port}`, `unix_socket_directories=${dir}`, ...settings].map((c) => `-c ${c}`).join(' ');
  run('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    version,
    dataDir: data,
    port,
    freeze: () => signalServer(data, 'SIGSTOP'),
    thaw: () => signalServer(data, 'SIGCONT'),
    stop() {
      signalServer(data, 'SIGCONT');
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** `extra`: more `-c name=value` server settings (the benchmark's memory and statistics settings). */
export async function startCluster(binDir: string, extra: string[] = []): Promise<Cluster> {
  const run = runner(binDir);
  const { dir, data } = serverDir('relief-hub-pg-');
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
  const version = run('postgres', ['--version']).trim();
  return startServerIn(run, dir, data, port, ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=100', ...extra], version);
}

/**
 * A hot standby of `primary`, made as an operator would: `pg_basebackup -R` (streaming replication, the
 * primary's connection written into postgresql.auto.conf with standby.signal), started on its own port.
 */
export async function startStandby(binDir: string, primary: Cluster): Promise<Cluster> {
  const run = runner(binDir);
  const { dir, data } = serverDir('relief-hub-pg-standby-');
  const port = await freePort();
  run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync']);
  return startServerIn(run, dir, data, port, ['fsync=off', 'hot_standby=on', 'max_connections=100'], primary.version);
}
