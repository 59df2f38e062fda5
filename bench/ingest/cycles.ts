/**
 * The ingest benchmark's two cycles, each watched from Redis through the app's own key names:
 * 1. every feed registered by one OPML import (each is polled at once) until every item is stored
 *    and tagged; 2. every feed made due in the schedule until each has answered 304.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Keys } from '../../src/storage/keys.ts';
import { assertAlive, type BenchChild } from '../bench-child.ts';
import { callApi } from '../call-api.ts';

// Progress is read from Redis this often; cycle 1 lasts seconds, cycle 2 may last one.
const WATCH_MS_CYCLE1 = 50;
// One script call reads every pending feed's status, so watching costs this driver (which shares
// the two cores with the app) one reply per look instead of one per feed. It returns the
// positions (1-based) of the feeds whose lastStatus is one of ARGV[2..] and whose lastPolledAt
// is at least ARGV[1]. Its HMGETs count among the server's commands: the cycles subtract them.
const WATCH_FEEDS = `
local done = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'lastStatus', 'lastPolledAt')
  local polledAt = v[2] and tonumber(v[2]) or 0
  if v[1] and polledAt >= tonumber(ARGV[1]) then
    for j = 2, #ARGV do
      if v[1] == ARGV[j] then done[#done + 1] = i break end
    end
  end
end
return done
`;

/** Positions in `keys` of the feeds done (status one of `statuses`, polled at or after `since`), in one call. */
async function feedsDone(redis: Redis, keys: string[], since: number, statuses: string[]): Promise<number[]> {
  if (keys.length === 0) return [];
  return (await redis.eval(WATCH_FEEDS, keys.length, ...keys, String(since), ...statuses)) as number[];
}
const WATCH_MS_CYCLE2 = 20;
const CYCLE_TIMEOUT_MS = 300_000;
const VERBOSE = process.env.BENCH_VERBOSE === '1';

/** What a cycle needs: the app's API, the run's keys, the children to watch. */
export interface CycleContext {
  base: string;
  adminToken: string;
  redis: Redis;
  keys: Keys;
  children: BenchChild[];
}

/** Cycle 1's moments (performance.now() ms) and what it found. */
export interface NewItemsCycle {
  wall0: number;
  t0: number;
  registeredAt: number;
  feedsDoneAt: number;
  itemsStoredAt: number;
  end: number;
  /** Feed ids in the order of the farm's URLs. */
  feedIds: string[];
  /** Redis commands this driver sent to watch the cycle (subtracted from the app's). */
  watchCommands: number;
}

/**
 * Cycle 1: registers every feed with one OPML import and waits until every item is stored and
 * none is left untagged. `atHalf` is called once, when half the items are tagged, with the
 * items stored and tagged then (the benchmark reads the app's CPU there: the warm half).
 */
export async function runNewItemsCycle(
  ctx: CycleContext,
  feedUrls: string[],
  expectedItems: number,
  atHalf?: (progress: { stored: number; tagged: number }) => void,
): Promise<NewItemsCycle> {
  const { base, adminToken, redis, keys: K, children } = ctx;
  const wall0 = Date.now();
  const t0 = performance.now();
  const feedIds: string[] = new Array(feedUrls.length);
  let watchCommands = 0;
  let registeredAt = 0;
  // One OPML import registers every feed (each is polled at once), as a user moving from
  // another reader would: the cycle measures ingestion, not 500 separate API round trips.
  const opml = `<?xml version="1.0"?><opml version="2.0"><head><title>bench</title></head><body>${feedUrls
    .map((u, i) => `<outline text="Outlet ${i + 1}" xmlUrl="${u}"/>`)
    .join('')}</body></opml>`;
  const registering = (async () => {
    const res = await fetch(`${base}/api/feeds/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'text/x-opml' },
      body: opml,
    });
    const json = (await res.json()) as { added: number };
    if (res.status !== 200 || json.added !== feedUrls.length) {
      throw new Error(`POST /api/feeds/import answered ${res.status}: ${JSON.stringify(json)}`);
    }
    const { json: list } = await callApi(base, adminToken, 'GET', '/api/feeds');
    const idByUrl = new Map((list.feeds as Array<{ id: string; url: string }>).map((f) => [f.url, f.id]));
    feedUrls.forEach((u, i) => (feedIds[i] = idByUrl.get(new URL(u).href)!));
  })().then(() => {
    registeredAt = performance.now();
  });

  let feedsDoneAt = 0;
  let itemsStoredAt = 0;
  let end = 0;
  let registerFailure: unknown = null;
  registering.catch((err) => {
    registerFailure = err;
  });
  const pending = new Set<number>();
  let pendingSeeded = false;
  for (;;) {
    assertAlive(children);
    if (registerFailure) throw registerFailure;
    const now = performance.now();
    if (now - t0 > CYCLE_TIMEOUT_MS) throw new Error(`cycle 1 did not finish within ${CYCLE_TIMEOUT_MS / 1000} s`);
    if (registeredAt && !pendingSeeded) {
      feedIds.forEach((_, i) => pending.add(i));
      pendingSeeded = true;
    }
    const asked = [...pending];
    const [counts, done] = await Promise.all([
      redis.pipeline().zcard(K.items).zcard(K.untagged).exec(),
      // 304 counts too: the scheduler's own first poll of a new feed may land after the API's.
      feedsDone(redis, asked.map((i) => K.feed(feedIds[i]!)), 0, ['200', '304']),
    ]);
    watchCommands += 2 + (asked.length > 0 ? 1 + asked.length : 0);
    const items = Number(counts?.[0]?.[1] ?? 0);
    const untagged = Number(counts?.[1]?.[1] ?? 0);
    for (const j of done) pending.delete(asked[j - 1]!);
    const t = performance.now();
    if (VERBOSE) process.stderr.write(`  c1 ${((t - t0) / 1000).toFixed(2)} s: items ${items}, untagged ${untagged}, feeds pending ${pendingSeeded ? pending.size : 'registering'}\n`);
    if (atHalf && items - untagged >= expectedItems / 2) {
      atHalf({ stored: items, tagged: items - untagged });
      atHalf = undefined;
    }
    if (pendingSeeded && pending.size === 0 && !feedsDoneAt) feedsDoneAt = t;
    if (items >= expectedItems && !itemsStoredAt) itemsStoredAt = t;
    if (feedsDoneAt && itemsStoredAt && untagged === 0) {
      end = t;
      break;
    }
    await sleep(WATCH_MS_CYCLE1);
  }
  await registering;
  return { wall0, t0, registeredAt, feedsDoneAt, itemsStoredAt, end, feedIds, watchCommands };
}

/** Queues whose jobs cycle 1 leaves behind (tag jobs finishing, polls of the scheduler's own). */
const DRAINED_QUEUES = ['poll', 'poll-live', 'tag', 'tag-live', 'deliver'];
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * Waits until no job of cycle 1 is waiting or running, so that cycle 2 counts the commands and
 * CPU of its 304 polls only (background tagging landing in its window once read as 17-27
 * commands per poll). Returns the ms waited.
 */
export async function waitForQueuesToDrain(ctx: CycleContext): Promise<number> {
  const { redis, keys: K, children } = ctx;
  const t0 = performance.now();
  for (;;) {
    assertAlive(children);
    const pipe = redis.pipeline();
    for (const q of DRAINED_QUEUES) {
      const base = `${K.queuePrefix(q)}:${q}`;
      pipe.llen(`${base}:wait`).llen(`${base}:active`).zcard(`${base}:prioritized`);
    }
    const replies = (await pipe.exec()) ?? [];
    const busy = replies.reduce((n, [, v]) => n + Number(v ?? 0), 0);
    const waited = performance.now() - t0;
    if (busy === 0 || waited > DRAIN_TIMEOUT_MS) return Math.round(waited);
    await sleep(WATCH_MS_CYCLE1);
  }
}

const STATS_TIMEOUT_MS = 30_000;
/** Let the rest of the flush's one pipeline (its HINCRBYs come after the count) reach Redis. */
const STATS_SETTLE_MS = 250;

/**
 * Waits until the app's collection statistics count every item of cycle 1. The app writes them
 * in batches (one HINCRBY per distinct term, about 1.2 commands per item) on a timer of its own;
 * without this wait that write fell in the 304 cycle's window when cycle 1 was slow (17-27
 * commands per poll) and in neither window when it was fast, so cycle 1's commands per item
 * moved by about 1.2 from run to run. Returns the ms waited and the driver's own reads.
 */
export async function waitForCollectionStats(ctx: CycleContext, items: number): Promise<{ ms: number; watchCommands: number }> {
  const t0 = performance.now();
  let watchCommands = 0;
  for (;;) {
    assertAlive(ctx.children);
    watchCommands++;
    const docs = Number((await ctx.redis.get(ctx.keys.collectionDocs)) ?? 0);
    if (docs >= items || performance.now() - t0 > STATS_TIMEOUT_MS) break;
    await sleep(WATCH_MS_CYCLE1);
  }
  await sleep(STATS_SETTLE_MS);
  return { ms: Math.round(performance.now() - t0), watchCommands };
}

/** Cycle 2's moments (performance.now() ms). */
export interface NotModifiedCycle {
  wall0: number;
  t0: number;
  submittedAt: number;
  end: number;
  watchCommands: number;
}

/** Cycle 2: makes every feed due now (the scheduler's path) and waits until each shows a 304 polled since. */
export async function runNotModifiedCycle(ctx: CycleContext, feedIds: string[]): Promise<NotModifiedCycle> {
  const { redis, keys: K, children } = ctx;
  const wall0 = Date.now();
  const t0 = performance.now();
  let watchCommands = 0;
  let submittedAt = 0;
  let pollFailure: unknown = null;
  // The scheduler's own path: every feed becomes due now; the next tick (≤ 1 s) queues them all.
  const submitting = (async () => {
    const due = Date.now();
    await redis.zadd(K.schedule, ...feedIds.flatMap((id) => [due, id]));
  })().then(() => {
    submittedAt = performance.now();
  });
  submitting.catch((err) => {
    pollFailure = err;
  });
  let end = 0;
  const pending = new Set(feedIds.map((_, i) => i));
  for (;;) {
    assertAlive(children);
    if (pollFailure) throw pollFailure;
    if (performance.now() - t0 > CYCLE_TIMEOUT_MS) throw new Error(`cycle 2 did not finish within ${CYCLE_TIMEOUT_MS / 1000} s`);
    const asked = [...pending];
    const done = await feedsDone(redis, asked.map((i) => K.feed(feedIds[i]!)), wall0, ['304']);
    watchCommands += 1 + asked.length;
    for (const j of done) pending.delete(asked[j - 1]!);
    if (VERBOSE) process.stderr.write(`  c2 ${((performance.now() - t0) / 1000).toFixed(2)} s: feeds pending ${pending.size}\n`);
    if (pending.size === 0) {
      end = performance.now();
      break;
    }
    await sleep(WATCH_MS_CYCLE2);
  }
  await submitting;
  return { wall0, t0, submittedAt, end, watchCommands };
}
