/**
 * A private Redis for a machine that has none: `npm start` (and the test run) start
 * `redis-server` from the PATH on a free loopback port, with the data in a folder of their
 * own, and stop it when they stop. A record in that folder (server pid, port, owning process)
 * lets the next start find a server that a killed run left behind: it is recognised by its
 * process id and data folder, taken over, and stopped with its new owner, so none is left
 * running for long and no other Redis is ever touched.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { AppError, ErrorCodes } from '../src/errors.ts';
import { probeRedis, redisIdentity } from '../src/storage/redis-probe.ts';

const RECORD = 'embedded-redis.json';
const LOCK = 'embedded-redis.lock';
const LOG = 'redis.log';
const START_ATTEMPTS = 3;
const STOP_BUDGET_MS = 10_000;

/** The one-paragraph help for a machine without redis-server: how to install it, or the alternatives. */
export const INSTALL_REDIS_HELP =
  'There is no redis-server on the PATH to start a private one. Install it: ' +
  '`apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS); ' +
  'or run everything in containers with `docker compose up`; or set REDIS_URL to a Redis you have.';

/** How to start a private Redis. */
export interface EmbeddedRedisOptions {
  /** Its data folder (created when missing). */
  dir: string;
  /** The append-only file on (the default), or nothing kept on disk (a test run). */
  persist?: boolean;
  /** The server binary, looked up on the PATH (default `redis-server`). */
  command?: string;
  /** How long the server may take to answer, loading its data included (default 120 s). */
  readyTimeoutMs?: number;
}

/** A private Redis this process owns. */
export interface EmbeddedRedis {
  /** redis://127.0.0.1:PORT */
  url: string;
  /** Its data folder, absolute. */
  dir: string;
  pid: number;
  /** True when it is a server an earlier run left behind, taken over rather than started. */
  reused: boolean;
  /** Shuts the server down (its data flushed) and waits until it is gone. */
  stop(): Promise<void>;
}

interface ServerRecord {
  pid: number;
  port: number;
  owner: number;
}

/** True while a process with this id exists (EPERM: it exists and is someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function readRecord(dir: string): ServerRecord | null {
  try {
    const r = JSON.parse(readFileSync(path.join(dir, RECORD), 'utf8')) as Partial<ServerRecord>;
    return Number.isInteger(r.pid) && Number.isInteger(r.port) && Number.isInteger(r.owner) ? (r as ServerRecord) : null;
  } catch {
    return null;
  }
}

function writeRecord(dir: string, record: ServerRecord): void {
  // Written whole or not at all: a run killed mid-write leaves the old record or none.
  const tmp = path.join(dir, `${RECORD}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(record)}\n`);
  renameSync(tmp, path.join(dir, RECORD));
}

function removeRecord(dir: string, pid: number): void {
  if (readRecord(dir)?.pid === pid) rmSync(path.join(dir, RECORD), { force: true });
}

/** The last lines of the server's own log, for an error that says why it did not start. */
function logTail(dir: string, lines = 5): string {
  try {
    return readFileSync(path.join(dir, LOG), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The server recorded in `dir`, when it still runs and really is the one serving that folder
 * (same process id, same data folder); a record of a server that is gone is removed.
 */
async function recordedServer(dir: string): Promise<ServerRecord | null> {
  const record = readRecord(dir);
  if (!record) return null;
  // A server may be busy for a moment (starting, loading its data): ask a few times.
  for (let attempt = 0; attempt < 6 && alive(record.pid); attempt++) {
    const identity = await redisIdentity(`redis://127.0.0.1:${record.port}`);
    if (identity) {
      if (identity.pid === record.pid && realpathOr(identity.dir) === dir) return record;
      break;
    }
    await sleep(500);
  }
  removeRecord(dir, record.pid);
  return null;
}

function realpathOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** Sends SIGTERM (Redis then flushes its data and exits), and SIGKILL if it is still there after the budget. */
async function terminate(pid: number, exited: () => boolean): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + STOP_BUDGET_MS;
  while (!exited()) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        return;
      }
      await sleep(100);
      return;
    }
    await sleep(25);
  }
}

/** The handle of a server this process owns: stopped by stop(), or by a last SIGTERM if the process exits first. */
function owned(dir: string, record: ServerRecord, reused: boolean, exited: () => boolean): EmbeddedRedis {
  // A crash, process.exit() or an uncaught error still stops the server: the signal is sent
  // synchronously on the way out, and Redis shuts down by itself.
  const lastWord = () => {
    if (!exited()) {
      try {
        process.kill(record.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', lastWord);
  let stopping: Promise<void> | null = null;
  return {
    url: `redis://127.0.0.1:${record.port}`,
    dir,
    pid: record.pid,
    reused,
    stop() {
      stopping ??= terminate(record.pid, exited).then(() => {
        process.off('exit', lastWord);
        removeRecord(dir, record.pid);
      });
      return stopping;
    },
  };
}

/** Starts one redis-server on a free port; resolves once it answers, or rejects with the reason. */
async function spawnServer(dir: string, options: Required<Omit<EmbeddedRedisOptions, 'dir'>>): Promise<EmbeddedRedis> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--protected-mode', 'yes',
      '--dir', dir,
      '--logfile', path.join(dir, LOG),
      '--daemonize', 'no',
      '--appendonly', options.persist ? 'yes' : 'no',
      '--save', '',
      '--maxmemory-policy', 'noeviction',
    ];
    // Its own process group: a Ctrl-C in the terminal reaches the app, which stops the server
    // after its own shutdown, not the server first while the workers still use it.
    const child = spawn(options.command, args, { stdio: 'ignore', detached: true });
    child.unref();
    let exit: { code: number | null; error?: NodeJS.ErrnoException } | null = null;
    child.once('error', (error: NodeJS.ErrnoException) => (exit = { code: null, error }));
    child.once('exit', (code) => (exit ??= { code }));
    const exited = () => exit !== null;
    // Recorded before it answers, so a run killed right now leaves a server the next start finds.
    if (child.pid) writeRecord(dir, { pid: child.pid, port, owner: process.pid });
    const deadline = Date.now() + options.readyTimeoutMs;
    while (!exit && Date.now() < deadline) {
      if ((await probeRedis(`redis://127.0.0.1:${port}`, 500)) === 'ready') break;
      await sleep(50);
    }
    const ended = exit as { code: number | null; error?: NodeJS.ErrnoException } | null;
    if (!ended && child.pid) return owned(dir, { pid: child.pid, port, owner: process.pid }, false, exited);
    if (child.pid) {
      await terminate(child.pid, exited);
      removeRecord(dir, child.pid);
    }
    if (ended?.error?.code === 'ENOENT') throw new AppError(ErrorCodes.unavailable, INSTALL_REDIS_HELP, { details: { missing: options.command } });
    const tail = logTail(dir);
    // Another program may take the free port between our look and the server's bind.
    if (/in use/i.test(tail) && attempt < START_ATTEMPTS) continue;
    const why = ended ? (ended.error?.message ?? `it exited with code ${ended.code}`) : `it did not answer within ${options.readyTimeoutMs} ms`;
    throw new AppError(ErrorCodes.unavailable, `The private Redis (${options.command}, data in ${dir}) did not start: ${why}.${tail ? `\nIts log ends:\n${tail}` : ''}`);
  }
}

/**
 * Runs `work` while this process alone may start or take over the server of `dir`: two starts at
 * the same moment must never run two servers on one data folder. The lock is a file holding its
 * holder's pid; one whose holder is gone is taken over.
 */
async function withStartLock<T>(dir: string, waitMs: number, work: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, LOCK);
  for (const deadline = Date.now() + waitMs; ; ) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: number;
      try {
        holder = Number(readFileSync(lock, 'utf8').trim() || 'NaN');
      } catch {
        continue; // released meanwhile
      }
      // A holder that is gone (or a lock written half, or one left by an earlier process with
      // this very pid) is taken over; a live one is waited for.
      if (!Number.isInteger(holder) || holder === process.pid || !alive(holder)) rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new AppError(ErrorCodes.unavailable, `The private Redis in ${dir} is being started by process ${holder}; try again when it is up.`);
      else await sleep(100);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * Starts a private Redis with its data in `dir`, or takes over the one an earlier run left
 * running there. Rejects with an AppError (code `service_unavailable`) whose message says
 * what to do: no redis-server installed, the folder in use by another live process, or the
 * server's own reason for not starting.
 */
export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  mkdirSync(options.dir, { recursive: true });
  const dir = realpathSync(options.dir);
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  return withStartLock(dir, readyTimeoutMs + STOP_BUDGET_MS, () => startLocked(dir, { ...options, readyTimeoutMs }));
}

/** The start proper, under the folder's lock: take over what an earlier run left, or start a server. */
async function startLocked(dir: string, options: EmbeddedRedisOptions & { readyTimeoutMs: number }): Promise<EmbeddedRedis> {
  const left = await recordedServer(dir);
  if (left) {
    if (left.owner !== process.pid && alive(left.owner)) {
      throw new AppError(
        ErrorCodes.unavailable,
        `The private Redis with its data in ${dir} belongs to another running process (pid ${left.owner}). ` +
          `Stop that one first, or share its Redis with REDIS_URL=redis://127.0.0.1:${left.port}.`,
      );
    }
    writeRecord(dir, { ...left, owner: process.pid });
    return owned(dir, { ...left, owner: process.pid }, true, () => !alive(left.pid));
  }
  return spawnServer(dir, {
    persist: options.persist ?? true,
    command: options.command ?? 'redis-server',
    readyTimeoutMs: options.readyTimeoutMs,
  });
}

/**
 * Stops a private Redis left running in `dir` by a process that is gone. Returns true when
 * nothing runs there any more, false when a live process still owns it.
 */
export async function stopLeftBehind(dir: string): Promise<boolean> {
  const left = await recordedServer(realpathOr(path.resolve(dir)));
  if (!left) return true;
  if (alive(left.owner)) return false;
  await terminate(left.pid, () => !alive(left.pid));
  removeRecord(realpathOr(path.resolve(dir)), left.pid);
  return true;
}
