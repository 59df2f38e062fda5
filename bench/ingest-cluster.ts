/**
 * The ingest benchmark on a Redis Cluster beside a single Redis: the real app (an API process and
 * one or two worker processes) against the local feed farm, on
 *
 *   single   one private redis-server (not the shared one: its counters are the app's alone)
 *   cluster  a private 3-master, 3-replica Redis Cluster (test/helpers/redis-cluster.ts)
 *
 * each with 1 and with 2 worker processes, interleaved (single-1, cluster-1, single-2, cluster-2)
 * so a change of the machine's load falls on both. One cycle: every feed registered by one OPML
 * import (each is polled at once); done when every item is stored and none is left untagged.
 *
 * Per run: wall time and items/s, CPU seconds of each app process, and per Redis node (masters
 * and replicas) the commands it executed (INFO commandstats) and its CPU seconds (INFO cpu),
 * plus the keys each master holds afterwards. Writes bench/results/ingest-cluster.json.
 *
 * Env knobs: INGEST_CLUSTER_RUNS (default 1) repeats the four runs; INGEST_CLUSTER_WORKERS
 * (default "1,2"); FARM_FEEDS / FARM_ITEMS / FARM_HOSTS size the farm (default 300 × 20 on
 * 50 hosts, so the per-host limit does not bind). `npm run bench -- ingest-cluster`.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis } from 'ioredis';
import { createKeys } from '../src/storage/keys.ts';
import { startRedisCluster, type RedisCluster } from '../test/helpers/redis-cluster.ts';
import { startEmbeddedRedis, type EmbeddedRedis } from '../workers/embedded-redis.ts';
import { appEnv, LOCAL_FEEDS_ENV, waitForReady } from './app-process.ts';
import { assertAlive, spawnBenchChild, stopBenchChild, type BenchChild } from './bench-child.ts';
import { writeBenchResult } from './bench-result.ts';
import { cpuSecondsByProcess, cpuSecondsDelta } from './cpu-sampler.ts';
import { startFeedFarm, type FeedFarm } from './farm-process.ts';
import { freePort } from './free-port.ts';
import { isMain } from './is-main.ts';
import { round } from './percentile.ts';
import { ROOT } from './project-root.ts';
import { infoFields } from './redis-info.ts';
import { tableRow } from './report-table.ts';

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const CYCLE_TIMEOUT_MS = 600_000;
const WATCH_MS = 100;

type Backend = 'single' | 'cluster';

/** The Redis side of a run: where the app connects and how to read each node. */
interface Target {
  backend: Backend;
  env: Record<string, string>;
  /** Every node, with its role now. */
  nodes(): Promise<Array<{ port: number; role: 'master' | 'replica' }>>;
  /** A client for the driver's progress reads. */
  client(): Redis | Cluster;
  /** Removes every key (between runs: the servers are the benchmark's own). */
  flush(): Promise<void>;
}

/** Commands executed and CPU seconds of one node now. */
interface NodeCounters {
  commands: number;
  cpuSeconds: number;
  keys: number;
  calls: Record<string, number>;
}

async function nodeCounters(port: number): Promise<NodeCounters> {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await c.connect();
    const info = infoFields(await c.info('all'));
    const calls: Record<string, number> = {};
    let commands = 0;
    for (const [k, v] of Object.entries(info)) {
      if (!k.startsWith('cmdstat_')) continue;
      const n = Number(/calls=(\d+)/.exec(v)?.[1] ?? 0);
      calls[k.slice(8)] = n;
      // INFO itself (this reader's) is left out; the driver's progress reads are subtracted later.
      if (k !== 'cmdstat_info') commands += n;
    }
    return { commands, cpuSeconds: Number(info.used_cpu_user) + Number(info.used_cpu_sys), keys: await c.dbsize(), calls };
  } finally {
    c.disconnect();
  }
}

function singleTarget(redis: EmbeddedRedis): Target {
  const port = Number(new URL(redis.url).port);
  return {
    backend: 'single',
    env: { REDIS_URL: redis.url },
    nodes: async () => [{ port, role: 'master' }],
    client: () => new Redis(redis.url, { maxRetriesPerRequest: 2 }),
    async flush() {
      const c = new Redis(redis.url);
      await c.flushall();
      c.disconnect();
    },
  };
}

function clusterTarget(cluster: RedisCluster): Target {
  const first = cluster.seeds.split(',')[0]!;
  return {
    backend: 'cluster',
    env: { REDIS_CLUSTER_NODES: cluster.seeds, REDIS_URL: `redis://${first}` },
    nodes: async () => (await cluster.topology()).map((n) => ({ port: n.port, role: n.role })),
    client: () => new Cluster(cluster.seeds.split(',').map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) }))),
    async flush() {
      for (const port of await cluster.masterPorts()) {
        const c = new Redis({ host: '127.0.0.1', port });
        await c.flushall();
        c.disconnect();
      }
    },
  };
}

/** One run: the app on `target` with `workers` worker processes; returns its figures. */
async function runOnce(target: Target, workers: number, farm: FeedFarm): Promise<Record<string, unknown>> {
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const env = { ...appEnv({ redisUrl: target.env.REDIS_URL!, prefix, port, adminToken: ADMIN_TOKEN }, LOCAL_FEEDS_ENV), ...target.env };
  const children: Array<BenchChild & { role: string }> = [Object.assign(spawnBenchChild('api', 'workers/api.ts', env), { role: 'api' })];
  for (let i = 1; i <= workers; i++) children.push(Object.assign(spawnBenchChild(`worker ${i}`, 'workers/worker.ts', { ...env, PORT: '0' }), { role: 'worker' }));
  const redis = target.client();
  redis.on('error', () => {});
  const K = createKeys(prefix);
  const expected = farm.info.feeds * farm.info.itemsPerFeed;
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForReady(base, children, 120_000);
    // The workers start on their own: give them a moment to connect.
    await sleep(2000);
    const nodes = await target.nodes();
    const before = new Map(await Promise.all(nodes.map(async (n) => [n.port, await nodeCounters(n.port)] as const)));
    const cpu0 = cpuSecondsByProcess(children);
    const t0 = performance.now();
    const opml = `<?xml version="1.0"?><opml version="2.0"><body>${farm.urls.map((u, i) => `<outline text="Outlet ${i + 1}" xmlUrl="${u}"/>`).join('')}</body></opml>`;
    const res = await fetch(`${base}/api/feeds/import`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/x-opml' }, body: opml });
    if (res.status !== 200) throw new Error(`OPML import answered ${res.status}: ${await res.text()}`);
    let watchCommands = 0;
    let stored = 0;
    for (;;) {
      assertAlive(children);
      if (performance.now() - t0 > CYCLE_TIMEOUT_MS) throw new Error(`not done within ${CYCLE_TIMEOUT_MS / 1000} s: ${stored} of ${expected} items`);
      // Both indexes share one hash tag, so the pipeline goes to one node, on a cluster too.
      const out = (await redis.pipeline().zcard(K.items).zcard(K.untagged).exec()) ?? [];
      watchCommands += 2;
      stored = Number(out[0]?.[1] ?? 0);
      if (stored >= expected && Number(out[1]?.[1] ?? 1) === 0) break;
      await sleep(WATCH_MS);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = cpuSecondsByProcess(children);
    const after = await Promise.all(nodes.map(async (n) => ({ ...n, counters: await nodeCounters(n.port) })));
    const cpu = cpuSecondsDelta(cpu0, cpu1);
    const appCpu = children.reduce((n, c) => n + (cpu[c.name] ?? 0), 0);
    const perNode = after.map((n) => {
      const b = before.get(n.port)!;
      const calls: Record<string, number> = {};
      for (const [k, v] of Object.entries(n.counters.calls)) if (k !== 'info' && v - (b.calls[k] ?? 0) > 0) calls[k] = v - (b.calls[k] ?? 0);
      const top = Object.entries(calls).sort((x, y) => y[1] - x[1]).slice(0, 8);
      return {
        port: n.port,
        role: n.role,
        commands: n.counters.commands - b.commands,
        cpuSeconds: round(n.counters.cpuSeconds - b.cpuSeconds, 2),
        keysAfter: n.counters.keys,
        topCommands: Object.fromEntries(top),
      };
    });
    const masters = perNode.filter((n) => n.role === 'master');
    const commands = masters.reduce((n, m) => n + m.commands, 0) - watchCommands;
    const masterKeys = masters.reduce((n, m) => n + m.keysAfter, 0);
    return {
      backend: target.backend,
      workers,
      items: expected,
      itemsStored: stored,
      seconds: round(seconds, 2),
      itemsPerSecond: round(expected / seconds),
      appCpuSeconds: Object.fromEntries(children.map((c) => [c.name, cpu[c.name]])),
      appCpuMsPerItem: round((appCpu * 1000) / expected, 3),
      redisCommandsOnMasters: commands,
      redisCommandsPerItem: round(commands / expected, 1),
      redisCpuSecondsOnMasters: round(masters.reduce((n, m) => n + m.cpuSeconds, 0), 2),
      redisCpuSecondsOnReplicas: round(perNode.filter((n) => n.role === 'replica').reduce((n, m) => n + m.cpuSeconds, 0), 2),
      driverWatchCommands: watchCommands,
      keyShareByMaster: Object.fromEntries(masters.map((m) => [m.port, round(m.keysAfter / Math.max(1, masterKeys), 3)])),
      nodes: perNode,
      machineBusyCpuSeconds: cpu.machine,
      loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)),
    };
  } finally {
    await Promise.all(children.map(stopBenchChild));
    redis.disconnect();
    await target.flush();
  }
}

function printRun(r: Record<string, any>): void {
  const widths = [22, 8, 9, 11, 10, 10, 10];
  process.stdout.write(`\n${r.backend} Redis, ${r.workers} worker process(es): ${r.items} items in ${r.seconds} s = ${r.itemsPerSecond} items/s; app CPU ${r.appCpuMsPerItem} ms/item; ${r.redisCommandsPerItem} Redis commands/item (load ${r.loadAverageAtEnd.join(' ')})\n`);
  process.stdout.write(`${tableRow(['node', 'role', 'commands', 'per item', 'CPU s', 'keys', 'key share'], widths)}\n`);
  for (const n of r.nodes as Array<Record<string, any>>) {
    const share = n.role === 'master' ? `${round((r.keyShareByMaster[n.port] ?? 0) * 100, 1)}%` : '';
    process.stdout.write(`${tableRow([`127.0.0.1:${n.port}`, n.role, n.commands, round(n.commands / r.items, 1), n.cpuSeconds, n.keysAfter, share], widths)}\n`);
  }
  const procs = Object.entries(r.appCpuSeconds as Record<string, number>).map(([k, v]) => `${k} ${v} s`).join(', ');
  process.stdout.write(`app CPU: ${procs}\n`);
}

/** The four runs (INGEST_CLUSTER_RUNS times), printed, written to bench/results/ingest-cluster.json. */
export async function runIngestClusterBench(): Promise<object> {
  const runs = Math.max(1, Number(process.env.INGEST_CLUSTER_RUNS ?? 1));
  const workerCounts = (process.env.INGEST_CLUSTER_WORKERS ?? '1,2').split(',').map(Number).filter((n) => n > 0);
  const farmEnv = { ...process.env, FARM_FEEDS: process.env.FARM_FEEDS ?? '300', FARM_ITEMS: process.env.FARM_ITEMS ?? '20', FARM_HOSTS: process.env.FARM_HOSTS ?? '50' };
  const results: Array<Record<string, any>> = [];
  let single: EmbeddedRedis | null = null;
  let cluster: RedisCluster | null = null;
  let farm: FeedFarm | null = null;
  const onSignal = () => process.exit(130);
  process.once('SIGINT', onSignal);
  try {
    single = await startEmbeddedRedis({ dir: path.join(ROOT, 'test/.tmp', `bench-single-${process.pid}`), persist: false });
    cluster = await startRedisCluster({ nodeTimeoutMs: 5000 });
    farm = await startFeedFarm(farmEnv, 60_000);
    const targets = [singleTarget(single), clusterTarget(cluster)];
    process.stdout.write(
      `ingest-cluster: ${farm.info.feeds} feeds × ${farm.info.itemsPerFeed} items on ${farm.info.hosts.length} hosts; single Redis ${single.url}; cluster ${cluster.seeds} (load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})\n`,
    );
    for (let run = 1; run <= runs; run++) {
      for (const workers of workerCounts) {
        for (const target of targets) {
          process.stdout.write(`\n-- run ${run}/${runs}: ${target.backend}, ${workers} worker(s)\n`);
          const r = await runOnce(target, workers, farm);
          printRun(r);
          results.push({ run, ...r });
        }
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    if (farm) await stopBenchChild(farm.child);
    await cluster?.stop();
    await single?.stop();
  }
  const median = (backend: Backend, workers: number, pick: (r: Record<string, any>) => number) => {
    const xs = results.filter((r) => r.backend === backend && r.workers === workers).map(pick).sort((a, b) => a - b);
    return xs.length === 0 ? null : xs[Math.floor((xs.length - 1) / 2)]!;
  };
  const summary: Record<string, unknown> = {};
  for (const backend of ['single', 'cluster'] as const) {
    for (const w of workerCounts) {
      summary[`${backend}-${w}w`] = {
        itemsPerSecond: median(backend, w, (r) => r.itemsPerSecond),
        appCpuMsPerItem: median(backend, w, (r) => r.appCpuMsPerItem),
        redisCommandsPerItem: median(backend, w, (r) => r.redisCommandsPerItem),
        redisCpuSecondsOnMasters: median(backend, w, (r) => r.redisCpuSecondsOnMasters),
        minKeyShare: median(backend, w, (r) => Math.min(...(Object.values(r.keyShareByMaster) as number[]))),
      };
    }
  }
  process.stdout.write(`\nmedians: ${JSON.stringify(summary, null, 1)}\n`);
  const out = {
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, node: process.version },
    setup: { feeds: farm!.info.feeds, itemsPerFeed: farm!.info.itemsPerFeed, hosts: farm!.info.hosts.length, runs, workerCounts, clusterNodeTimeoutMs: 5000 },
    note: 'Both Redis setups are private to the benchmark, so their counters are the app\'s alone; the machine is shared, so compare runs of one benchmark, not absolute figures. Commands per item count every master (replicas apply the same writes again and are listed per node).',
    summary,
    runs: results,
  };
  process.stdout.write(`wrote ${await writeBenchResult('ingest-cluster', out)}\n`);
  return out;
}

if (isMain(import.meta.url)) {
  await runIngestClusterBench();
  process.exit(0);
}
