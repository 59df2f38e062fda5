/** The latency benchmark's scenarios: sequential samples with 1 or 1,000 clients, and samples during a bulk ingest. */
import { setTimeout as sleep } from 'node:timers/promises';
import { QueueKeys } from 'bullmq';
import type { Redis } from 'ioredis';
import { QueueNames } from '../../src/queue/queue-names.ts';
import type { Keys } from '../../src/storage/keys.ts';
import { stopBenchChild, type BenchChild } from '../bench-child.ts';
import { callApi } from '../call-api.ts';
import { startFeedFarm } from '../farm-process.ts';
import { procMemoryBytes } from '../process-memory.ts';
import { ClientPool } from './client-pool.ts';
import { ADMIN_TOKEN, CFG, log, now, TARGETS } from './config.ts';
import { runSample, type Sample, type SampleEnv } from './samples.ts';
import { summarise, type ScenarioResult } from './summary.ts';
import { attachTagJobs, pipelineTrouble } from './tag-jobs.ts';

/** Samples one after another (`gapMs` apart) with `clients` SSE clients in `procs` processes, after a warm-up. */
export async function sequentialScenario(name: string, env: SampleEnv, redis: Redis, keys: Keys, streamUrl: string, clients: number, procs: number, count: number, gapMs: number, apiPid?: number): Promise<ScenarioResult> {
  log(`-- ${name}: opening ${clients} SSE client(s) in ${procs} process(es)`);
  const t = Date.now();
  const rssBefore = apiPid ? procMemoryBytes(apiPid, 'VmRSS') : null;
  const pool = await ClientPool.open(streamUrl, clients, procs);
  log(`   connected in ${Date.now() - t} ms; ${CFG.warmup} warm-up + ${count} samples`);
  await sleep(500);
  // The API process's resident memory grown by the open streams, per connection.
  const rssAfter = apiPid ? procMemoryBytes(apiPid, 'VmRSS') : null;
  const memoryPerConnectionBytes = rssBefore !== null && rssAfter !== null ? Math.round((rssAfter - rssBefore) / clients) : null;
  if (memoryPerConnectionBytes !== null) log(`   API RSS ${(rssBefore! / 1048576).toFixed(1)} → ${(rssAfter! / 1048576).toFixed(1)} MiB: ${memoryPerConnectionBytes} B per connection`);
  try {
    let misses = 0;
    const checked = async () => {
      const s = await runSample(env, pool);
      misses = s.arrivals.length < s.expected ? misses + 1 : 0;
      if (misses >= 3) throw new Error(`3 samples in a row never reached the clients; ${await pipelineTrouble(redis, keys)}`);
      return s;
    };
    for (let i = 0; i < CFG.warmup; i++) await checked();
    const samples: Sample[] = [];
    for (let i = 0; i < count; i++) {
      samples.push(await checked());
      await sleep(gapMs);
    }
    await attachTagJobs(redis, keys, samples);
    return { ...summarise(name, samples, clients, TARGETS.idleP99Ms, pool.problems), memoryPerConnectionBytes };
  } finally {
    await pool.close();
  }
}

/**
 * Samples on a fixed cadence with one client while a feed farm's feeds are registered at once
 * and ingested; reports the samples whose t0 falls inside the ingest window.
 */
export async function ingestScenario(env: SampleEnv, redis: Redis, keys: Keys, streamUrl: string, children: BenchChild[]): Promise<ScenarioResult> {
  const total = CFG.ingestFeeds * CFG.ingestItems;
  log(`-- ingest-1: feed farm of ${CFG.ingestFeeds} feeds × ${CFG.ingestItems} items, 1 SSE client, a sample every ${CFG.ingestIntervalMs} ms`);
  const farm = await startFeedFarm(
    {
      ...process.env,
      FARM_FEEDS: String(CFG.ingestFeeds),
      FARM_ITEMS: String(CFG.ingestItems),
      FARM_HOSTS: '10',
      FARM_SEED: String(Math.floor(Math.random() * 1e9)),
    },
    60_000,
  );
  children.push(farm.child);
  const urls = farm.urls;

  const pool = await ClientPool.open(streamUrl, 1, 1);
  // Each queue has a prefix (a hash tag) of its own.
  const queue = { toKey: (name: string, type: string) => new QueueKeys(keys.queuePrefix(name)).toKey(name, type) };
  const tagWait = queue.toKey(QueueNames.tag, 'wait');
  const pollWait = queue.toKey(QueueNames.poll, 'wait');
  try {
    // Warm-up with the farm idle, as in the other scenarios.
    for (let i = 0; i < CFG.warmup; i++) {
      const s = await runSample(env, pool);
      if (s.arrivals.length < s.expected) throw new Error(`a warm-up sample never reached the client; ${await pipelineTrouble(redis, keys)}`);
    }

    const progress: Array<{ tMs: number; stored: number; untagged: number; tagQueue: number; pollQueue: number }> = [];
    const tStart = now();
    let tStored: number | null = null;
    let tDone: number | null = null;
    let registered = 0;
    const farmFeedIds: string[] = [];
    let registerMs = 0;
    const monitor = (async () => {
      while (tDone === null) {
        const read = redis.pipeline().zcard(keys.untagged).llen(tagWait).llen(pollWait);
        for (const id of farmFeedIds) read.zcard(keys.feedItems(id));
        const counts = ((await read.exec()) ?? []).map(([, v]) => Number(v));
        const [untagged = 0, tagQueue = 0, pollQueue = 0] = counts;
        const t = now();
        // Farm items stored so far, counted in the farm feeds' own lists: a sample item that
        // slid out of the live feed's window before a poll is not a farm item missing.
        const farmStored = counts.slice(3).reduce((a, b) => a + b, 0);
        progress.push({ tMs: Math.round(t - tStart), stored: farmStored, untagged, tagQueue, pollQueue });
        if (tStored === null && farmStored >= total) tStored = t;
        if (tStored !== null && untagged === 0 && tagQueue === 0 && registered === urls.length) tDone = t;
        if (t - tStart > 300_000) throw new Error(`ingest did not finish in 300 s (farm items stored ${farmStored} of ${total}, untagged ${untagged}, tag queue ${tagQueue}, poll queue ${pollQueue}, feeds registered ${registered} of ${urls.length})`);
        await sleep(100);
      }
    })();

    // Register every farm feed (each is polled at once), 16 requests in flight.
    const register = (async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < urls.length) {
            const url = urls[next++]!;
            const res = await callApi(env.base, ADMIN_TOKEN, 'POST', '/api/feeds', { url, intervalSeconds: 3600 });
            if (res.status !== 201) throw new Error(`registering ${url}: ${res.status} ${JSON.stringify(res.json)}`);
            farmFeedIds.push(String((res.json as { id: string }).id));
            registered++;
          }
        }),
      );
      registerMs = now() - tStart;
    })();

    // Samples on a fixed cadence for as long as the ingest runs.
    const pending: Array<Promise<Sample>> = [];
    while (tDone === null) {
      // A long wait is the thing measured here: do not censor the tail.
      pending.push(runSample(env, pool, 120_000));
      await sleep(CFG.ingestIntervalMs);
      if (now() - tStart > 300_000 || env.next >= env.items.length - 1) break;
    }
    await register;
    await monitor;
    const all = await Promise.all(pending);
    const tagJobs = await attachTagJobs(redis, keys, all);
    const during = all.filter((s) => s.t0 !== null && s.t0 >= tStart && s.t0 <= tDone!);
    const result = summarise('ingest-1', during, 1, TARGETS.ingestP99Ms, pool.problems);
    const peakTag = Math.max(...progress.map((p) => p.tagQueue));
    const everySecond = progress.filter((p, i) => i === 0 || Math.floor(p.tMs / 1000) !== Math.floor(progress[i - 1]!.tMs / 1000));
    result.ingest = {
      items: total,
      feeds: urls.length,
      registerAllMs: Math.round(registerMs),
      allStoredMs: tStored === null ? null : Math.round(tStored - tStart),
      allTaggedMs: Math.round(tDone! - tStart),
      itemsPerSecond: Math.round(total / ((tDone! - tStart) / 1000)),
      peakTagQueueJobs: peakTag,
      tagWorker: tagJobs,
      samplesStarted: all.length,
      samplesInWindow: during.length,
      samplesAfterWindow: all.length - during.length,
      afterWindowLatencyMs: summarise('after', all.filter((s) => !during.includes(s)), 1, 0, []).latencyMs,
      progress: everySecond,
    };
    return result;
  } finally {
    await pool.close();
    await stopBenchChild(farm.child);
  }
}
