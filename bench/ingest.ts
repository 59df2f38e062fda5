/**
 * Ingest benchmark: the real app (child processes, real Redis, real HTTP) against a local
 * feed farm of 500 feeds × 20 items on 50 loopback addresses.
 *
 *   cycle 1  register every feed with one OPML import (each is polled at once); done when Redis
 *            holds every item and none is left untagged → items/s and feeds/s
 *   cycle 2  every feed made due in the schedule (the scheduler's path), each answers 304; done when every feed
 *            shows lastStatus 304 polled after the cycle started → feeds/s
 *
 * Prints wall time, throughput, CPU seconds and peak RSS per process (app, feed farm, this
 * driver, Redis), Redis commands per item and Redis bytes per stored item, and writes
 * bench/results/ingest.json. Cleans up its children and its Redis prefix.
 *
 * Env knobs: BENCH_WORKERS=N runs `workers/api.ts` + N × `workers/worker.ts` instead of the
 * one-process `workers/all.ts`; BENCH_CPU_PROF=1 writes V8 CPU profiles of the app processes
 * under bench/results/profiles/; HOST_CONCURRENCY, POLL_CONCURRENCY pass through to the app;
 * REDIS_URL runs it on that Redis instead of a private redis-server of its own (test/.tmp/
 * bench-ingest-redis; one a killed run left is taken over by the next); BENCH_NODE_ARGS adds node flags to the app processes; FARM_FEEDS / FARM_ITEMS / FARM_HOSTS size the farm. Run alone with
 * `tsx bench/ingest.ts`, or through `npm run bench -- ingest`. The cycles are in ingest/cycles.ts,
 * the memory breakdown in ingest/memory-breakdown.ts, the report in ingest/print-table.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createKeys } from '../src/storage/keys.ts';
import { appEnv, LOCAL_FEEDS_ENV, waitForReady } from './app-process.ts';
import { spawnBenchChild, stopBenchChild, type BenchChild } from './bench-child.ts';
import { writeBenchResult } from './bench-result.ts';
import { cpuSecondsByProcess, cpuSecondsDelta, procCpuSeconds } from './cpu-sampler.ts';
import { startFeedFarm } from './farm-process.ts';
import { freePort } from './free-port.ts';
import { runNewItemsCycle, runNotModifiedCycle, waitForCollectionStats, waitForQueuesToDrain, type CycleContext } from './ingest/cycles.ts';
import { memoryBreakdown, sampledItemBytes } from './ingest/memory-breakdown.ts';
import { threadCpuSeconds, threadSplit } from './ingest/thread-cpu.ts';
import { printTable } from './ingest/print-table.ts';
import { isMain } from './is-main.ts';
import { round } from './percentile.ts';
import { procMemoryBytes } from './process-memory.ts';
import { ROOT } from './project-root.ts';
import { commandDelta, redisSnapshot, redisVersion } from './redis-info.ts';
import { deletePrefixAndDisconnect } from './redis-prefix-cleanup.ts';
import { startEmbeddedRedis, type EmbeddedRedis } from '../workers/embedded-redis.ts';

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const TARGETS = { itemsPerSecond: 5000, feedsPerSecond: 1500, redisCommandsPerItem: 15, redisCommandsPerPoll304: 8, redisBytesPerItem: 2048 };
/** The farms every run measures: all feeds on one host (the per-host limit binds), and spread over 50. */
const SCENARIOS: Record<string, number> = { 'single-host': 1, '50-hosts': 50 };
// Measured by the issue's author on this machine, for scale.
const REFERENCE = {
  freshrss: { itemsPerSecond: 691, feedsPerSecond304: 204 },
  miniflux: { itemsPerSecond: 321, feedsPerSecond304: 424 },
};

/** A child with its part in the run (farm, api, worker, all), for the per-process report. */
type Child = BenchChild & { role: string };

function spawnChild(name: string, role: string, file: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Child {
  return Object.assign(spawnBenchChild(name, file, env, { nodeArgs }), { role });
}

const mib = (bytes: number | null) => (bytes === null ? null : round(bytes / 1048576, 1));

/**
 * Runs every scenario (INGEST_SCENARIOS, default both) INGEST_RUNS times (default 1), prints
 * each run's table and the medians, writes bench/results/ingest.json and returns it.
 */
export async function runIngestBench(): Promise<object> {
  const names = (process.env.INGEST_SCENARIOS ?? Object.keys(SCENARIOS).join(',')).split(',').filter((n) => n in SCENARIOS);
  const runs = Math.max(1, Number(process.env.INGEST_RUNS ?? 1));
  const startLoad = os.loadavg().map((x) => round(x, 2));
  // A Redis of the run's own unless REDIS_URL names one: INFO's counters (commands, CPU, memory)
  // are server-wide, and on a shared Redis they counted other clients' work as the app's.
  const privateRedis = process.env.REDIS_URL ? null : await startEmbeddedRedis({ dir: path.join(ROOT, 'test/.tmp', 'bench-ingest-redis'), persist: false });
  const redisUrl = privateRedis?.url ?? process.env.REDIS_URL!;
  try {
    return await runAll(names, runs, startLoad, redisUrl, privateRedis);
  } finally {
    await privateRedis?.stop();
  }
}

/** The scenarios' runs on the Redis at `redisUrl`; writes and returns the results. */
async function runAll(names: string[], runs: number, startLoad: number[], redisUrl: string, privateRedis: EmbeddedRedis | null): Promise<object> {
  const scenarios: Record<string, object> = {};
  for (const name of names) {
    const results: any[] = [];
    for (let i = 0; i < runs; i++) {
      process.stdout.write(`\n-- ingest scenario ${name}, run ${i + 1} of ${runs} (load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})\n`);
      results.push(await runScenario(name, SCENARIOS[name]!, redisUrl));
    }
    const median = (pick: (r: any) => number | null) => {
      const xs = results.map(pick).filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
      return xs.length === 0 ? null : xs[Math.floor((xs.length - 1) / 2)]!;
    };
    const medians = {
      itemsPerSecond: median((r) => r.cycle1.itemsPerSecond),
      itemsStoredPerSecond: median((r) => r.cycle1.itemsStoredPerSecond),
      feedsPerSecond304: median((r) => r.cycle2.feedsPerSecond),
      peakInFlightPerHost: Math.max(...results.map((r) => Math.max(r.cycle1.farmResponses.peakInFlightPerHost ?? 0, r.cycle2.farmResponses.peakInFlightPerHost ?? 0))),
      redisCommandsPerItem: median((r) => r.cycle1.redisCommandsPerItem),
      redisCommandsPerPoll304: median((r) => r.cycle2.redisCommandsPerFeed),
      redisBytesPerItem: median((r) => r.redisBytesPerItem),
      appCpuMsPerItem: median((r) => r.cycle1.appCpuMsPerItem),
      appCpuMsPerPoll304: median((r) => r.cycle2.appCpuMsPerFeed),
      appCpuMsPerItemWarmHalf: median((r) => r.cycle1.appCpuMsPerItemWarmHalf),
      appCpuMsPerItemEventLoop: median((r) => r.cycle1.appCpuMsPerItemByThread.eventLoop),
      appCpuMsPerItemBusiestThread: median((r) => r.cycle1.appCpuMsPerItemByThread.busiestThread),
      appCpuMsPerItemOtherThreads: median((r) => r.cycle1.appCpuMsPerItemByThread.otherThreads),
      loadAverageAtEnd: results.map((r) => r.noise.loadAverageAtEnd),
    };
    process.stdout.write(`\n${name}: medians of ${runs} run(s): ${JSON.stringify(medians)}\n`);
    scenarios[name] = { runs: results.length, medians, all: results };
  }
  // BENCH_LABEL says under what conditions the run was made (a loaded machine, an A/B pair).
  const out = { label: process.env.BENCH_LABEL ?? null, loadAverageAtStart: startLoad, redis: privateRedis ? 'private (started for this run)' : 'REDIS_URL (shared: its counters include other clients)', scenarios, targets: TARGETS, reference: REFERENCE };
  process.stdout.write(`wrote ${await writeBenchResult('ingest', out)}\n`);
  return out;
}

/** Below this many cores busy over a sample, the app's start-up is over. */
const SETTLED_CORES = 0.15;
const SETTLE_SAMPLE_MS = 500;
const SETTLE_MAX_MS = 60_000;

/** Waits until the app processes together use less than SETTLED_CORES over a sample (or a minute passes); returns how long it took. */
async function waitUntilSettled(appChildren: Child[]): Promise<number> {
  const started = Date.now();
  let before = appChildren.reduce((n, c) => n + (procCpuSeconds(c.pid) ?? 0), 0);
  while (Date.now() - started < SETTLE_MAX_MS) {
    await sleep(SETTLE_SAMPLE_MS);
    const now = appChildren.reduce((n, c) => n + (procCpuSeconds(c.pid) ?? 0), 0);
    if (now - before < (SETTLED_CORES * SETTLE_SAMPLE_MS) / 1000) break;
    before = now;
  }
  return Date.now() - started;
}

/** One run of both cycles on a farm of `hosts` loopback hosts; prints its table and returns its result. */
async function runScenario(scenario: string, hosts: number, redisUrl: string): Promise<object> {
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const splitWorkers = Number(process.env.BENCH_WORKERS ?? 0);
  const cpuProf = process.env.BENCH_CPU_PROF === '1' || process.env.BENCH_CPU_PROF === 'true';
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
  await redis.connect().catch(() => {
    throw new Error(`Redis is not reachable at ${redisUrl}; start it or set REDIS_URL.`);
  });
  const children: Child[] = [];
  const onSignal = () => {
    for (const c of children) if (!c.exited) c.proc.kill('SIGKILL');
    process.exit(130);
  };
  process.once('SIGINT', onSignal);

  try {
    // ---- feed farm
    const farm = await startFeedFarm({ ...process.env, FARM_HOSTS: String(hosts) }, 30_000);
    children.push(Object.assign(farm.child, { role: 'farm' }));
    const { info: farmInfo, urls: feedUrls } = farm;
    const expectedItems = farmInfo.feeds * farmInfo.itemsPerFeed;
    const farmBase = `http://${farmInfo.hosts[0]!.host}:${farmInfo.hosts[0]!.port}`;

    // ---- app
    const port = await freePort();
    const env = appEnv({ redisUrl, prefix, port, adminToken: ADMIN_TOKEN }, LOCAL_FEEDS_ENV);
    const profileDir = path.join(ROOT, 'bench/results/profiles');
    if (cpuProf) await mkdir(profileDir, { recursive: true });
    // BENCH_NODE_ARGS: V8/Node flags for the app processes only (an A/B of a GC setting, say).
    const extraArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    const nodeArgs = [...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...extraArgs];
    const appChildren: Child[] = [];
    if (splitWorkers > 0) {
      appChildren.push(spawnChild('app api', 'api', 'workers/api.ts', env, nodeArgs));
      for (let i = 1; i <= splitWorkers; i++) {
        appChildren.push(spawnChild(`app worker ${i}`, 'worker', 'workers/worker.ts', { ...env, PORT: '0' }, nodeArgs));
      }
    } else {
      appChildren.push(spawnChild('app', 'all', 'workers/all.ts', env, nodeArgs));
    }
    children.push(...appChildren);
    const base = `http://127.0.0.1:${port}`;
    await waitForReady(base, children);
    // Workers of a split install start on their own; give them a moment to connect.
    if (splitWorkers > 0) await sleep(1500);
    else await sleep(300);
    // Ready is not idle: the app may still be loading (its pipeline threads load their modules
    // after the API answers). The cycles measure ingestion, not start-up: wait until it settles.
    const settleMs = await waitUntilSettled(appChildren);
    process.stdout.write(`app settled ${settleMs} ms after ready\n`);

    // Progress is read straight from the app's indexes, named by the app's own key builder.
    const K = createKeys(prefix);

    const memBefore = await redisSnapshot(redis);
    const cpu0 = cpuSecondsByProcess(children);
    const threads = () => new Map(appChildren.map((c) => [c.name, threadCpuSeconds(c.pid)]));
    const threads0 = threads();
    const ctx: CycleContext = { base, adminToken: ADMIN_TOKEN, redis, keys: K, children };

    // ---- cycle 1: register every feed; each is polled at once
    process.stdout.write(`ingest: ${farmInfo.feeds} feeds × ${farmInfo.itemsPerFeed} items on ${farmInfo.hosts.length} loopback hosts, ` +
      `${(farmInfo.totalBytes / 1048576).toFixed(1)} MiB of RSS; app: ${splitWorkers > 0 ? `api + ${splitWorkers} worker process(es)` : 'one process (workers/all.ts)'}\n`);
    // The app's CPU from half the items tagged to the end: the warm half, past V8's compiling of
    // the ingest path and the anchors' first compile (both once per process, not per item).
    let half: { cpu: number; units: number } | null = null;
    const appCpuNow = () => appChildren.reduce((n, c) => n + (procCpuSeconds(c.pid) ?? 0), 0);
    const c1 = await runNewItemsCycle(ctx, feedUrls, expectedItems, ({ stored, tagged }) => {
      // Items stored but not yet tagged at the mark are half done: counted as half an item each.
      half = { cpu: appCpuNow(), units: expectedItems - (stored + tagged) / 2 };
    });
    const appCpuEnd1 = appCpuNow();
    // Cycle 1's commands, CPU and memory include the app's batched statistics write for its items.
    const stats1 = await waitForCollectionStats(ctx, expectedItems);
    process.stdout.write(`collection statistics written ${stats1.ms} ms after cycle 1\n`);
    const { feedIds } = c1;
    const watchCommands1 = c1.watchCommands + stats1.watchCommands;
    const cpu1 = cpuSecondsByProcess(children);
    const threads1 = threads();
    const memAfter1 = await redisSnapshot(redis);
    const farmStats1 = (await (await fetch(`${farmBase}/_stats`, { method: 'POST' })).json()) as Record<string, number>;
    const storedItems = await redis.zcard(K.items);
    const anchorIds = await redis.zrange(K.anchors, 0, -1);
    const digestItems: Record<string, number> = {};
    for (const a of anchorIds) digestItems[a] = await redis.zcard(K.digest(a));
    const c1Seconds = (c1.end - c1.t0) / 1000;
    const hwm1: Record<string, number | null> = Object.fromEntries(children.map((c) => [c.name, procMemoryBytes(c.pid, 'VmHWM')]));

    // Memory per item: whole-Redis delta, plus MEMORY USAGE of the prefix's keys by kind.
    const breakdown = await memoryBreakdown(redis, K);
    const sampled = await sampledItemBytes(redis, K);
    const bullBytes = Object.entries(breakdown).filter(([k]) => k.startsWith('bullmq:')).reduce((n, [, v]) => n + v.bytes, 0);
    const prefixBytes = Object.values(breakdown).reduce((n, v) => n + v.bytes, 0);

    // ---- cycle 2: every feed polled again, every one answers 304
    const drainedMs = await waitForQueuesToDrain(ctx);
    console.log(`queues drained ${drainedMs} ms after cycle 1`);
    await sleep(500);
    const memBefore2 = await redisSnapshot(redis);
    const cpu1b = cpuSecondsByProcess(children);
    const threads1b = threads();
    const c2 = await runNotModifiedCycle(ctx, feedIds);
    const watchCommands2 = c2.watchCommands;
    const watchCommands = watchCommands1 + watchCommands2;
    const cpu2 = cpuSecondsByProcess(children);
    const threads2 = threads();
    const memAfter2 = await redisSnapshot(redis);
    const farmStats2 = (await (await fetch(`${farmBase}/_stats`)).json()) as Record<string, number>;
    const itemsAfter2 = await redis.zcard(K.items);
    const c2Seconds = (c2.end - c2.t0) / 1000;
    const hwm2: Record<string, number | null> = Object.fromEntries(children.map((c) => [c.name, procMemoryBytes(c.pid, 'VmHWM')]));
    const warnings = Object.fromEntries(children.map((c) => [c.name, c.warnings]));

    // ---- results
    const c1Cpu = cpuSecondsDelta(cpu0, cpu1);
    const c2Cpu = cpuSecondsDelta(cpu1b, cpu2);
    c1Cpu.redis = round(memAfter1.cpuSeconds - memBefore.cpuSeconds, 2);
    c2Cpu.redis = round(memAfter2.cpuSeconds - memBefore2.cpuSeconds, 2);
    // Minus the driver's own progress reads, so the figures are the app's.
    // A CONFIG RESETSTAT by another client during a cycle makes its counts meaningless: null.
    const c1Commands = memAfter1.commands >= memBefore.commands ? memAfter1.commands - memBefore.commands - watchCommands1 : null;
    const c2Commands = memAfter2.commands >= memBefore2.commands ? memAfter2.commands - memBefore2.commands - watchCommands2 : null;
    const redisBytesPerItem = round((memAfter1.usedMemory - memBefore.usedMemory) / expectedItems);
    const itemsPerSecond = round(expectedItems / c1Seconds);
    const feedsPerSecond1 = round(farmInfo.feeds / ((c1.feedsDoneAt - c1.t0) / 1000), 1);
    const feedsPerSecond2 = round(farmInfo.feeds / c2Seconds, 1);
    const appNames = appChildren.map((c) => c.name);
    const appCpu1 = appNames.reduce((n, k) => n + (c1Cpu[k] ?? 0), 0);
    const appCpu2 = appNames.reduce((n, k) => n + (c2Cpu[k] ?? 0), 0);
    const warmHalf = half as { cpu: number; units: number } | null;
    // The app's CPU per item (per 304) by thread, summed over its processes.
    const perUnit = (from: Map<string, Map<number, number>>, to: Map<string, Map<number, number>>, units: number) => {
      const sum = { eventLoop: 0, busiestThread: 0, otherThreads: 0 };
      for (const c of appChildren) {
        const t = threadSplit(c.pid, from.get(c.name)!, to.get(c.name)!);
        sum.eventLoop += t.eventLoop;
        sum.busiestThread += t.busiestThread;
        sum.otherThreads += t.otherThreads;
      }
      return { eventLoop: round((sum.eventLoop * 1000) / units, 3), busiestThread: round((sum.busiestThread * 1000) / units, 3), otherThreads: round((sum.otherThreads * 1000) / units, 3) };
    };

    const processes: Record<string, object> = {};
    for (const c of children) {
      processes[c.name] = {
        role: c.role,
        pid: c.pid,
        cpuSeconds: { cycle1: c1Cpu[c.name], cycle2: c2Cpu[c.name] },
        ...(threads0.has(c.name)
          ? { threadCpuSeconds: { cycle1: threadSplit(c.pid, threads0.get(c.name)!, threads1.get(c.name)!), cycle2: threadSplit(c.pid, threads1b.get(c.name)!, threads2.get(c.name)!) } }
          : {}),
        peakRssMiB: { afterCycle1: mib(hwm1[c.name] ?? null), afterCycle2: mib(hwm2[c.name] ?? null) },
      };
    }
    processes['bench driver'] = {
      role: 'driver',
      pid: process.pid,
      cpuSeconds: { cycle1: c1Cpu['bench driver'], cycle2: c2Cpu['bench driver'] },
      peakRssMiB: { afterCycle2: mib(procMemoryBytes(process.pid, 'VmHWM')) },
      redisCommandsForWatching: watchCommands,
    };
    processes.redis = {
      role: 'redis',
      cpuSeconds: { cycle1: c1Cpu.redis, cycle2: c2Cpu.redis },
      note: 'INFO cpu of the whole Redis server: includes any other client of this Redis during the run',
    };

    const hostConcurrency = Number(process.env.HOST_CONCURRENCY ?? 4);
    const peakInFlight = Math.max(farmStats1.peakInFlightPerHost ?? 0, farmStats2.peakInFlightPerHost ?? 0);
    const result = {
      scenario,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        node: process.version,
        redis: await redisVersion(redis),
        totalMemMiB: mib(os.totalmem()),
      },
      setup: {
        feeds: farmInfo.feeds,
        itemsPerFeed: farmInfo.itemsPerFeed,
        items: expectedItems,
        wordsPerDescription: 120,
        loopbackHosts: farmInfo.hosts.length,
        feedBytes: farmInfo.totalBytes,
        itemsMentioningAnchorNames: round(farmInfo.mentionShare, 3),
        app: splitWorkers > 0 ? `workers/api.ts + ${splitWorkers} × workers/worker.ts` : 'workers/all.ts (one process)',
        hostConcurrency,
        pollConcurrency: Number(process.env.POLL_CONCURRENCY ?? 32),
        cpuProfiles: cpuProf ? path.relative(ROOT, profileDir) : null,
      },
      cycle1: {
        seconds: round(c1Seconds, 3),
        registerSeconds: round((c1.registeredAt - c1.t0) / 1000, 3),
        allFeedsPolledSeconds: round((c1.feedsDoneAt - c1.t0) / 1000, 3),
        allItemsStoredSeconds: round((c1.itemsStoredAt - c1.t0) / 1000, 3),
        itemsStored: storedItems,
        itemsPerSecond,
        itemsStoredPerSecond: round(expectedItems / ((c1.itemsStoredAt - c1.t0) / 1000)),
        feedsPerSecond: feedsPerSecond1,
        farmResponses: farmStats1,
        cpuSeconds: c1Cpu,
        appCpuMsPerItem: round((appCpu1 * 1000) / expectedItems, 3),
        appCpuMsPerItemByThread: perUnit(threads0, threads1, expectedItems),
        appCpuMsPerItemWarmHalf: warmHalf === null ? null : round(((appCpuEnd1 - warmHalf.cpu) * 1000) / warmHalf.units, 3),
        redisCommands: c1Commands,
        redisCommandsPerItem: c1Commands === null ? null : round(c1Commands / expectedItems, 1),
        collectionStatsWaitMs: stats1.ms,
        driverWatchCommands: watchCommands1,
        digestItems,
        redisCommandCalls: c1Commands === null ? null : commandDelta(memBefore, memAfter1),
        startedAt: new Date(c1.wall0).toISOString(),
      },
      cycle2: {
        seconds: round(c2Seconds, 3),
        submitSeconds: round((c2.submittedAt - c2.t0) / 1000, 3),
        feedsPerSecond: feedsPerSecond2,
        farmResponses: farmStats2,
        itemsAfter: itemsAfter2,
        cpuSeconds: c2Cpu,
        appCpuMsPerFeed: round((appCpu2 * 1000) / farmInfo.feeds, 3),
        appCpuMsPerFeedByThread: perUnit(threads1b, threads2, farmInfo.feeds),
        redisCommands: c2Commands,
        redisCommandsPerFeed: c2Commands === null ? null : round(c2Commands / farmInfo.feeds, 1),
        driverWatchCommands: watchCommands2,
        redisCommandCalls: c2Commands === null ? null : commandDelta(memBefore2, memAfter2),
        startedAt: new Date(c2.wall0).toISOString(),
      },
      processes,
      redisBytesPerItem,
      redisMemory: {
        usedBefore: memBefore.usedMemory,
        usedAfterCycle1: memAfter1.usedMemory,
        usedAfterCycle2: memAfter2.usedMemory,
        note: 'used_memory delta over cycle 1 / items; includes BullMQ job history (removeOnComplete keeps 1000 per queue) and allocator overhead',
        prefixKeysBytes: prefixBytes,
        prefixKeysBytesPerItemWithoutBullmq: round((prefixBytes - bullBytes) / expectedItems),
        sampledItemHashBytes: round(sampled.itemHash),
        sampledItemSourcesBytes: round(sampled.itemSources),
        sampledItemEncoding: sampled.encoding,
        sampledItemFieldBytes: sampled.fieldBytes,
        byKind: breakdown,
      },
      appWarnings: warnings,
      noise: {
        note: 'machine = busy CPU seconds of every process on the machine during the cycle; well above the sum of the rows above means other load shared the CPUs',
        machineBusyCpuSeconds: { cycle1: c1Cpu.machine, cycle2: c2Cpu.machine },
        loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)),
      },
      targets: TARGETS,
      reference: REFERENCE,
      peakInFlightPerHost: peakInFlight,
      pass: {
        items: itemsPerSecond >= TARGETS.itemsPerSecond,
        feeds: feedsPerSecond2 >= TARGETS.feedsPerSecond,
        hostLimit: peakInFlight <= hostConcurrency,
        commandsPerItem: c1Commands !== null && c1Commands / expectedItems <= TARGETS.redisCommandsPerItem,
        commandsPerPoll: c2Commands !== null && c2Commands / farmInfo.feeds <= TARGETS.redisCommandsPerPoll304,
        bytesPerItem: redisBytesPerItem <= TARGETS.redisBytesPerItem,
      },
    };

    if (storedItems !== expectedItems) process.stdout.write(`WARNING: ${storedItems} items stored, expected ${expectedItems}\n`);
    if (farmStats1.ok !== farmInfo.feeds) process.stdout.write(`WARNING: cycle 1 served ${farmStats1.ok} feeds with 200\n`);
    if (farmStats2.notModified !== farmInfo.feeds || farmStats2.ok !== 0) {
      process.stdout.write(`WARNING: cycle 2 answered ${farmStats2.notModified} × 304 and ${farmStats2.ok} × 200\n`);
    }
    printTable(result, children.map((c) => c.name));
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    // Apps first (they write to Redis), then the farm; then the prefix's keys.
    await Promise.all(children.filter((c) => c.role !== 'farm').map(stopBenchChild));
    await Promise.all(children.map(stopBenchChild));
    const removed = await deletePrefixAndDisconnect(redis, prefix);
    process.stdout.write(`cleanup: removed ${removed} keys of ${prefix}\n`);
  }
}

if (isMain(import.meta.url)) {
  await runIngestBench();
}
