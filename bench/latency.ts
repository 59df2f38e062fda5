/**
 * Live-digest latency benchmark: time from the end of a poll to the SSE `item` event at the
 * client, with the real app (child processes: workers/api.ts and workers/worker.ts, or workers/all.ts with LAT_LAYOUT=one-process), real Redis, real HTTP.
 *
 * Definitions (one machine, one wall clock; bench timestamps are performance.timeOrigin +
 * performance.now(), the app's are Date.now() / Redis ms):
 *   t0  the local feed server (in this process) emitted 'finish' on the first response whose
 *       body contained the new item: the poll's fetch is over, its bytes are in the kernel.
 *   t1  the SSE client's 'data' listener got the chunk that completed the `item` event whose
 *       DigestItem carries that item's title.
 *   latency = t1 − t0: parse, normalise, store, queue the tag job, job pickup, tagging, the
 *   digest XADD, the stream hub's XREAD, rendering the DigestItem, the fan-out write and the
 *   client's read. Every sample item is relevant and no near-duplicate of any other, and each
 *   one must arrive (a missing one is counted and fails the scenario).
 *
 * Scenarios
 *   idle-1       1 client, one new item per poll, sequential (LAT_IDLE_SAMPLES, 100)
 *   idle-1000    1,000 clients in LAT_CLIENT_PROCS (2) child processes (bench/latency/sse-client.ts);
 *                LAT_MANY_SAMPLES (50) items, one latency per client-event pair
 *   bare-sse     the idle-1000 clients against a bare node:http SSE server (bench/latency/bare-sse-server.ts):
 *                the floor of any SSE fan-out on this machine under its load at the time, so idle-1000
 *                reads as a ratio to it (run next to idle-1000: `LAT_SCENARIOS=idle-1000,bare-sse`)
 *   ingest-1     1 client while a 10,000-item ingest runs: bench/feed-farm.ts serves 100 feeds ×
 *                100 items (generated news text, about a third on the anchor's topic), all 100
 *                registered at once through the API (each is polled at once). A sample is
 *                started every LAT_INGEST_INTERVAL_MS (150) without waiting for the previous one;
 *                samples whose t0 falls inside the ingest window are the ones reported.
 *
 * Per sample the timeline is also split with the app's own timestamps: firstSeenAt (poll
 * start), the tag job's created / processedOn / finishedOn (BullMQ job hash), the XADD time
 * (the stream entry id's ms part) — see the "where the time goes" table.
 *
 * Prints a table and writes bench/results/latency.json. Cleans up its children and its Redis
 * prefix. Run: `npx tsx bench/latency.ts` (or runLatencyBench() from bench/run.ts). The parts,
 * under bench/latency/: config.ts (knobs), sample-items.ts (the stories), live-feed.ts,
 * client-pool.ts + sse-client.ts (the clients), samples.ts, tag-jobs.ts, scenarios.ts,
 * summary.ts, print-table.ts.
 * Env: REDIS_URL, LAT_IDLE_SAMPLES, LAT_MANY_SAMPLES, LAT_CLIENTS, LAT_CLIENT_PROCS,
 * LAT_INGEST_FEEDS, LAT_INGEST_ITEMS, LAT_INGEST_INTERVAL_MS, LAT_WARMUP, LAT_APP_NODE_ARGS, LAT_SCENARIOS
 * (comma list of idle-1,idle-1000,bare-sse,ingest-1).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createKeys } from '../src/storage/keys.ts';
import { appEnv, LOCAL_FEEDS_ENV, waitForReady } from './app-process.ts';
import { spawnBenchChild, stopBenchChild, type BenchChild } from './bench-child.ts';
import { writeBenchResult } from './bench-result.ts';
import { callApi } from './call-api.ts';
import { watchLoad } from './cpu-sampler.ts';
import { freePort } from './free-port.ts';
import { isMain } from './is-main.ts';
import { ADMIN_TOKEN, ANCHOR_ID, CFG, log, TARGETS } from './latency/config.ts';
import { startLiveFeed, type LiveFeed } from './latency/live-feed.ts';
import { bareScenario } from './latency/bare-scenario.ts';
import { printTable } from './latency/print-table.ts';
import { relevantItems } from './latency/sample-items.ts';
import type { SampleEnv } from './latency/samples.ts';
import { ingestScenario, sequentialScenario } from './latency/scenarios.ts';
import type { ScenarioResult } from './latency/summary.ts';
import { ROOT } from './project-root.ts';
import { deletePrefix, deletePrefixAndDisconnect } from './redis-prefix-cleanup.ts';

/** The working tree under test: HEAD and the files of src/ changed against it (src may be edited while benches run). */
function sourceState(): { head: string | null; dirtySrc: string[] } {
  try {
    const git = (args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    return { head: git(['rev-parse', '--short', 'HEAD']), dirtySrc: git(['status', '--porcelain', '--', 'src', 'workers']).split('\n').filter(Boolean) };
  } catch {
    return { head: null, dirtySrc: [] };
  }
}

/**
 * The data size of the app's item events (a DigestItem as JSON, the newest of the digest; a
 * typical 120-word item when the digest is still empty), for the bare server to send as much.
 */
async function itemEventBytes(base: string): Promise<number> {
  const page = await callApi(base, ADMIN_TOKEN, 'GET', `/api/digests/${ANCHOR_ID}?limit=1`);
  const item = (page.json as { items?: unknown[] } | null)?.items?.[0];
  return item ? JSON.stringify(item).length : 1500;
}

/** Set while a run is in progress: stops its children and deletes its keys (for SIGINT/SIGTERM). */
let emergencyCleanup: (() => Promise<void>) | null = null;

/** Runs the scenarios of LAT_SCENARIOS against a fresh app, prints the table, writes bench/results/latency.json. */
export async function runLatencyBench(): Promise<object> {
  const prefix = `bench-lat-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(CFG.redisUrl, { maxRetriesPerRequest: 3 });
  const keys = createKeys(prefix);
  const children: BenchChild[] = [];
  let live: LiveFeed | null = null;
  const started = Date.now();
  const source = sourceState();
  emergencyCleanup = async () => {
    for (const c of children) if (!c.exited) c.proc.kill('SIGKILL');
    await deletePrefix(redis, prefix).catch(() => 0);
  };
  try {
    const perRun = CFG.warmup * 3 + CFG.idleSamples + CFG.manySamples + Math.ceil(120_000 / CFG.ingestIntervalMs);
    const items = await relevantItems(perRun, prefix.slice(-8));
    live = await startLiveFeed();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // By default the API and the workers run as two processes, the layout for load (the
    // stream hub never shares an event loop with parsing); LAT_LAYOUT=one-process runs
    // workers/all.ts instead.
    const split = process.env.LAT_LAYOUT !== 'one-process';
    const env = appEnv({ redisUrl: CFG.redisUrl, prefix, port, adminToken: ADMIN_TOKEN }, LOCAL_FEEDS_ENV);
    // LAT_APP_NODE_ARGS (space-separated, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) goes to the app's processes only.
    const nodeArgs = (process.env.LAT_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const app = spawnBenchChild('app', split ? 'workers/api.ts' : 'workers/all.ts', env, { nodeArgs });
    children.push(app);
    if (split) children.push(spawnBenchChild('worker', 'workers/worker.ts', env, { nodeArgs }));
    await waitForReady(base, children);
    const reg = await callApi(base, ADMIN_TOKEN, 'POST', '/api/feeds', { url: live.url, title: 'Latency Wire', intervalSeconds: 3600 });
    if (reg.status !== 201) throw new Error(`registering the live feed: ${reg.status} ${JSON.stringify(reg.json)}`);
    const sampling: SampleEnv = { base, feedId: reg.json.id, live, items, next: 0 };
    const streamUrl = `${base}/api/digests/${ANCHOR_ID}/stream?access_token=${ADMIN_TOKEN}`;
    log(`app pid ${app.proc.pid} on ${base}, prefix ${prefix}, ${os.cpus().length} CPUs, node ${process.version}, HEAD ${source.head}${source.dirtySrc.length ? ` + ${source.dirtySrc.length} changed src files` : ''}`);

    const results: ScenarioResult[] = [];
    for (const name of CFG.scenarios) {
      const watch = watchLoad(children.filter((c) => c.name === 'app' || c.name === 'worker').map((c) => c.proc.pid));
      if (name === 'idle-1000' || name === 'bare-sse') await sleep(1000);
      let r: ScenarioResult;
      if (name === 'idle-1') r = await sequentialScenario('idle-1', sampling, redis, keys, streamUrl, 1, 1, CFG.idleSamples, 20);
      else if (name === 'idle-1000') r = await sequentialScenario('idle-1000', sampling, redis, keys, streamUrl, CFG.clients, CFG.clientProcs, CFG.manySamples, 50, app.proc.pid);
      else if (name === 'ingest-1') r = await ingestScenario(sampling, redis, keys, streamUrl, children);
      else if (name === 'bare-sse') r = await bareScenario(CFG.clients, CFG.clientProcs, CFG.manySamples, 50, await itemEventBytes(base));
      else throw new Error(`unknown scenario ${name}`);
      r.load = watch();
      results.push(r);
      if (app.exited) throw new Error(`the app exited:\n${app.tail.join('\n')}`);
    }
    printTable(results);
    // The fan-out as a multiple of the bare floor measured in the same run (absolute figures
    // follow the machine's load; the ratio is what the app adds).
    const app1000 = results.find((r) => r.name === 'idle-1000');
    const bare = results.find((r) => r.name === 'bare-sse');
    const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? Math.round((a / b) * 100) / 100 : null);
    const fanOutRatioToBare =
      app1000 && bare ? { p50: ratio(app1000.latencyMs.p50, bare.latencyMs.p50), p99: ratio(app1000.latencyMs.p99, bare.latencyMs.p99), memoryPerConnection: ratio(app1000.memoryPerConnectionBytes, bare.memoryPerConnectionBytes) } : null;
    if (fanOutRatioToBare) log(`fan-out ÷ bare floor (same run, same bytes per event): p50 ×${fanOutRatioToBare.p50}, p99 ×${fanOutRatioToBare.p99}, memory per connection ×${fanOutRatioToBare.memoryPerConnection}`);
    const out = {
      benchmark: 'latency',
      definition: 't0 = feed server finished writing the first response containing the new item; t1 = SSE item event at the client; latency = t1 - t0',
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      source,
      targets: TARGETS,
      config: CFG,
      scenarios: results,
      fanOutRatioToBare,
      pass: results.every((r) => r.pass),
      durationS: Math.round((Date.now() - started) / 100) / 10,
      appWarnings: app.tail.filter((l) => /"level":(40|50|60)/.test(l)).slice(-10),
    };
    log(`\nwrote ${await writeBenchResult('latency', out)} (${out.durationS} s)`);
    return out;
  } finally {
    emergencyCleanup = null;
    for (const c of children.reverse()) await stopBenchChild(c).catch(() => {});
    await live?.close().catch(() => {});
    const n = await deletePrefixAndDisconnect(redis, prefix);
    log(`cleanup: children stopped, ${n} keys of {${prefix}} deleted`);
  }
}

if (isMain(import.meta.url)) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`latency bench: ${signal}, cleaning up\n`);
      void (emergencyCleanup?.() ?? Promise.resolve()).finally(() => process.exit(130));
    });
  }
  runLatencyBench()
    .then((out) => process.exit((out as { pass: boolean }).pass ? 0 : 1))
    .catch((err) => {
      process.stderr.write(`latency bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(2);
    });
}
