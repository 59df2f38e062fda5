import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys } from '../src/storage/keys.ts';
import { killAllApps, spawnApp, type AppProcess } from './helpers/app-process.ts';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { dropPrefix, testRedisUrl, uniquePrefix } from './helpers/redis-prefix.ts';
import { waitFor } from './helpers/start-app.ts';
import { freePort } from '../bench/free-port.ts';

// Whole processes, as operators run them: SIGTERM, SIGKILL and a Redis restart in the middle
// of an ingest must lose no item and count none twice.
const FEEDS = 40;
const ITEMS = 50;
const TOTAL = FEEDS * ITEMS;
/** Items whose title names Muscat: every fourth of each feed. */
const MUSCAT = FEEDS * Math.ceil(ITEMS / 4);
const TOKEN = 'lifecycle-admin-token-0123456789';
let server: FeedServer;

beforeAll(async () => {
  server = await startFeedServer();
  const now = Date.now();
  for (let f = 0; f < FEEDS; f++) {
    const items = Array.from({ length: ITEMS }, (_, i) => ({
      title: i % 4 === 0 ? `Muscat briefing ${f}-${i}` : `Market note ${f}-${i}`,
      link: `http://life.example/${f}/${i}`,
      description: i % 4 === 0 ? 'Envoys met in the Omani capital.' : 'Shares closed higher.',
      pubDate: new Date(now - (f * ITEMS + i) * 1000).toUTCString(),
    }));
    const xml = rssOf(`Feed ${f}`, items);
    // Each answer takes a while, so the ingest is still running when the test strikes.
    server.route(`/life/${f}.xml`, async (_q, r) => {
      await new Promise((done) => setTimeout(done, 150));
      r.end(xml);
    });
  }
}, 30_000);

afterAll(async () => {
  killAllApps();
  await server?.close();
});

function baseEnv(prefix: string, port: number, redisUrl = testRedisUrl): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    PORT: String(port),
    ADMIN_TOKEN: TOKEN,
    FEEDS_FILE: '',
    ALLOW_PRIVATE_NETWORKS: 'true',
    JOB_LOCK_MS: '3000',
    HOST_CONCURRENCY: '4',
  };
}

async function importFeeds(base: string): Promise<void> {
  const opml = `<opml version="2.0"><body>${Array.from({ length: FEEDS }, (_, f) => `<outline text="F${f}" xmlUrl="${server.url(`/life/${f}.xml`)}"/>`).join('')}</body></opml>`;
  const res = await fetch(`${base}/api/feeds/import`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/x-opml' }, body: opml });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { added: number }).added).toBe(FEEDS);
}

/** Waits until every item is stored and tagged, then checks the counts are exact. */
async function expectComplete(redis: Redis, prefix: string, timeoutMs = 90_000): Promise<void> {
  const keys = createKeys(prefix);
  try {
    await waitFor(async () => (await redis.zcard(keys.items)) === TOTAL && (await redis.zcard(keys.untagged)) === 0, timeoutMs, 250);
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${await redis.zcard(keys.items)} items stored, ${await redis.zcard(keys.untagged)} untagged`);
  }
  // Every item is stored once (ids are unique by construction: count the item hashes too).
  let hashes = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', keys.item('*'), 'COUNT', 1000);
    cursor = next;
    hashes += batch.length;
  } while (cursor !== '0');
  expect(hashes).toBe(TOTAL);
  await waitFor(async () => (await redis.zcard(keys.entityItems('muscat-talks', 'muscat'))) === MUSCAT, 30_000, 250);
  expect(await redis.zcard(keys.entityItems('muscat-talks', 'muscat'))).toBe(MUSCAT);
}

describe('graceful stop', () => {
  it('exits 0 within 10 s on SIGTERM in the middle of an ingest, and a restart finishes it with nothing lost', async () => {
    const prefix = uniquePrefix('sigterm');
    const redis = new Redis(testRedisUrl);
    const port = await freePort();
    const first = spawnApp('all', baseEnv(prefix, port));
    let second: AppProcess | null = null;
    try {
      await first.waitForOutput(/api listening/);
      await importFeeds(`http://127.0.0.1:${port}`);
      const keys = createKeys(prefix);
      await waitFor(async () => (await redis.zcard(keys.items)) >= 200, 30_000, 50);
      expect(await redis.zcard(keys.items)).toBeLessThan(TOTAL);
      const sentAt = Date.now();
      first.child.kill('SIGTERM');
      const exit = await first.exited;
      expect(exit.code).toBe(0);
      expect(exit.at - sentAt).toBeLessThan(10_000);
      second = spawnApp('all', baseEnv(prefix, port));
      await second.waitForOutput(/api listening/);
      await expectComplete(redis, prefix);
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGTERM');
      await second?.exited;
      redis.disconnect();
      await dropPrefix(prefix);
    }
  }, 150_000);
});

describe('scale-out', () => {
  it('one API and two workers, one killed with SIGKILL mid-ingest: every item stored once, exact counts', async () => {
    const prefix = uniquePrefix('sigkill');
    const redis = new Redis(testRedisUrl);
    const port = await freePort();
    const api = spawnApp('api', baseEnv(prefix, port));
    const w1 = spawnApp('worker', baseEnv(prefix, port));
    const w2 = spawnApp('worker', baseEnv(prefix, port));
    try {
      await Promise.all([api.waitForOutput(/api listening/), w1.waitForOutput(/workers started/), w2.waitForOutput(/workers started/)]);
      await importFeeds(`http://127.0.0.1:${port}`);
      const keys = createKeys(prefix);
      await waitFor(async () => (await redis.zcard(keys.items)) >= 300, 30_000, 50);
      w1.child.kill('SIGKILL');
      await w1.exited;
      await expectComplete(redis, prefix);
      const volume = await fetch(
        `http://127.0.0.1:${port}/api/volume?entities=muscat&interval=day&from=${new Date(Date.now() - 5 * 24 * 3600_000).toISOString()}&to=${new Date(Date.now() + 3600_000).toISOString()}`,
        { headers: { authorization: `Bearer ${TOKEN}` } },
      );
      const body = (await volume.json()) as { series: Array<{ points: Array<{ count: number }> }> };
      expect(body.series[0]!.points.reduce((a, p) => a + p.count, 0)).toBe(MUSCAT);
    } finally {
      for (const p of [api, w1, w2]) p.child.kill('SIGKILL');
      redis.disconnect();
      await dropPrefix(prefix);
    }
  }, 150_000);
});

describe('Redis outage', () => {
  const redisServer = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  const maybe = redisServer ? it : it.skip;

  maybe('answers 503 while Redis is away, then resumes and loses nothing', async () => {
    const redisPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'aw-redis-'));
    const startRedis = () => {
      const r = spawn(redisServer, ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
      return r;
    };
    let redisProc = startRedis();
    const url = `redis://127.0.0.1:${redisPort}`;
    const redis = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 200 });
    redis.on('error', () => {});
    await waitFor(async () => (await redis.ping()) === 'PONG', 10_000, 100);
    const prefix = uniquePrefix('outage');
    const port = await freePort();
    const app = spawnApp('all', baseEnv(prefix, port, url));
    const base = `http://127.0.0.1:${port}`;
    try {
      await app.waitForOutput(/api listening/);
      await importFeeds(base);
      const keys = createKeys(prefix);
      await waitFor(async () => (await redis.zcard(keys.items)) >= 200, 30_000, 50);
      // Redis goes away (SHUTDOWN flushes the append-only file, as a restart would).
      spawnSync('redis-cli', ['-p', String(redisPort), 'shutdown']);
      await new Promise<void>((r) => redisProc.once('exit', () => r()));
      const t0 = Date.now();
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      const feeds = await fetch(`${base}/api/feeds`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(feeds.status).toBe(503);
      expect(feeds.headers.get('content-type')).toMatch(/problem\+json/);
      expect(Date.now() - t0).toBeLessThan(5000);
      await new Promise((r) => setTimeout(r, 1500));
      redisProc = startRedis();
      await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, 20_000, 200);
      await expectComplete(redis, prefix);
    } finally {
      app.child.kill('SIGKILL');
      redis.disconnect();
      redisProc.kill('SIGKILL');
    }
  }, 150_000);
});
