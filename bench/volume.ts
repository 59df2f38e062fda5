/**
 * Coverage-volume benchmark: GET /api/volume over 1,000,000 stored items, answered by the real
 * API (a child process running workers/api.ts) from real Redis over real HTTP.
 *
 * Setup (straight into Redis, pipelined ZADD plus the hourly-count hashes the write scripts keep
 * beside each index, with the app's own key names from createKeys):
 *   - `keys.items`: 1,000,000 item ids (24 hex chars, like normalize-item's sha256 prefix) scored
 *     by publishedAt ms over the last 90 days, with a diurnal shape (peak ~13:00 UTC, trough at
 *     night) and quieter weekends;
 *   - `keys.entityItems('muscat-talks', key)` for every entity key the API reports for the anchor,
 *     with realistic shares (iran 30 %, us 25 %, trump 12 %, oman 10 %, muscat 6 %, ...; an item
 *     can be in several); the talks' own names (muscat, oman, araghchi, witkoff) are bursty: half
 *     their mentions fall in the last 14 days.
 *   Populating through the feed pipeline would take hours; the indexes are what the route reads.
 *
 * Memory: INFO used_memory before/after the items index and before/after the entity indexes
 * (bytes per item, per index entry), cross-checked with MEMORY USAGE of each key.
 *
 * Timed (client-side wall time per request, sequential, keep-alive, body fully read):
 *   hour-5        entities=K1..K5&interval=hour over 90 days: 2,160 buckets × 5 series (the target)
 *   day-5         the same with interval=day (90 buckets × 5)
 *   hour-5-share  hour-5 with normalize=share (a 6th series over the 1M-item index)
 * Where the time goes: the same Redis pipeline (ItemStore.bucketCounts, the app's class) timed from
 * this process, Redis commandstats (server-side µs per script call), bucketBoundaries, a
 * driver-side build + JSON.stringify of an answer of the same shape, and GET /healthz (HTTP floor).
 * Correctness: per series, the sum of an answer's counts equals ZCOUNT over its [from, to), and
 * every bucket equals the count this driver computes from the data it wrote; shares = count/total.
 *
 * Prints a table, writes bench/results/volume.json, stops the child and UNLINKs the prefix's keys.
 * Run: `npx tsx bench/volume.ts` or `npm run bench -- volume`. The data is made in volume/data.ts,
 * timed in volume/requests.ts, checked in volume/checks.ts, printed by volume/print-table.ts.
 * Env: REDIS_URL, VOL_ITEMS (1000000), VOL_DAYS (90), VOL_SAMPLES (200), VOL_WARMUP (20).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createKeys } from '../src/storage/keys.ts';
import { appEnv } from './app-process.ts';
import { spawnBenchChild, stopBenchChild, type BenchChild } from './bench-child.ts';
import { writeBenchResult } from './bench-result.ts';
import { envNumber } from './env-number.ts';
import { freePort } from './free-port.ts';
import { isMain } from './is-main.ts';
import { round } from './percentile.ts';
import { prng } from '../workers/prng.ts';
import { redisVersion, usedMemory } from './redis-info.ts';
import { deletePrefix, deletePrefixAndDisconnect } from './redis-prefix-cleanup.ts';
import { redisUrl } from './redis-url.ts';
import { checkAnswers, timeBreakdown } from './volume/checks.ts';
import { DAY, generateItems, hsetHourly, planEntityIndexes, zaddAll } from './volume/data.ts';
import { keepAliveClient, type TimedGet } from './volume/keep-alive-client.ts';
import { printTable } from './volume/print-table.ts';
import { timeVariants } from './volume/requests.ts';

const ANCHOR_ID = 'muscat-talks';
const CFG = {
  items: envNumber('VOL_ITEMS', 1_000_000),
  days: envNumber('VOL_DAYS', 90),
  samples: envNumber('VOL_SAMPLES', 200),
  warmup: envNumber('VOL_WARMUP', 20),
  breakdownSamples: 100,
  seed: 0x5eed_2026,
  redisUrl,
};
const TARGET = { p99Ms: 50 };

/** The 5 series timed, in this order of preference (the first 5 the anchor has). */
const SERIES_PREFERENCE = ['iran', 'us', 'trump', 'oman', 'muscat', 'araghchi', 'witkoff', 'tehran'];

/** Waits until the API serves the anchor with its entities; returns them (their keys name the entity indexes). */
async function waitForAnchor(get: TimedGet, base: string, token: string, child: BenchChild): Promise<Array<{ key: string; name: string }>> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exited) throw new Error(`the API exited early (code ${child.proc.exitCode}):\n${child.tail.join('\n')}`);
    try {
      const r = await get(base, '/api/anchors', token);
      if (r.status === 200) {
        const anchor = (JSON.parse(r.body) as { anchors: Array<{ id: string; entities: Array<{ key: string; name: string }> }> }).anchors.find((a) => a.id === ANCHOR_ID);
        if (anchor && anchor.entities.length > 0) return anchor.entities;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the API did not serve anchor ${ANCHOR_ID}:\n${child.tail.join('\n')}`);
    await sleep(200);
  }
}

/** Populates, measures, prints the table, writes bench/results/volume.json and returns the result. */
export async function runVolumeBench(): Promise<object> {
  const prefix = `bench-vol-${randomBytes(4).toString('hex')}`;
  const K = createKeys(prefix);
  const token = randomBytes(12).toString('hex'); // 24 chars
  const redis = new Redis(CFG.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
  await redis.connect();
  const client = keepAliveClient();
  let child: BenchChild | null = null;
  const onSignal = () => {
    void (async () => {
      if (child) await stopBenchChild(child);
      await deletePrefix(redis, prefix).catch(() => 0);
      process.exit(130);
    })();
  };
  process.once('SIGINT', onSignal);
  try {
    const rnd = prng(CFG.seed);
    const genNow = Date.now();
    const start = genNow - CFG.days * DAY;

    // ---- the items index
    let t0 = performance.now();
    const { times, ids } = generateItems(CFG.items, start, genNow, rnd);
    const generateSeconds = (performance.now() - t0) / 1000;
    const memBeforeItems = await usedMemory(redis);
    t0 = performance.now();
    const every = new Uint32Array(CFG.items);
    for (let i = 0; i < CFG.items; i++) every[i] = i;
    await zaddAll(redis, K.items, every, times, ids);
    await hsetHourly(redis, K.itemsHourly, every, times);
    const itemsSeconds = (performance.now() - t0) / 1000;
    const memAfterItems = await usedMemory(redis);
    const itemsCard = await redis.zcard(K.items);
    if (itemsCard !== CFG.items) throw new Error(`${K.items} holds ${itemsCard} members, expected ${CFG.items}`);
    process.stdout.write(`volume: ${CFG.items} items over ${CFG.days} days written to ${K.items} in ${itemsSeconds.toFixed(1)} s\n`);

    // ---- the API: registers the anchor; its entity keys name the entity indexes
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = spawnBenchChild('api', 'workers/api.ts', appEnv({ redisUrl: CFG.redisUrl, prefix, port, adminToken: token }, { ANCHORS_DIR: 'config/anchors' }));
    const entities = await waitForAnchor(client.get, base, token, child);
    const entityKeys = entities.map((e) => e.key);
    await sleep(500); // let the start-up writes (anchor, queues) settle before measuring memory

    // ---- the entity indexes
    const plan = planEntityIndexes(entityKeys, times, genNow, CFG.days, rnd);
    const members = new Map(plan.map((p) => [p.key, p.list]));
    const memBeforeEntities = await usedMemory(redis);
    t0 = performance.now();
    let entityEntries = 0;
    for (const p of plan) {
      await zaddAll(redis, K.entityItems(ANCHOR_ID, p.key), p.list, times, ids);
      await hsetHourly(redis, K.entityHourly(ANCHOR_ID, p.key), p.list, times);
      entityEntries += p.list.length;
    }
    const entitySeconds = (performance.now() - t0) / 1000;
    const memAfterEntities = await usedMemory(redis);
    const itemsInAnyEntity = (() => {
      const seen = new Uint8Array(CFG.items);
      for (const p of plan) for (const i of p.list) seen[i] = 1;
      return seen.reduce((a, b) => a + b, 0);
    })();
    process.stdout.write(`volume: ${entityEntries} entries in ${plan.length} entity indexes of ${ANCHOR_ID} written in ${entitySeconds.toFixed(1)} s\n`);

    // MEMORY USAGE of every key (SAMPLES 0 = every element), as a cross-check of the used_memory deltas.
    const itemsKeyBytes = Number(await redis.memory('USAGE', K.items, 'SAMPLES', '0'));
    const perKey: Array<{ key: string; share: number; entries: number; bytes: number; bytesPerEntry: number }> = [];
    for (const p of plan) {
      const bytes = Number(await redis.memory('USAGE', K.entityItems(ANCHOR_ID, p.key), 'SAMPLES', '0'));
      perKey.push({ key: p.key, share: p.share, entries: p.list.length, bytes, bytesPerEntry: round(bytes / Math.max(1, p.list.length), 1) });
    }
    const entityKeyBytes = perKey.reduce((a, k) => a + k.bytes, 0);
    const memory = {
      note: 'used_memory deltas are the whole server: another client writing at the same time skews them; MEMORY USAGE (SAMPLES 0) is per key',
      itemsIndex: {
        usedMemoryDelta: memAfterItems - memBeforeItems,
        bytesPerItem: round((memAfterItems - memBeforeItems) / CFG.items, 1),
        memoryUsageBytes: itemsKeyBytes,
        memoryUsageBytesPerItem: round(itemsKeyBytes / CFG.items, 1),
      },
      entityIndexes: {
        keys: plan.length,
        entries: entityEntries,
        entriesPerItem: round(entityEntries / CFG.items, 3),
        itemsInAtLeastOne: itemsInAnyEntity,
        usedMemoryDelta: memAfterEntities - memBeforeEntities,
        bytesPerEntry: round((memAfterEntities - memBeforeEntities) / entityEntries, 1),
        bytesPerItem: round((memAfterEntities - memBeforeEntities) / CFG.items, 1),
        memoryUsageBytes: entityKeyBytes,
        memoryUsageBytesPerEntry: round(entityKeyBytes / entityEntries, 1),
        memoryUsageBytesPerItem: round(entityKeyBytes / CFG.items, 1),
        perKey,
      },
    };

    // ---- the requests
    const seriesKeys = [...SERIES_PREFERENCE.filter((k) => entityKeys.includes(k)), ...entityKeys.filter((k) => !SERIES_PREFERENCE.includes(k))].slice(0, 5);
    const { fromIso, toIso, results, answers, evalStats } = await timeVariants({ redis, get: client.get, base, token }, seriesKeys, { ...CFG, target: TARGET });

    // ---- correctness
    const correctness = await checkAnswers(redis, K, ANCHOR_ID, answers, members, times);

    // ---- where the time goes (hour-5)
    const hourResult = results.find((r) => r.name === 'hour-5')!;
    const breakdown = await timeBreakdown({ redis, keys: K, get: client.get, base }, ANCHOR_ID, seriesKeys, { fromIso, toIso }, CFG.breakdownSamples, {
      answer: answers.get('hour-5')!,
      responseBytes: hourResult.responseBytes,
      evalStats,
    });

    const result = {
      benchmark: 'volume',
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        node: process.version,
        redis: await redisVersion(redis),
        loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)),
      },
      setup: {
        items: CFG.items,
        days: CFG.days,
        anchor: ANCHOR_ID,
        entityKeys,
        seriesKeys,
        samples: CFG.samples,
        warmup: CFG.warmup,
        shape: 'diurnal (1 + 0.6 cos, peak 13:00 UTC) × 0.7 on weekends; muscat/oman/araghchi/witkoff: half their mentions in the last 14 days',
        populateSeconds: { generate: round(generateSeconds, 2), itemsIndex: round(itemsSeconds, 2), entityIndexes: round(entitySeconds, 2) },
        app: 'workers/api.ts (one process), LOG_LEVEL=warn',
        client: 'node:http, keep-alive, sequential; wall time from request start to the last body byte',
      },
      memory,
      variants: results,
      breakdown,
      correctness,
      target: TARGET,
      pass: (hourResult.pass as boolean) && correctness.ok,
    };

    printTable(result);
    process.stdout.write(`wrote ${await writeBenchResult('volume', result)}\n`);
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    client.close();
    if (child) await stopBenchChild(child);
    const removed = await deletePrefixAndDisconnect(redis, prefix);
    process.stdout.write(`cleanup: removed ${removed} keys of ${prefix}\n`);
  }
}

if (isMain(import.meta.url)) {
  await runVolumeBench();
}
