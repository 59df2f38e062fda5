import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../src/errors.ts';
import { startEmbeddedRedis, stopLeftBehind, type EmbeddedRedis } from '../workers/embedded-redis.ts';
import { waitFor } from './helpers/start-app.ts';

// The private Redis that `npm start` and the test run bring on a machine without one: started
// from redis-server on a free port, its data in a folder of its own, stopped with its owner, and
// found again (and stopped) when a killed run left it behind. Every server here is one the test
// started in a temporary folder; no other Redis is asked anything.
const redisServer = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
if (!redisServer) process.stderr.write('embedded-redis.test.ts: redis-server is not installed; skipped (apt-get install redis-server).\n');

const folders: string[] = [];
const children: ChildProcess[] = [];
const started: EmbeddedRedis[] = [];

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aw-embedded-'));
  folders.push(dir);
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function start(dir: string, persist = true): Promise<EmbeddedRedis> {
  const redis = await startEmbeddedRedis({ dir, persist });
  started.push(redis);
  return redis;
}

/** A child process that owns a private Redis in `dir` (test/helpers/embedded-redis-owner.ts). */
async function owner(dir: string, mode: 'wait' | 'crash' = 'wait'): Promise<{ child: ChildProcess; pid: number; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/embedded-redis-owner.ts', dir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(async () => out.includes('\n') || child.exitCode !== null, 30_000, 50);
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`the owner did not start a Redis:\n${out}`);
  const { pid, url } = JSON.parse(line) as { pid: number; url: string };
  return { child, pid, url, exited };
}

async function withClient<T>(url: string, work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.allSettled(started.map((r) => r.stop()));
  for (const dir of folders) {
    await stopLeftBehind(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe.skipIf(!redisServer)('a private Redis from redis-server', () => {
  it('listens on a free loopback port with its data in the folder, the append-only file on and noeviction, and stop() leaves no server', async () => {
    const dir = folder();
    const redis = await start(dir);
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(redis.url).not.toBe('redis://127.0.0.1:6379');
    expect(redis.reused).toBe(false);
    expect(redis.dir).toBe(realpathSync(dir));
    await withClient(redis.url, async (client) => {
      expect(await client.ping()).toBe('PONG');
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await client.config('GET', 'dir')).toEqual(['dir', realpathSync(dir)]);
      expect(await client.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    });
    expect(existsSync(join(dir, 'embedded-redis.json'))).toBe(true);
    await redis.stop();
    expect(alive(redis.pid)).toBe(false);
    expect(existsSync(join(dir, 'embedded-redis.json'))).toBe(false);
  });

  it('keeps its data for the next start in the same folder', async () => {
    const dir = folder();
    const first = await start(dir);
    await withClient(first.url, (client) => client.set('kept', 'across starts'));
    await first.stop();
    const second = await start(dir);
    expect(second.reused).toBe(false);
    expect(second.pid).not.toBe(first.pid);
    expect(await withClient(second.url, (client) => client.get('kept'))).toBe('across starts');
    await second.stop();
    expect(alive(second.pid)).toBe(false);
  });

  it('is stopped when its owner crashes (an uncaught error on the way up)', async () => {
    const dir = folder();
    const crashing = await owner(dir, 'crash');
    expect(await crashing.exited).not.toBe(0);
    await waitFor(async () => !alive(crashing.pid), 10_000, 50);
    expect(alive(crashing.pid)).toBe(false);
  });

  it('a server left behind by a killed owner is found by the next start, taken over with its data, and stopped with it', async () => {
    const dir = folder();
    const killed = await owner(dir);
    await withClient(killed.url, (client) => client.set('left', 'behind'));
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(alive(killed.pid)).toBe(true);
    const next = await start(dir);
    expect(next.reused).toBe(true);
    expect(next.pid).toBe(killed.pid);
    expect(next.url).toBe(killed.url);
    expect(await withClient(next.url, (client) => client.get('left'))).toBe('behind');
    await next.stop();
    expect(alive(killed.pid)).toBe(false);
  });

  it('refuses a folder whose server belongs to another live process, and names the URL to share it', async () => {
    const dir = folder();
    const other = await owner(dir);
    const err = await startEmbeddedRedis({ dir }).catch((e: unknown) => e);
    expect(isAppError(err)).toBe(true);
    expect((err as Error).message).toContain(`pid ${other.child.pid}`);
    expect((err as Error).message).toContain(`REDIS_URL=${other.url}`);
    expect(alive(other.pid)).toBe(true);
    // stopLeftBehind leaves a live owner's server alone, and stops it once the owner is gone.
    expect(await stopLeftBehind(dir)).toBe(false);
    expect(alive(other.pid)).toBe(true);
    other.child.kill('SIGKILL');
    await other.exited;
    expect(await stopLeftBehind(dir)).toBe(true);
    expect(alive(other.pid)).toBe(false);
  });

  it('two starts at the same moment on one folder run one server: the second is told the folder is in use', async () => {
    const dir = folder();
    const both = [0, 1].map(() => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/embedded-redis-owner.ts', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      return { child, out: () => out };
    });
    await waitFor(async () => both.some((o) => o.out().startsWith('{')) && both.some((o) => o.child.exitCode !== null), 60_000, 100);
    const winner = both.find((o) => o.out().startsWith('{'))!;
    const loser = both.find((o) => o !== winner)!;
    const { pid } = JSON.parse(winner.out()) as { pid: number };
    expect(loser.child.exitCode).not.toBe(0);
    expect(loser.out()).toContain(`belongs to another running process (pid ${winner.child.pid})`);
    expect(alive(pid)).toBe(true);
    winner.child.kill('SIGKILL');
    await waitFor(async () => winner.child.exitCode !== null || winner.child.signalCode !== null, 10_000, 50);
    expect(await stopLeftBehind(dir)).toBe(true);
    expect(alive(pid)).toBe(false);
  });

  it('waits while another live process holds the folder\'s start lock, and takes over a lock whose holder is gone', async () => {
    const dir = folder();
    // Held by a live process (this one): a start in another process waits and starts nothing.
    writeFileSync(join(dir, 'embedded-redis.lock'), `${process.pid}\n`);
    const waiting = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/embedded-redis-owner.ts', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(waiting);
    let out = '';
    waiting.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => setTimeout(r, 3000));
    expect(out).toBe('');
    expect(existsSync(join(dir, 'embedded-redis.json'))).toBe(false);
    rmSync(join(dir, 'embedded-redis.lock'));
    await waitFor(async () => out.startsWith('{'), 30_000, 50);
    const { pid } = JSON.parse(out) as { pid: number };
    expect(alive(pid)).toBe(true);
    waiting.kill('SIGKILL');
    await waitFor(async () => waiting.signalCode !== null, 10_000, 50);
    // A lock left by a process that is gone does not block the next start.
    writeFileSync(join(dir, 'embedded-redis.lock'), '999999999\n');
    const next = await start(dir, false);
    expect(next.pid).toBe(pid);
    expect(next.reused).toBe(true);
    expect(existsSync(join(dir, 'embedded-redis.lock'))).toBe(false);
    await next.stop();
    expect(alive(pid)).toBe(false);
  });

  it('never takes over another Redis named by a stale record (same pid and port, another folder): a new server starts and that one is untouched', async () => {
    // "Another Redis" is one this test starts in a folder of its own.
    const otherDir = folder();
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const other = spawn(redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--dir', otherDir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    children.push(other);
    const otherUrl = `redis://127.0.0.1:${port}`;
    await waitFor(async () => (await withClient(otherUrl, (c) => c.ping()).catch(() => null)) === 'PONG', 10_000, 50);
    const dir = folder();
    writeFileSync(join(dir, 'embedded-redis.json'), JSON.stringify({ pid: other.pid, port, owner: 999_999_999 }));
    const redis = await start(dir, false);
    expect(redis.reused).toBe(false);
    expect(redis.url).not.toBe(otherUrl);
    expect(JSON.parse(readFileSync(join(dir, 'embedded-redis.json'), 'utf8')).pid).toBe(redis.pid);
    await redis.stop();
    expect(alive(other.pid!)).toBe(true);
    expect(await withClient(otherUrl, (c) => c.ping())).toBe('PONG');
    other.kill('SIGTERM');
  });
});

describe('no redis-server on the PATH', () => {
  it('rejects with the install commands for Debian/Ubuntu and macOS and the docker compose alternative', async () => {
    const err = await startEmbeddedRedis({ dir: folder(), command: 'redis-server-that-is-not-installed' }).catch((e: unknown) => e);
    expect(isAppError(err, 'service_unavailable')).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain('apt-get install redis-server');
    expect(message).toContain('brew install redis');
    expect(message).toContain('docker compose up');
    expect(message).toContain('REDIS_URL');
  });
});
