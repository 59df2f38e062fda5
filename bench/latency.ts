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
 *   idle-1000    1,000 clients in LAT_CLIENT_PROCS (2) child processes (bench/latency-client.ts);
 *                LAT_MANY_SAMPLES (50) items, one latency per client-event pair
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
 * prefix. Run: `npx tsx bench/latency.ts` (or runLatencyBench() from bench/run.ts).
 * Env: REDIS_URL, LAT_IDLE_SAMPLES, LAT_MANY_SAMPLES, LAT_CLIENTS, LAT_CLIENT_PROCS,
 * LAT_INGEST_FEEDS, LAT_INGEST_ITEMS, LAT_INGEST_INTERVAL_MS, LAT_WARMUP, LAT_SCENARIOS
 * (comma list of idle-1,idle-1000,ingest-1).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { loadAnchorSources } from '../src/tagging/anchor-file.ts';
import { compileAnchor, tagItem } from '../src/tagging/compile-anchor.ts';
import { estimateSimilarity, storySignature, type StorySignature } from '../src/tagging/story-signature.ts';
import { prng } from './prng.ts';
import { callApi, freePort, ROOT, spawnBenchChild, stopBenchChild, type BenchChild } from './bench-support.ts';

const ADMIN_TOKEN = 'bench-latency-admin-token-0123456789abcdef';
const ANCHOR_ID = 'muscat-talks';
const TARGETS = { idleP99Ms: 100, ingestP99Ms: 1000 };
const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const CFG = {
  idleSamples: num('LAT_IDLE_SAMPLES', 100),
  manySamples: num('LAT_MANY_SAMPLES', 50),
  clients: num('LAT_CLIENTS', 1000),
  clientProcs: num('LAT_CLIENT_PROCS', 2),
  ingestFeeds: num('LAT_INGEST_FEEDS', 100),
  ingestItems: num('LAT_INGEST_ITEMS', 100),
  ingestIntervalMs: num('LAT_INGEST_INTERVAL_MS', 150),
  warmup: num('LAT_WARMUP', 5),
  /** Items the live feed shows (newest last), as a real feed keeps its latest entries. */
  feedWindow: 20,
  sampleTimeoutMs: 15_000,
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  scenarios: (process.env.LAT_SCENARIOS ?? 'idle-1,idle-1000,ingest-1').split(',').map((s) => s.trim()),
};

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => process.stdout.write(`${s}\n`);

// ---------------------------------------------------------------- sample items

interface LiveItem {
  seq: number;
  guid: string;
  title: string;
  summary: string;
  link: string;
  pubDate: string;
  tTrigger?: number;
  /** First request whose response contained it (the poll's fetch began). */
  tFirstReq?: number;
  /** 'finish' of the first response that contained it. */
  t0?: number;
}


const PEOPLE = ['Abbas Araghchi', 'Steve Witkoff', 'Araghchi', 'Witkoff', 'Friedrich Merz', 'Recep Tayyip Erdogan', 'President Trump', 'Omani mediators', 'Iranian negotiators', 'the US envoy'];
const PLACES = ['Muscat', 'Oman', 'Tehran', 'Washington', 'Iran', 'the Gulf'];
const TOPICS = ['nuclear talks', 'uranium enrichment', 'centrifuges', 'the carrier group', 'the nuclear dossier', 'a framework for a deal', 'the ballistic missile program', 'regional proxy groups', 'military escalation', 'the evacuation warning', 'the security alert', 'a diplomatic breakthrough', 'zero nuclear capacity', 'uranium stockpiles', 'direct talks', 'military options', 'mutual respect', 'equal standing'];
const VERBS = ['urges', 'rejects', 'signals', 'weighs', 'demands', 'questions', 'defends', 'plays down', 'welcomes', 'warns over', 'insists on', 'revisits', 'dismisses', 'praises', 'cautions on'];
const CONNECT = ['ahead of', 'after', 'during', 'before', 'despite', 'amid'];
const EVENTS = ['a late session', 'the second round', 'a breakfast meeting', 'consultations at home', 'a phone call', 'an envoy visit', 'a closed briefing', 'the next round'];

/**
 * `count` distinct stories the app's own tagger finds relevant to the anchor, each with an
 * estimated 3-gram Jaccard similarity under 0.2 to every other (the digest folds at 0.4).
 */
async function relevantItems(count: number, runTag: string): Promise<LiveItem[]> {
  const [source] = await loadAnchorSources(path.join(ROOT, 'config/anchors'));
  const compiled = compileAnchor(source!);
  const rnd = prng(0x1a7e);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const out: LiveItem[] = [];
  const sigs: StorySignature[] = [];
  for (let tries = 0; out.length < count; tries++) {
    if (tries > count * 50) throw new Error('could not generate enough distinct relevant items');
    const title = `${pick(PEOPLE)} ${pick(VERBS)} ${pick(TOPICS)} ${pick(CONNECT)} ${pick(EVENTS)} in ${pick(PLACES)}`;
    const summary =
      `${pick(PEOPLE)} ${pick(VERBS)} ${pick(TOPICS)} as ${pick(PEOPLE)} ${pick(VERBS)} ${pick(TOPICS)} ${pick(CONNECT)} ${pick(EVENTS)}. ` +
      `In ${pick(PLACES)}, ${pick(PEOPLE)} ${pick(VERBS)} ${pick(TOPICS)} and ${pick(TOPICS)}, while ${pick(PEOPLE)} ${pick(VERBS)} ${pick(TOPICS)}.`;
    if (out.some((o) => o.title === title) || !tagItem(compiled, { title, summary }).relevant) continue;
    const sig = storySignature(title, summary);
    if (sigs.some((s) => estimateSimilarity(s, sig) >= 0.2)) continue;
    sigs.push(sig);
    const seq = out.length;
    out.push({ seq, guid: `lat-${runTag}-${seq}`, title, summary, link: `http://wire.example/${runTag}/story-${seq}`, pubDate: '' });
  }
  return out;
}

// ---------------------------------------------------------------- the live feed (in this process)

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface LiveFeed {
  url: string;
  items: LiveItem[];
  requests: number;
  close(): Promise<void>;
}

async function startLiveFeed(): Promise<LiveFeed> {
  const feed: LiveFeed = { url: '', items: [], requests: 0, close: async () => {} };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? '').split('?')[0] !== '/live.xml') {
      res.statusCode = 404;
      res.end();
      return;
    }
    feed.requests++;
    const tReq = now();
    const shown = feed.items.slice(-CFG.feedWindow);
    for (const it of shown) it.tFirstReq ??= tReq;
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Latency Wire</title><link>http://wire.example/</link>\n` +
      shown
        .map(
          (i) =>
            `<item><title>${esc(i.title)}</title><link>${esc(i.link)}</link><guid isPermaLink="false">${i.guid}</guid>` +
            `<description>${esc(i.summary)}</description><pubDate>${i.pubDate}</pubDate></item>`,
        )
        .join('\n') +
      `\n</channel></rss>\n`;
    res.on('finish', () => {
      const t = now();
      for (const it of shown) it.t0 ??= t;
    });
    res.setHeader('content-type', 'application/rss+xml; charset=utf-8');
    res.setHeader('cache-control', 'no-cache');
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  feed.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/live.xml`;
  feed.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return feed;
}

// ---------------------------------------------------------------- machine load

/** Jiffies (busy, total) of all CPUs from /proc/stat. */
function cpuJiffies(): { busy: number; total: number } | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
  } catch {
    return null;
  }
}

/** utime + stime of a process in seconds (CLK_TCK 100), null once it is gone. */
function procCpuSeconds(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * Watches machine CPU during a scenario: the share of all CPUs busy, and how much of that
 * was the app. Other benchmarks running on the same machine show up as `otherCpuShare`,
 * which says how far the figures can be trusted.
 */
function loadWatch(appPid: number | undefined): () => { machineCpuShare: number | null; appCpuCores: number | null; otherCpuShare: number | null; loadavg1: number } {
  const j0 = cpuJiffies();
  const a0 = procCpuSeconds(appPid);
  const t0 = Date.now();
  return () => {
    const j1 = cpuJiffies();
    const a1 = procCpuSeconds(appPid);
    const secs = (Date.now() - t0) / 1000;
    const cpus = os.cpus().length;
    const machine = j0 && j1 && j1.total > j0.total ? (j1.busy - j0.busy) / (j1.total - j0.total) : null;
    const appCores = a0 !== null && a1 !== null && secs > 0 ? (a1 - a0) / secs : null;
    const r = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
    return {
      machineCpuShare: r(machine),
      appCpuCores: r(appCores),
      otherCpuShare: machine !== null && appCores !== null ? r(Math.max(0, machine - appCores / cpus)) : null,
      loadavg1: Math.round(os.loadavg()[0]! * 100) / 100,
    };
  };
}

// ---------------------------------------------------------------- child processes

type Child = BenchChild;





// ---------------------------------------------------------------- SSE client children

interface EventMeta {
  itemId: string | null;
  title: string | null;
  firstSeenAt: number | null;
}

/** The SSE clients of one scenario, spread over child processes, with every arrival. */
class ClientPool {
  readonly children: Child[] = [];
  readonly meta = new Map<string, EventMeta>();
  readonly eventByTitle = new Map<string, string>();
  readonly arrivals = new Map<string, number[]>();
  readonly problems: string[] = [];
  otherEvents = 0;
  total = 0;
  private waiters = new Set<() => void>();

  static async open(url: string, clients: number, procs: number): Promise<ClientPool> {
    const pool = new ClientPool();
    pool.total = clients;
    const per = Math.ceil(clients / procs);
    const ready: Array<Promise<void>> = [];
    for (let p = 0, offset = 0; offset < clients; p++, offset += per) {
      const n = Math.min(per, clients - offset);
      const child = spawnBenchChild(`sse-client-${p}`, 'bench/latency-client.ts', { ...process.env, SSE_URL: url, CLIENTS: String(n), LABEL: `sse-client-${p}` }, { ipc: true });
      pool.children.push(child);
      const base = offset;
      ready.push(
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${child.name} did not connect ${n} clients:\n${child.tail.join('\n')}`)), 120_000);
          child.proc.on('message', (msg: any) => {
            if (msg.type === 'ready') {
              clearTimeout(timer);
              resolve();
            } else if (msg.type === 'error') {
              clearTimeout(timer);
              reject(new Error(`${child.name}: ${msg.message}`));
            } else if (msg.type === 'meta') {
              if (!pool.meta.has(msg.id)) {
                pool.meta.set(msg.id, { itemId: msg.itemId, title: msg.title, firstSeenAt: msg.firstSeenAt });
                if (msg.title) pool.eventByTitle.set(msg.title, msg.id);
              }
            } else if (msg.type === 'arrivals') {
              for (const [, id, t1] of msg.batch as Array<[number, string, number]>) {
                let list = pool.arrivals.get(id);
                if (!list) pool.arrivals.set(id, (list = []));
                list.push(t1);
              }
              for (const w of [...pool.waiters]) w();
            } else if (msg.type === 'closed') {
              pool.problems.push(`client ${base + msg.client} closed: ${msg.reason}`);
            } else if (msg.type === 'other') {
              pool.otherEvents++;
              pool.problems.push(`client ${base + msg.client} got event ${msg.event}`);
            }
          });
          child.proc.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`${child.name} exited (${code}):\n${child.tail.join('\n')}`));
          });
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** Resolves with the event id and every client's arrival time once all clients got the item. */
  async waitFor(title: string, timeoutMs: number): Promise<{ eventId: string | null; arrivals: number[] }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const eventId = this.eventByTitle.get(title) ?? null;
      const arrivals = eventId ? (this.arrivals.get(eventId) ?? []) : [];
      if (arrivals.length >= this.total || Date.now() > deadline) return { eventId, arrivals };
      await new Promise<void>((resolve) => {
        const done = () => {
          this.waiters.delete(done);
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(done, 200);
        this.waiters.add(done);
      });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.children.map((c) => stopBenchChild(c)));
  }
}

// ---------------------------------------------------------------- statistics

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface Dist {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

function dist(values: number[]): Dist {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 10) / 10;
  return {
    n: s.length,
    p50: r(pct(s, 50)),
    p90: r(pct(s, 90)),
    p99: r(pct(s, 99)),
    max: r(s.at(-1) ?? NaN),
    mean: r(s.reduce((a, b) => a + b, 0) / (s.length || 1)),
  };
}

// ---------------------------------------------------------------- samples

interface Sample {
  seq: number;
  title: string;
  tTrigger: number;
  tFirstReq: number | null;
  t0: number | null;
  eventId: string | null;
  itemId: string | null;
  firstSeenAt: number | null;
  xaddMs: number | null;
  arrivals: number[];
  expected: number;
  tag?: { created: number; processedOn: number; finishedOn: number; batch: number };
}

interface Env {
  base: string;
  feedId: string;
  live: LiveFeed;
  items: LiveItem[];
  next: number;
}

/** Appends one new relevant item to the live feed, polls it and waits until every client has the event. */
async function runSample(env: Env, pool: ClientPool, timeoutMs = CFG.sampleTimeoutMs): Promise<Sample> {
  const item = env.items[env.next++];
  if (!item) throw new Error('ran out of sample items');
  item.pubDate = new Date().toUTCString();
  env.live.items.push(item);
  item.tTrigger = now();
  const res = await callApi(env.base, ADMIN_TOKEN, 'POST', `/api/feeds/${env.feedId}/poll`);
  if (res.status !== 202) throw new Error(`poll answered ${res.status}: ${JSON.stringify(res.json)}`);
  const { eventId, arrivals } = await pool.waitFor(item.title, timeoutMs);
  const meta = eventId ? pool.meta.get(eventId) : undefined;
  return {
    seq: item.seq,
    title: item.title,
    tTrigger: item.tTrigger,
    tFirstReq: item.tFirstReq ?? null,
    t0: item.t0 ?? null,
    eventId,
    itemId: meta?.itemId ?? null,
    firstSeenAt: meta?.firstSeenAt ?? null,
    xaddMs: eventId ? Number(eventId.split('-')[0]) : null,
    arrivals: [...arrivals],
    expected: pool.total,
  };
}

/** Attaches the tag job (BullMQ hash: created, processedOn, finishedOn) that carried each sample's item. */
async function attachTagJobs(redis: Redis, prefix: string, samples: Sample[]): Promise<{ bulkJobMs: Dist; bulkItemsPerSecond: number | null }> {
  const qp = `{${prefix}}:tag`;
  const ids = await redis.zrange(`${qp}:completed`, 0, -1);
  const pipe = redis.pipeline();
  for (const id of ids) pipe.hmget(`${qp}:${id}`, 'data', 'timestamp', 'processedOn', 'finishedOn');
  const rows = ((await pipe.exec()) ?? []).map(([, v]) => v as Array<string | null>);
  const byItem = new Map<string, Sample['tag']>();
  for (const [data, ts, proc, fin] of rows) {
    if (!data) continue;
    let itemIds: string[] = [];
    try {
      itemIds = (JSON.parse(data) as { itemIds: string[] }).itemIds;
    } catch {
      continue;
    }
    const job = { created: Number(ts), processedOn: Number(proc), finishedOn: Number(fin), batch: itemIds.length };
    for (const id of itemIds) if (!byItem.has(id)) byItem.set(id, job);
  }
  for (const s of samples) {
    const job = s.itemId ? byItem.get(s.itemId) : undefined;
    if (job) s.tag = job;
  }
  // How long the tag worker spends on one bulk batch (the ingest's 100-item jobs).
  const bulk = [...new Set(byItem.values())].filter((j) => j && j.batch >= 50) as Array<NonNullable<Sample['tag']>>;
  const busy = bulk.reduce((a, j) => a + (j.finishedOn - j.processedOn), 0);
  return {
    bulkJobMs: dist(bulk.map((j) => j.finishedOn - j.processedOn)),
    bulkItemsPerSecond: busy > 0 ? Math.round(bulk.reduce((a, j) => a + j.batch, 0) / (busy / 1000)) : null,
  };
}

/** Why items may not be reaching the stream: failed or retrying jobs of the app, with their reasons. */
async function pipelineTrouble(redis: Redis, prefix: string): Promise<string> {
  const out: string[] = [];
  for (const queue of ['poll', 'tag']) {
    const qp = `{${prefix}}:${queue}`;
    const ids = [...(await redis.zrange(`${qp}:failed`, -3, -1)), ...(await redis.zrange(`${qp}:delayed`, -3, -1))];
    for (const id of ids) {
      const [reason, attempts] = await redis.hmget(`${qp}:${id}`, 'failedReason', 'atm');
      if (reason) out.push(`${queue} job ${id} (attempts ${attempts}): ${reason}`);
    }
  }
  return out.length ? `app job failures: ${out.join(' | ')}` : 'no failed jobs in the poll or tag queues';
}

interface ScenarioResult {
  name: string;
  clients: number;
  samples: number;
  missing: number;
  latencyMs: Dist;
  target: { p99Ms: number };
  pass: boolean;
  /** Per sample: first and last client's arrival (fan-out spread across clients). */
  firstClientMs?: Dist;
  lastClientMs?: Dist;
  triggerToClientMs: Dist;
  breakdownMs: Record<string, Dist>;
  problems: string[];
  ingest?: unknown;
  /** Machine CPU during the scenario (share of all CPUs), the app's cores, and everything else's share. */
  load?: ReturnType<ReturnType<typeof loadWatch>>;
}

function summarise(name: string, samples: Sample[], clients: number, targetP99: number, problems: string[]): ScenarioResult {
  const latencies: number[] = [];
  const first: number[] = [];
  const last: number[] = [];
  let missing = 0;
  for (const s of samples) {
    if (s.t0 === null || s.arrivals.length < s.expected) missing += s.expected - (s.t0 === null ? 0 : s.arrivals.length);
    if (s.t0 === null) continue;
    const l = s.arrivals.map((t1) => t1 - s.t0!);
    latencies.push(...l);
    if (l.length > 0) {
      first.push(Math.min(...l));
      last.push(Math.max(...l));
    }
  }
  const b = (f: (s: Sample) => number | null) =>
    dist(samples.map((s) => f(s)).filter((v): v is number => v !== null && Number.isFinite(v)));
  const medianArrival = (s: Sample) => (s.arrivals.length ? [...s.arrivals].sort((x, y) => x - y)[Math.floor(s.arrivals.length / 2)]! : null);
  const breakdownMs: Record<string, Dist> = {
    'trigger → poll start (poll queue)': b((s) => (s.firstSeenAt !== null ? s.firstSeenAt - s.tTrigger : null)),
    'poll start → t0 (fetch)': b((s) => (s.firstSeenAt !== null && s.t0 !== null ? s.t0 - s.firstSeenAt : null)),
    't0 → tag job queued (parse+store)': b((s) => (s.tag && s.t0 !== null ? s.tag.created - s.t0 : null)),
    'tag job wait (queued → picked up)': b((s) => (s.tag ? s.tag.processedOn - s.tag.created : null)),
    'picked up → XADD (tagging+write)': b((s) => (s.tag && s.xaddMs !== null ? s.xaddMs - s.tag.processedOn : null)),
    'XADD → client (hub+render+fan-out)': b((s) => {
      const m = medianArrival(s);
      return s.xaddMs !== null && m !== null ? m - s.xaddMs : null;
    }),
    't0 → XADD': b((s) => (s.t0 !== null && s.xaddMs !== null ? s.xaddMs - s.t0 : null)),
  };
  const latencyMs = dist(latencies);
  return {
    name,
    clients,
    samples: samples.length,
    missing,
    latencyMs,
    target: { p99Ms: targetP99 },
    pass: missing === 0 && latencyMs.n > 0 && latencyMs.p99 <= targetP99,
    ...(clients > 1 ? { firstClientMs: dist(first), lastClientMs: dist(last) } : {}),
    triggerToClientMs: dist(samples.flatMap((s) => s.arrivals.map((t1) => t1 - s.tTrigger))),
    breakdownMs,
    problems: problems.slice(0, 20),
  };
}

// ---------------------------------------------------------------- scenarios

async function sequentialScenario(name: string, env: Env, redis: Redis, prefix: string, streamUrl: string, clients: number, procs: number, count: number, gapMs: number): Promise<ScenarioResult> {
  log(`-- ${name}: opening ${clients} SSE client(s) in ${procs} process(es)`);
  const t = Date.now();
  const pool = await ClientPool.open(streamUrl, clients, procs);
  log(`   connected in ${Date.now() - t} ms; ${CFG.warmup} warm-up + ${count} samples`);
  await sleep(500);
  try {
    let misses = 0;
    const checked = async () => {
      const s = await runSample(env, pool);
      misses = s.arrivals.length < s.expected ? misses + 1 : 0;
      if (misses >= 3) throw new Error(`3 samples in a row never reached the clients; ${await pipelineTrouble(redis, prefix)}`);
      return s;
    };
    for (let i = 0; i < CFG.warmup; i++) await checked();
    const samples: Sample[] = [];
    for (let i = 0; i < count; i++) {
      samples.push(await checked());
      await sleep(gapMs);
    }
    await attachTagJobs(redis, prefix, samples);
    return summarise(name, samples, clients, TARGETS.idleP99Ms, pool.problems);
  } finally {
    await pool.close();
  }
}

async function ingestScenario(env: Env, redis: Redis, prefix: string, streamUrl: string, children: Child[]): Promise<ScenarioResult> {
  const total = CFG.ingestFeeds * CFG.ingestItems;
  log(`-- ingest-1: feed farm of ${CFG.ingestFeeds} feeds × ${CFG.ingestItems} items, 1 SSE client, a sample every ${CFG.ingestIntervalMs} ms`);
  const farm = spawnBenchChild('feed farm', 'bench/feed-farm.ts', {
    ...process.env,
    FARM_FEEDS: String(CFG.ingestFeeds),
    FARM_ITEMS: String(CFG.ingestItems),
    FARM_HOSTS: '10',
    FARM_SEED: String(Math.floor(Math.random() * 1e9)),
  });
  children.push(farm);
  const info = await new Promise<{ hosts: Array<{ host: string; port: number }>; paths: string[] }>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`feed farm did not start:\n${farm.tail.join('\n')}`)), 60_000);
    farm.proc.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buffer.slice(0, nl)));
      } catch {
        reject(new Error(`feed farm said: ${buffer.slice(0, 300)}`));
      }
    });
    farm.proc.once('exit', () => reject(new Error(`feed farm exited:\n${farm.tail.join('\n')}`)));
  });
  const urls = info.paths.map((p, i) => {
    const h = info.hosts[i % info.hosts.length]!;
    return `http://${h.host}:${h.port}${p}`;
  });

  const pool = await ClientPool.open(streamUrl, 1, 1);
  const keys = { items: `{${prefix}}:items`, untagged: `{${prefix}}:untagged`, tagWait: `{${prefix}}:tag:wait`, pollWait: `{${prefix}}:poll:wait` };
  const baseItems = await redis.zcard(keys.items);
  try {
    // Warm-up with the farm idle, as in the other scenarios.
    for (let i = 0; i < CFG.warmup; i++) {
      const s = await runSample(env, pool);
      if (s.arrivals.length < s.expected) throw new Error(`a warm-up sample never reached the client; ${await pipelineTrouble(redis, prefix)}`);
    }

    const progress: Array<{ tMs: number; stored: number; untagged: number; tagQueue: number; pollQueue: number }> = [];
    const tStart = now();
    const nextAtStart = env.next;
    let tStored: number | null = null;
    let tDone: number | null = null;
    let registered = 0;
    let registerMs = 0;
    const monitor = (async () => {
      while (tDone === null) {
        const counts = ((await redis.pipeline().zcard(keys.items).zcard(keys.untagged).llen(keys.tagWait).llen(keys.pollWait).exec()) ?? []).map(
          ([, v]) => Number(v),
        );
        const [stored = 0, untagged = 0, tagQueue = 0, pollQueue = 0] = counts;
        const t = now();
        // Farm items stored so far (the sample items added since the start are not counted).
        const farmStored = stored - baseItems - (env.next - nextAtStart);
        progress.push({ tMs: Math.round(t - tStart), stored: farmStored, untagged, tagQueue, pollQueue });
        if (tStored === null && farmStored >= total) tStored = t;
        if (tStored !== null && untagged === 0 && tagQueue === 0 && registered === urls.length) tDone = t;
        if (t - tStart > 300_000) throw new Error('ingest did not finish in 300 s');
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
    const tagJobs = await attachTagJobs(redis, prefix, all);
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
    await stopBenchChild(farm);
  }
}

// ---------------------------------------------------------------- the benchmark

async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

function pct100(v: number | null): string {
  return v === null ? '?' : `${Math.round(v * 100)} %`;
}

function printTable(results: ScenarioResult[]): void {
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  log('');
  log(`${'scenario'.padEnd(11)}${pad('clients', 8)}${pad('pairs', 7)}${pad('miss', 6)}${pad('p50', 9)}${pad('p90', 9)}${pad('p99', 9)}${pad('max', 9)}${pad('target', 9)}  result`);
  for (const r of results) {
    const l = r.latencyMs;
    log(
      `${r.name.padEnd(11)}${pad(r.clients, 8)}${pad(l.n, 7)}${pad(r.missing, 6)}${pad(l.p50, 9)}${pad(l.p90, 9)}${pad(l.p99, 9)}${pad(l.max, 9)}${pad(`≤${r.target.p99Ms}`, 9)}  ${r.pass ? 'PASS' : 'FAIL'}`,
    );
  }
  log('(ms, poll end t0 → SSE item event at the client; pairs = client × event)');
  log('');
  log('where the time goes (per sample, ms, p50 / p99):');
  const stages = Object.keys(results[0]?.breakdownMs ?? {});
  log(`${''.padEnd(38)}${results.map((r) => pad(r.name, 18)).join('')}`);
  for (const st of stages) {
    log(`${st.padEnd(38)}${results.map((r) => pad(`${r.breakdownMs[st]!.p50} / ${r.breakdownMs[st]!.p99}`, 18)).join('')}`);
  }
  for (const r of results) {
    if (r.firstClientMs) log(`${r.name}: fan-out spread — first client p50 ${r.firstClientMs.p50} ms, last client p50 ${r.lastClientMs!.p50} ms, p99 ${r.lastClientMs!.p99} ms`);
    if (r.ingest) {
      const g = r.ingest as Record<string, unknown>;
      log(
        `${r.name}: ingest of ${g.items} items / ${g.feeds} feeds: registered in ${g.registerAllMs} ms, all stored at ${g.allStoredMs} ms, all tagged at ${g.allTaggedMs} ms ` +
          `(${g.itemsPerSecond} items/s), peak tag queue ${g.peakTagQueueJobs} jobs; samples in window ${g.samplesInWindow} of ${g.samplesStarted}`,
      );
      const tw = g.tagWorker as { bulkJobMs: Dist; bulkItemsPerSecond: number | null };
      log(
        `${r.name}: tag worker on bulk batches: ${tw.bulkJobMs.n} jobs, p50 ${tw.bulkJobMs.p50} ms / p99 ${tw.bulkJobMs.p99} ms per job, ${tw.bulkItemsPerSecond} items/s while busy (concurrency 1, FIFO)`,
      );
    }
    if (r.load) {
      const busy = r.load.otherCpuShare !== null && r.load.otherCpuShare > 0.25;
      log(
        `${r.name}: machine CPU ${pct100(r.load.machineCpuShare)} busy, app ${r.load.appCpuCores ?? '?'} cores, everything else ${pct100(r.load.otherCpuShare)}` +
          (busy ? '  ← other work on this machine: figures are pessimistic' : ''),
      );
    }
    if (r.problems.length) log(`${r.name}: problems: ${r.problems.slice(0, 5).join('; ')}`);
  }
}

/** The working tree under test: HEAD and the files of src/ changed against it (src may be edited while benches run). */
function sourceState(): { head: string | null; dirtySrc: string[] } {
  try {
    const git = (args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    return { head: git(['rev-parse', '--short', 'HEAD']), dirtySrc: git(['status', '--porcelain', '--', 'src', 'workers']).split('\n').filter(Boolean) };
  } catch {
    return { head: null, dirtySrc: [] };
  }
}

/** Set while a run is in progress: stops its children and deletes its keys (for SIGINT/SIGTERM). */
let emergencyCleanup: (() => Promise<void>) | null = null;

export async function runLatencyBench(): Promise<object> {
  const prefix = `bench-lat-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(CFG.redisUrl, { maxRetriesPerRequest: 3 });
  const children: Child[] = [];
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
    const appEnv = {
      ...process.env,
      REDIS_URL: CFG.redisUrl,
      REDIS_PREFIX: prefix,
      HOST: '127.0.0.1',
      PORT: String(port),
      ADMIN_TOKEN,
      FEEDS_FILE: '',
      ALLOW_PRIVATE_NETWORKS: 'true',
      LOG_LEVEL: 'warn',
      POLL_INTERVAL_SECONDS: '3600',
    };
    const app = spawnBenchChild('app', split ? 'workers/api.ts' : 'workers/all.ts', appEnv);
    children.push(app);
    if (split) children.push(spawnBenchChild('worker', 'workers/worker.ts', appEnv));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (app.exited) throw new Error(`the app exited:\n${app.tail.join('\n')}`);
      try {
        if ((await fetch(`${base}/readyz`)).status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the app did not become ready:\n${app.tail.join('\n')}`);
      await sleep(100);
    }
    const reg = await callApi(base, ADMIN_TOKEN, 'POST', '/api/feeds', { url: live.url, title: 'Latency Wire', intervalSeconds: 3600 });
    if (reg.status !== 201) throw new Error(`registering the live feed: ${reg.status} ${JSON.stringify(reg.json)}`);
    const env: Env = { base, feedId: reg.json.id, live, items, next: 0 };
    const streamUrl = `${base}/api/digests/${ANCHOR_ID}/stream?access_token=${ADMIN_TOKEN}`;
    log(`app pid ${app.proc.pid} on ${base}, prefix ${prefix}, ${os.cpus().length} CPUs, node ${process.version}, HEAD ${source.head}${source.dirtySrc.length ? ` + ${source.dirtySrc.length} changed src files` : ''}`);

    const results: ScenarioResult[] = [];
    for (const name of CFG.scenarios) {
      const watch = loadWatch(app.proc.pid);
      let r: ScenarioResult;
      if (name === 'idle-1') r = await sequentialScenario('idle-1', env, redis, prefix, streamUrl, 1, 1, CFG.idleSamples, 20);
      else if (name === 'idle-1000') r = await sequentialScenario('idle-1000', env, redis, prefix, streamUrl, CFG.clients, CFG.clientProcs, CFG.manySamples, 50);
      else if (name === 'ingest-1') r = await ingestScenario(env, redis, prefix, streamUrl, children);
      else throw new Error(`unknown scenario ${name}`);
      r.load = watch();
      results.push(r);
      if (app.exited) throw new Error(`the app exited:\n${app.tail.join('\n')}`);
    }
    printTable(results);
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
      pass: results.every((r) => r.pass),
      durationS: Math.round((Date.now() - started) / 100) / 10,
      appWarnings: app.tail.filter((l) => /"level":(40|50|60)/.test(l)).slice(-10),
    };
    await mkdir(path.join(ROOT, 'bench/results'), { recursive: true });
    await writeFile(path.join(ROOT, 'bench/results/latency.json'), `${JSON.stringify(out, null, 2)}\n`);
    log(`\nwrote bench/results/latency.json (${out.durationS} s)`);
    return out;
  } finally {
    emergencyCleanup = null;
    for (const c of children.reverse()) await stopBenchChild(c).catch(() => {});
    await live?.close().catch(() => {});
    try {
      const n = await deletePrefix(redis, prefix);
      log(`cleanup: children stopped, ${n} keys of {${prefix}} deleted`);
    } finally {
      redis.disconnect();
    }
  }
}

// Keep the tag-job id helper consistent with src/queue/queues.ts (used when debugging a sample).
export function tagJobIdOf(itemIds: string[]): string {
  return `tag-${createHash('sha1').update(itemIds.join(',')).digest('hex')}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
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
