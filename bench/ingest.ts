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
 * under bench/results/profiles/; HOST_CONCURRENCY, POLL_CONCURRENCY, REDIS_URL pass through
 * to the app; FARM_FEEDS / FARM_ITEMS / FARM_HOSTS size the farm. Run alone with
 * `tsx bench/ingest.ts`, or through `npm run bench -- ingest`.
 */
import { createKeys } from '../src/storage/keys.ts';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { callApi, freePort, infoFields, ROOT, spawnBenchChild, stopBenchChild, type BenchChild } from './bench-support.ts';

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const TARGETS = { itemsPerSecond: 2000, feedsPerSecond: 800 };
// Measured by the issue's author on this machine, for scale.
const REFERENCE = {
  freshrss: { itemsPerSecond: 691, feedsPerSecond304: 204 },
  miniflux: { itemsPerSecond: 321, feedsPerSecond304: 424 },
};
// Progress is read from Redis this often; cycle 1 lasts seconds, cycle 2 may last one.
const WATCH_MS_CYCLE1 = 50;
const WATCH_MS_CYCLE2 = 20;
const CYCLE_TIMEOUT_MS = 300_000;
const VERBOSE = process.env.BENCH_VERBOSE === '1';
const CLK_TCK = 100; // getconf CLK_TCK on Linux x86-64 and arm64

// ---------------------------------------------------------------- /proc readers

/** utime + stime of a process (all its threads), in seconds; null once it is gone. */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may contain spaces, start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime: fields 14 and 15
  } catch {
    return null;
  }
}

/** A field of /proc/<pid>/status in bytes (VmHWM = peak RSS, VmRSS = current); null once gone. */
function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat. */
function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  return (total - (cpu[3] ?? 0) - (cpu[4] ?? 0)) / CLK_TCK; // minus idle and iowait
}

// ---------------------------------------------------------------- child processes

/** A child with its part in the run (farm, api, worker, all), for the per-process report. */
type Child = BenchChild & { role: string };


function spawnChild(name: string, role: string, file: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Child {
  return Object.assign(spawnBenchChild(name, file, env, { nodeArgs }), { role });
}

function assertAlive(children: Child[]): void {
  for (const c of children) {
    if (c.exited) throw new Error(`${c.name} exited early (code ${c.proc.exitCode}):\n${c.tail.join('\n')}`);
  }
}


interface FarmInfo {
  hosts: Array<{ host: string; port: number }>;
  feeds: number;
  itemsPerFeed: number;
  paths: string[];
  totalBytes: number;
  mentionShare: number;
}

async function startFarm(): Promise<{ child: Child; info: FarmInfo }> {
  const child = spawnChild('feed farm', 'farm', 'bench/feed-farm.ts', { ...process.env });
  const info = await new Promise<FarmInfo>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`feed farm did not start:\n${child.tail.join('\n')}`)), 30_000);
    child.proc.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buffer.slice(0, nl)) as FarmInfo);
      } catch {
        reject(new Error(`feed farm said: ${buffer.slice(0, 300)}`));
      }
    });
    child.proc.once('exit', () => reject(new Error(`feed farm exited:\n${child.tail.join('\n')}`)));
  });
  return { child, info };
}


// ---------------------------------------------------------------- HTTP helpers


async function waitForReady(base: string, children: Child[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    assertAlive(children);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the API did not become ready:\n${children.map((c) => c.tail.join('\n')).join('\n')}`);
    await sleep(100);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- Redis helpers


interface RedisSnapshot {
  usedMemory: number;
  cpuSeconds: number;
  commands: number;
  /** calls per command name */
  commandCalls: Record<string, number>;
}

async function redisSnapshot(redis: Redis): Promise<RedisSnapshot> {
  const info = infoFields(await redis.info('all'));
  const commandCalls: Record<string, number> = {};
  for (const [k, v] of Object.entries(info)) {
    if (!k.startsWith('cmdstat_')) continue;
    const m = /calls=(\d+)/.exec(v);
    if (m) commandCalls[k.slice(8)] = Number(m[1]);
  }
  return {
    usedMemory: Number(info.used_memory),
    cpuSeconds: Number(info.used_cpu_user) + Number(info.used_cpu_sys),
    commands: Number(info.total_commands_processed),
    commandCalls,
  };
}

function commandDelta(a: RedisSnapshot, b: RedisSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.commandCalls)) {
    const d = v - (a.commandCalls[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return Object.fromEntries(Object.entries(out).sort((x, y) => y[1] - x[1]));
}

async function scanKeys(redis: Redis, match: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** MEMORY USAGE of every key of the prefix, summed by kind (second segment of the key name). */
async function memoryBreakdown(redis: Redis, prefix: string): Promise<Record<string, { keys: number; bytes: number }>> {
  const out: Record<string, { keys: number; bytes: number }> = {};
  let cursor = '0';
  do {
    // Batch by batch, so the driver never holds every key name at once.
    const [next, batch] = await redis.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 2000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const k of batch) pipeline.memory('USAGE', k, 'SAMPLES', '0');
    const results = (await pipeline.exec()) ?? [];
    batch.forEach((k, j) => {
      const segments = k.slice(prefix.length + 3).split(':');
      // BullMQ keys are {prefix}:<queue>:<job id or structure>.
      const queue = ['poll', 'tag', 'retag', 'schedule', 'deliver'].includes(segments[0]!);
      const kind = queue ? `bullmq:${segments[0]}` : segments[0]!;
      const slot = (out[kind] ??= { keys: 0, bytes: 0 });
      slot.keys++;
      slot.bytes += Number(results[j]?.[1] ?? 0);
    });
  } while (cursor !== '0');
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1].bytes - a[1].bytes));
}

async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  const keys = await scanKeys(redis, `{${prefix}}*`);
  for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
  return keys.length;
}

// ---------------------------------------------------------------- measurement

interface ProcSample {
  cpu: number;
}

function sampleAll(children: Child[]): Record<string, ProcSample> {
  const out: Record<string, ProcSample> = {};
  for (const c of children) out[c.name] = { cpu: cpuSeconds(c.pid) ?? Number.NaN };
  const self = process.cpuUsage();
  out['bench driver'] = { cpu: (self.user + self.system) / 1e6 };
  out.machine = { cpu: machineBusySeconds() };
  return out;
}

function cpuDelta(a: Record<string, ProcSample>, b: Record<string, ProcSample>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(b)) out[k] = round(b[k]!.cpu - (a[k]?.cpu ?? 0), 2);
  return out;
}

const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;
const mib = (bytes: number | null) => (bytes === null ? null : round(bytes / 1048576, 1));

// ---------------------------------------------------------------- the benchmark

/** Runs both cycles, prints the table, writes bench/results/ingest.json and returns the result. */
export async function runIngestBench(): Promise<object> {
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
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
    const { child: farm, info: farmInfo } = await startFarm();
    children.push(farm);
    const feedUrls = farmInfo.paths.map((p, i) => {
      const h = farmInfo.hosts[i % farmInfo.hosts.length]!;
      return `http://${h.host}:${h.port}${p}`;
    });
    const expectedItems = farmInfo.feeds * farmInfo.itemsPerFeed;
    const farmBase = `http://${farmInfo.hosts[0]!.host}:${farmInfo.hosts[0]!.port}`;

    // ---- app
    const port = await freePort();
    const appEnv: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      HOST: '127.0.0.1',
      PORT: String(port),
      ADMIN_TOKEN,
      FEEDS_FILE: '',
      ALLOW_PRIVATE_NETWORKS: 'true',
      LOG_LEVEL: 'warn',
      POLL_INTERVAL_SECONDS: '3600',
    };
    const profileDir = path.join(ROOT, 'bench/results/profiles');
    if (cpuProf) await mkdir(profileDir, { recursive: true });
    const nodeArgs = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const appChildren: Child[] = [];
    if (splitWorkers > 0) {
      appChildren.push(spawnChild('app api', 'api', 'workers/api.ts', appEnv, nodeArgs));
      for (let i = 1; i <= splitWorkers; i++) {
        appChildren.push(spawnChild(`app worker ${i}`, 'worker', 'workers/worker.ts', { ...appEnv, PORT: '0' }, nodeArgs));
      }
    } else {
      appChildren.push(spawnChild('app', 'all', 'workers/all.ts', appEnv, nodeArgs));
    }
    children.push(...appChildren);
    const base = `http://127.0.0.1:${port}`;
    await waitForReady(base, children);
    // Workers of a split install start on their own; give them a moment to connect.
    if (splitWorkers > 0) await sleep(1500);
    else await sleep(300);

    // Progress is read straight from the app's indexes, named by the app's own key builder.
    const K = createKeys(prefix);

    const memBefore = await redisSnapshot(redis);
    const cpu0 = sampleAll(children);
    let watchCommands = 0;

    // ---- cycle 1: register every feed; each is polled at once
    process.stdout.write(`ingest: ${farmInfo.feeds} feeds × ${farmInfo.itemsPerFeed} items on ${farmInfo.hosts.length} loopback hosts, ` +
      `${(farmInfo.totalBytes / 1048576).toFixed(1)} MiB of RSS; app: ${splitWorkers > 0 ? `api + ${splitWorkers} worker process(es)` : 'one process (workers/all.ts)'}\n`);
    const c1Wall0 = Date.now();
    const c1t0 = performance.now();
    const feedIds: string[] = new Array(feedUrls.length);
    let registerErrors = 0;
    let registeredAt = 0;
    // One OPML import registers every feed (each is polled at once), as a user moving from
    // another reader would: the cycle measures ingestion, not 500 separate API round trips.
    const opml = `<?xml version="1.0"?><opml version="2.0"><head><title>bench</title></head><body>${feedUrls
      .map((u, i) => `<outline text="Outlet ${i + 1}" xmlUrl="${u}"/>`)
      .join('')}</body></opml>`;
    const registering = (async () => {
      const res = await fetch(`${base}/api/feeds/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/x-opml' },
        body: opml,
      });
      const json = (await res.json()) as { added: number };
      if (res.status !== 200 || json.added !== feedUrls.length) {
        registerErrors++;
        throw new Error(`POST /api/feeds/import answered ${res.status}: ${JSON.stringify(json)}`);
      }
      const { json: list } = await callApi(base, ADMIN_TOKEN, 'GET', '/api/feeds');
      const idByUrl = new Map((list.feeds as Array<{ id: string; url: string }>).map((f) => [f.url, f.id]));
      feedUrls.forEach((u, i) => (feedIds[i] = idByUrl.get(new URL(u).href)!));
    })().then(() => {
      registeredAt = performance.now();
    });

    let feedsDoneAt1 = 0;
    let itemsStoredAt = 0;
    let c1End = 0;
    let registerFailure: unknown = null;
    registering.catch((err) => {
      registerFailure = err;
    });
    {
      const pending = new Set<number>();
      let pendingSeeded = false;
      for (;;) {
        assertAlive(children);
        if (registerFailure) throw registerFailure;
        const now = performance.now();
        if (now - c1t0 > CYCLE_TIMEOUT_MS) throw new Error(`cycle 1 did not finish within ${CYCLE_TIMEOUT_MS / 1000} s`);
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
        if (VERBOSE) process.stderr.write(`  c1 ${((t - c1t0) / 1000).toFixed(2)} s: items ${items}, untagged ${untagged}, feeds pending ${pendingSeeded ? pending.size : 'registering'}\n`);
        if (pendingSeeded && pending.size === 0 && !feedsDoneAt1) feedsDoneAt1 = t;
        if (items >= expectedItems && !itemsStoredAt) itemsStoredAt = t;
        if (feedsDoneAt1 && itemsStoredAt && untagged === 0) {
          c1End = t;
          break;
        }
        await sleep(WATCH_MS_CYCLE1);
      }
    }
    await registering;
    const watchCommands1 = watchCommands;
    const cpu1 = sampleAll(children);
    const memAfter1 = await redisSnapshot(redis);
    const farmStats1 = (await (await fetch(`${farmBase}/_stats`, { method: 'POST' })).json()) as Record<string, number>;
    const storedItems = await redis.zcard(K.items);
    const anchorIds = await redis.zrange(K.anchors, 0, -1);
    const digestItems: Record<string, number> = {};
    for (const a of anchorIds) digestItems[a] = await redis.zcard(K.digest(a));
    const c1Seconds = (c1End - c1t0) / 1000;
    const hwm1: Record<string, number | null> = Object.fromEntries(children.map((c) => [c.name, statusBytes(c.pid, 'VmHWM')]));

    // Memory per item: whole-Redis delta, plus MEMORY USAGE of the prefix's keys by kind.
    const breakdown = await memoryBreakdown(redis, prefix);
    const sampleIds = await redis.zrange(K.items, 0, 199);
    const samplePipe = redis.pipeline();
    for (const id of sampleIds) samplePipe.memory("USAGE", K.item(id), "SAMPLES", "0").memory("USAGE", K.itemSources(id), "SAMPLES", "0");
    const sampleRes = (await samplePipe.exec()) ?? [];
    const sampleItemBytes = sampleRes.filter((_, i) => i % 2 === 0).reduce((n, r) => n + Number(r[1] ?? 0), 0) / Math.max(1, sampleIds.length);
    const sampleSrcBytes = sampleRes.filter((_, i) => i % 2 === 1).reduce((n, r) => n + Number(r[1] ?? 0), 0) / Math.max(1, sampleIds.length);
    const bullBytes = Object.entries(breakdown).filter(([k]) => k.startsWith('bullmq:')).reduce((n, [, v]) => n + v.bytes, 0);
    const prefixBytes = Object.values(breakdown).reduce((n, v) => n + v.bytes, 0);

    // ---- cycle 2: every feed polled again, every one answers 304
    await sleep(500);
    const memBefore2 = await redisSnapshot(redis);
    const cpu1b = sampleAll(children);
    const c2Wall0 = Date.now();
    const c2t0 = performance.now();
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
    let c2End = 0;
    {
      const pending = new Set(feedIds.map((_, i) => i));
      for (;;) {
        assertAlive(children);
        if (pollFailure) throw pollFailure;
        if (performance.now() - c2t0 > CYCLE_TIMEOUT_MS) throw new Error(`cycle 2 did not finish within ${CYCLE_TIMEOUT_MS / 1000} s`);
        const asked = [...pending];
        const pipeline = redis.pipeline();
        for (const i of asked) pipeline.hmget(K.feed(feedIds[i]!), 'lastStatus', 'lastPolledAt');
        const res = (await pipeline.exec()) ?? [];
        watchCommands += asked.length;
        asked.forEach((i, j) => {
          const [status, polledAt] = (res[j]?.[1] as [string | null, string | null]) ?? [null, null];
          if (status === '304' && Number(polledAt) >= c2Wall0) pending.delete(i);
        });
        if (VERBOSE) process.stderr.write(`  c2 ${((performance.now() - c2t0) / 1000).toFixed(2)} s: feeds pending ${pending.size}\n`);
        if (pending.size === 0) {
          c2End = performance.now();
          break;
        }
        await sleep(WATCH_MS_CYCLE2);
      }
    }
    await submitting;
    const watchCommands2 = watchCommands - watchCommands1;
    const cpu2 = sampleAll(children);
    const memAfter2 = await redisSnapshot(redis);
    const farmStats2 = (await (await fetch(`${farmBase}/_stats`)).json()) as Record<string, number>;
    const itemsAfter2 = await redis.zcard(K.items);
    const c2Seconds = (c2End - c2t0) / 1000;
    const hwm2: Record<string, number | null> = Object.fromEntries(children.map((c) => [c.name, statusBytes(c.pid, 'VmHWM')]));
    const warnings = Object.fromEntries(children.map((c) => [c.name, c.warnings]));

    // ---- results
    const c1Cpu = cpuDelta(cpu0, cpu1);
    const c2Cpu = cpuDelta(cpu1b, cpu2);
    c1Cpu.redis = round(memAfter1.cpuSeconds - memBefore.cpuSeconds, 2);
    c2Cpu.redis = round(memAfter2.cpuSeconds - memBefore2.cpuSeconds, 2);
    // Minus the driver's own progress reads, so the figures are the app's.
    // A CONFIG RESETSTAT by another client during a cycle makes its counts meaningless: null.
    const c1Commands = memAfter1.commands >= memBefore.commands ? memAfter1.commands - memBefore.commands - watchCommands1 : null;
    const c2Commands = memAfter2.commands >= memBefore2.commands ? memAfter2.commands - memBefore2.commands - watchCommands2 : null;
    const redisBytesPerItem = round((memAfter1.usedMemory - memBefore.usedMemory) / expectedItems);
    const itemsPerSecond = round(expectedItems / c1Seconds);
    const feedsPerSecond1 = round(farmInfo.feeds / ((feedsDoneAt1 - c1t0) / 1000), 1);
    const feedsPerSecond2 = round(farmInfo.feeds / c2Seconds, 1);
    const appNames = appChildren.map((c) => c.name);
    const appCpu1 = appNames.reduce((n, k) => n + (c1Cpu[k] ?? 0), 0);
    const appCpu2 = appNames.reduce((n, k) => n + (c2Cpu[k] ?? 0), 0);

    const processes: Record<string, object> = {};
    for (const c of children) {
      processes[c.name] = {
        role: c.role,
        pid: c.pid,
        cpuSeconds: { cycle1: c1Cpu[c.name], cycle2: c2Cpu[c.name] },
        peakRssMiB: { afterCycle1: mib(hwm1[c.name] ?? null), afterCycle2: mib(hwm2[c.name] ?? null) },
      };
    }
    processes['bench driver'] = {
      role: 'driver',
      pid: process.pid,
      cpuSeconds: { cycle1: c1Cpu['bench driver'], cycle2: c2Cpu['bench driver'] },
      peakRssMiB: { afterCycle2: mib(statusBytes(process.pid, 'VmHWM')) },
      redisCommandsForWatching: watchCommands,
    };
    processes.redis = {
      role: 'redis',
      cpuSeconds: { cycle1: c1Cpu.redis, cycle2: c2Cpu.redis },
      note: 'INFO cpu of the whole Redis server: includes any other client of this Redis during the run',
    };

    const result = {
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        node: process.version,
        redis: infoFields(await redis.info('server')).redis_version ?? null,
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
        hostConcurrency: Number(process.env.HOST_CONCURRENCY ?? 4),
        pollConcurrency: Number(process.env.POLL_CONCURRENCY ?? 32),
        cpuProfiles: cpuProf ? path.relative(ROOT, profileDir) : null,
      },
      cycle1: {
        seconds: round(c1Seconds, 3),
        registerSeconds: round((registeredAt - c1t0) / 1000, 3),
        allFeedsPolledSeconds: round((feedsDoneAt1 - c1t0) / 1000, 3),
        allItemsStoredSeconds: round((itemsStoredAt - c1t0) / 1000, 3),
        itemsStored: storedItems,
        itemsPerSecond,
        feedsPerSecond: feedsPerSecond1,
        farmResponses: farmStats1,
        cpuSeconds: c1Cpu,
        appCpuMsPerItem: round((appCpu1 * 1000) / expectedItems, 3),
        redisCommands: c1Commands,
        redisCommandsPerItem: c1Commands === null ? null : round(c1Commands / expectedItems, 1),
        driverWatchCommands: watchCommands1,
        digestItems,
        redisCommandCalls: c1Commands === null ? null : commandDelta(memBefore, memAfter1),
        startedAt: new Date(c1Wall0).toISOString(),
      },
      cycle2: {
        seconds: round(c2Seconds, 3),
        submitSeconds: round((submittedAt - c2t0) / 1000, 3),
        feedsPerSecond: feedsPerSecond2,
        farmResponses: farmStats2,
        itemsAfter: itemsAfter2,
        cpuSeconds: c2Cpu,
        appCpuMsPerFeed: round((appCpu2 * 1000) / farmInfo.feeds, 3),
        redisCommands: c2Commands,
        redisCommandsPerFeed: c2Commands === null ? null : round(c2Commands / farmInfo.feeds, 1),
        driverWatchCommands: watchCommands2,
        redisCommandCalls: c2Commands === null ? null : commandDelta(memBefore2, memAfter2),
        startedAt: new Date(c2Wall0).toISOString(),
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
        sampledItemHashBytes: round(sampleItemBytes),
        sampledItemSourcesBytes: round(sampleSrcBytes),
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
      pass: { items: itemsPerSecond >= TARGETS.itemsPerSecond, feeds: feedsPerSecond2 >= TARGETS.feedsPerSecond },
    };

    if (storedItems !== expectedItems) process.stdout.write(`WARNING: ${storedItems} items stored, expected ${expectedItems}\n`);
    if (farmStats1.ok !== farmInfo.feeds) process.stdout.write(`WARNING: cycle 1 served ${farmStats1.ok} feeds with 200\n`);
    if (farmStats2.notModified !== farmInfo.feeds || farmStats2.ok !== 0) {
      process.stdout.write(`WARNING: cycle 2 answered ${farmStats2.notModified} × 304 and ${farmStats2.ok} × 200\n`);
    }
    printTable(result, children.map((c) => c.name));
    await mkdir(path.join(ROOT, 'bench/results'), { recursive: true });
    await writeFile(path.join(ROOT, 'bench/results/ingest.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write('wrote bench/results/ingest.json\n');
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    // Apps first (they write to Redis), then the farm; then the prefix's keys.
    await Promise.all(children.filter((c) => c.role !== 'farm').map(stopBenchChild));
    await Promise.all(children.map(stopBenchChild));
    try {
      const removed = await deletePrefix(redis, prefix);
      process.stdout.write(`cleanup: removed ${removed} keys of ${prefix}\n`);
    } finally {
      redis.disconnect();
    }
  }
}

function printTable(r: any, names: string[]): void {
  const line = (cells: Array<string | number>, widths: number[]) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');
  const w = [26, 12, 12, 12];
  const out: string[] = [];
  out.push('');
  out.push(line(['', 'cycle 1 (new)', 'cycle 2 (304)', 'target'], w));
  out.push(line(['wall seconds', r.cycle1.seconds, r.cycle2.seconds, ''], w));
  out.push(line(['items/s', r.cycle1.itemsPerSecond, '', `≥ ${r.targets.itemsPerSecond}`], w));
  out.push(line(['feeds/s', r.cycle1.feedsPerSecond, r.cycle2.feedsPerSecond, `≥ ${r.targets.feedsPerSecond} (304)`], w));
  out.push(line(['  register/submit s', r.cycle1.registerSeconds, r.cycle2.submitSeconds, ''], w));
  out.push(line(['  all items stored s', r.cycle1.allItemsStoredSeconds, '', ''], w));
  out.push(line(['redis commands / item|feed', r.cycle1.redisCommandsPerItem, r.cycle2.redisCommandsPerFeed, ''], w));
  out.push(line(['app CPU ms / item|feed', r.cycle1.appCpuMsPerItem, r.cycle2.appCpuMsPerFeed, ''], w));
  out.push('');
  const pw = [26, 12, 12, 12];
  out.push(line(['process', 'CPU s c1', 'CPU s c2', 'peak RSS MiB'], pw));
  for (const n of [...names, 'bench driver', 'redis']) {
    if (!r.processes[n]) continue;
    const p = r.processes[n];
    const rss = p.peakRssMiB ? (p.peakRssMiB.afterCycle2 ?? '') : '';
    out.push(line([n, p.cpuSeconds.cycle1 ?? '', p.cpuSeconds.cycle2 ?? '', rss], pw));
  }
  out.push(line(['whole machine (all procs)', r.noise.machineBusyCpuSeconds.cycle1, r.noise.machineBusyCpuSeconds.cycle2, ''], pw));
  out.push('');
  out.push(`Redis bytes per stored item: ${r.redisBytesPerItem} (used_memory delta; item hash ≈ ${r.redisMemory.sampledItemHashBytes} B, ` +
    `sources hash ≈ ${r.redisMemory.sampledItemSourcesBytes} B, all non-BullMQ keys ≈ ${r.redisMemory.prefixKeysBytesPerItemWithoutBullmq} B/item)`);
  out.push(`reference on this machine: FreshRSS ${r.reference.freshrss.itemsPerSecond} items/s, ${r.reference.freshrss.feedsPerSecond304} feeds/s; ` +
    `Miniflux ${r.reference.miniflux.itemsPerSecond} items/s, ${r.reference.miniflux.feedsPerSecond304} feeds/s`);
  out.push(`pass: items ${r.pass.items ? 'yes' : 'NO'}, feeds ${r.pass.feeds ? 'yes' : 'NO'}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runIngestBench();
}
