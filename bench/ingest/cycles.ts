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

/** Cycle 1: registers every feed with one OPML import and waits until every item is stored and none is left untagged. */
export async function runNewItemsCycle(ctx: CycleContext, feedUrls: string[], expectedItems: number): Promise<NewItemsCycle> {
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
    const pipeline = redis.pipeline().zcard(K.items).zcard(K.untagged);
    const asked = [...pending];
    for (const i of asked) pipeline.hget(K.feed(feedIds[i]!), 'lastStatus');
    const res = (await pipeline.exec()) ?? [];
    watchCommands += 2 + asked.length;
    const items = Number(res[0]?.[1] ?? 0);
    const untagged = Number(res[1]?.[1] ?? 0);
    asked.forEach((i, j) => {
      // 304 counts too: the scheduler's own first poll of a new feed may land after the API's.
      const status = res[2 + j]?.[1];
      if (status === '200' || status === '304') pending.delete(i);
    });
    const t = performance.now();
    if (VERBOSE) process.stderr.write(`  c1 ${((t - t0) / 1000).toFixed(2)} s: items ${items}, untagged ${untagged}, feeds pending ${pendingSeeded ? pending.size : 'registering'}\n`);
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
    const pipeline = redis.pipeline();
    for (const i of asked) pipeline.hmget(K.feed(feedIds[i]!), 'lastStatus', 'lastPolledAt');
    const res = (await pipeline.exec()) ?? [];
    watchCommands += asked.length;
    asked.forEach((i, j) => {
      const [status, polledAt] = (res[j]?.[1] as [string | null, string | null]) ?? [null, null];
      if (status === '304' && Number(polledAt) >= wall0) pending.delete(i);
    });
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
