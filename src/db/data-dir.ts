/**
 * The embedded database's directory (DATA_DIR) is one process's at a time. PGlite is PostgreSQL compiled to
 * WebAssembly with no shared memory between processes: a second process opening the same directory writes
 * over the first one's pages, and an acknowledged write can vanish or the directory become unopenable
 * (`RuntimeError: Aborted()`). So every process opening DATA_DIR takes a lock file in it first
 * (`relief-hub.lock`: pid, host, command, since) and a second one is refused with what to do instead. A lock
 * whose process is gone (same host, pid not running, or running something that is not node) is stale and
 * taken over; one from another host is never guessed about.
 *
 * The token secret the hub generates (when no AUTH_SECRET is set) is kept in its database and mirrored in
 * `auth-secret` here, readable without opening PGlite: `relief-hub token` mints tokens the running server
 * verifies without taking the lock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export const LOCK_FILE = 'relief-hub.lock';
export const SECRET_FILE = 'auth-secret';

interface Holder {
  pid: number;
  host: string;
  command: string;
  since: string;
  nonce: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: Holder | null,
    reason: 'running' | 'other-host' | 'unreadable',
  ) {
    const who = holder ? `relief-hub process ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.since})` : 'another process';
    const what =
      reason === 'other-host'
        ? `the lock was taken on another host; if no process there uses it, delete ${path.join(dir, LOCK_FILE)}`
        : 'The embedded database is one process at a time: while the server runs, ingest through its GraphQL `ingest` mutation (or `load`/`ingest` after stopping it with Ctrl-C), and mint tokens with `relief-hub token`, which needs no lock';
    super(`DATA_DIR ${dir} is in use by ${who}. ${what}.`);
    this.name = 'DataDirLockedError';
  }
}

function readHolder(file: string): Holder | null {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as Holder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

/** Whether the lock's process still runs (this host only). */
function isRunning(h: Holder): boolean {
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  try {
    // A recycled pid running something else is not the hub.
    const cmdline = fs.readFileSync(`/proc/${h.pid}/cmdline`, 'utf8');
    return /node|relief-hub|tsx|vitest/.test(cmdline);
  } catch {
    return true; // no /proc: trust the pid
  }
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

/** Takes DATA_DIR's lock, or throws DataDirLockedError naming its holder and what to do instead. */
export function lockDataDir(dir: string, command = process.argv.slice(2, 3).join(' ') || 'relief-hub'): DataDirLock {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const me: Holder = { pid: process.pid, host: os.hostname(), command, since: new Date().toISOString(), nonce: randomBytes(8).toString('hex') };
  const temp = path.join(dir, `${LOCK_FILE}.${process.pid}.${me.nonce}`);
  fs.writeFileSync(temp, JSON.stringify(me) + '\n', { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(temp, file); // atomic: the lock appears whole, or not at all when one exists
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = readHolder(file);
      if (!holder) {
        // Written by another way or damaged: stale only when old.
        const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
        if (age < 10_000 || attempt > 2) throw new DataDirLockedError(dir, null, 'unreadable');
      } else if (holder.host !== me.host) {
        throw new DataDirLockedError(dir, holder, 'other-host');
      } else if (isRunning(holder) || attempt > 2) {
        throw new DataDirLockedError(dir, holder, 'running');
      }
      // Stale: move it aside (one process wins the rename), check it is the one judged stale, and retry.
      const aside = `${file}.stale.${process.pid}.${me.nonce}`;
      try {
        fs.renameSync(file, aside);
      } catch {
        continue; // someone else moved it
      }
      const moved = readHolder(aside);
      if (holder && moved && moved.nonce !== holder.nonce) {
        // A fresh lock taken meanwhile: put it back and give up.
        try {
          fs.linkSync(aside, file);
        } catch {
          /* a third lock appeared; ours is refused either way */
        }
        fs.rmSync(aside, { force: true });
        throw new DataDirLockedError(dir, moved, 'running');
      }
      fs.rmSync(aside, { force: true });
    }
  } finally {
    fs.rmSync(temp, { force: true });
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.removeListener('exit', release);
    if (readHolder(file)?.nonce === me.nonce) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { file, release };
}

/** The generated token secret kept beside the database, or null. */
export function readKeptSecret(dir: string): string | null {
  try {
    const s = fs.readFileSync(path.join(dir, SECRET_FILE), 'utf8').trim();
    return s.length >= 32 ? s : null;
  } catch {
    return null;
  }
}

/** Keeps the generated token secret beside the database (owner-readable only). */
export function keepSecret(dir: string, secret: string): void {
  if (readKeptSecret(dir) === secret) return;
  const file = path.join(dir, SECRET_FILE);
  const temp = `${file}.${process.pid}`;
  fs.writeFileSync(temp, secret + '\n', { mode: 0o600 });
  fs.renameSync(temp, file);
}
