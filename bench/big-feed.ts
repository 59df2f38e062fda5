/**
 * Big-feed benchmark: one app process (`workers/all.ts`, real Redis, real HTTP) reads one RSS
 * document of 100,000 items (12 MB: half of them published in the last days, half older than
 * the retention window) three times: the first poll and two re-polls. Prints the process's
 * resident memory when idle and its peak (VmHWM) over the three reads, how long each read
 * took, the items stored and the feed's `lastPoll`; writes bench/results/big-feed.json.
 *
 * Env knobs: BIG_FEED_ITEMS (100000), MAX_ITEMS_PER_FEED (the app's default when unset),
 * REDIS_URL. Run alone with `tsx bench/big-feed.ts`, or through `npm run bench -- big-feed`.
 * The test test/big-feed.test.ts runs the same measurement and holds the peak to a bound.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { bigRssFeed } from '../test/helpers/big-feed.ts';
import { appEnv, waitForReady } from './app-process.ts';
import { spawnBenchChild, stopBenchChild } from './bench-child.ts';
import { writeBenchResult } from './bench-result.ts';
import { callApi } from './call-api.ts';
import { freePort } from './free-port.ts';
import { isMain } from './is-main.ts';
import { procMemoryBytes } from './process-memory.ts';
import { deletePrefixAndDisconnect } from './redis-prefix-cleanup.ts';
import { redisUrl } from './redis-url.ts';
import { printRows } from './report-table.ts';

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const MIB = 1024 * 1024;
const POLL_TIMEOUT_MS = 600_000;

/** What one run measured. */
export interface BigFeedResult {
  items: number;
  bytes: number;
  maxItemsPerFeed: string;
  /** Resident memory of the idle process before the feed was added. */
  idleRssMiB: number;
  /** Peak resident memory (VmHWM) of the process over the three reads. */
  peakRssMiB: number;
  /** Seconds from asking for each poll to the feed showing it done. */
  pollSeconds: number[];
  itemCount: number;
  lastPoll: unknown;
}

async function until<T>(what: string, check: () => Promise<T | null>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Runs the measurement: the app as a child process against a local feed server. `env` adds to
 * the app's environment (MAX_ITEMS_PER_FEED, for instance). The Redis prefix is removed after.
 */
export async function measureBigFeed(items = 100_000, env: Record<string, string> = {}): Promise<BigFeedResult> {
  const feed = bigRssFeed(items / 2, items / 2);
  const body = Buffer.from(feed.xml);
  const feedServer = createServer((req, res) => {
    res.setHeader('content-type', 'application/rss+xml');
    res.end(body);
  });
  await new Promise<void>((resolve) => feedServer.listen(0, '127.0.0.1', resolve));
  const feedUrl = `http://127.0.0.1:${(feedServer.address() as { port: number }).port}/big.xml`;
  const prefix = `bench-bigfeed-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawnBenchChild(
    'app',
    'workers/all.ts',
    appEnv(
      { redisUrl, prefix, port, adminToken: ADMIN_TOKEN },
      { ALLOW_PRIVATE_NETWORKS: 'true', FETCH_MAX_BYTES: String(32 * MIB), FETCH_TOTAL_TIMEOUT_MS: '60000', RETENTION_DAYS: '30', ...env },
    ),
  );
  const memory = (field: 'VmHWM' | 'VmRSS') => {
    const bytes = procMemoryBytes(child.pid, field);
    if (bytes === null) throw new Error(`the app exited:\n${child.tail.join('\n')}`);
    return bytes;
  };
  try {
    await waitForReady(base, [child], 60_000, 200);
    // Let start-up work (anchors, first ticks) settle before the idle figure is taken.
    await new Promise((r) => setTimeout(r, 3000));
    const idle = memory('VmRSS');
    const added = await callApi(base, ADMIN_TOKEN, 'POST', '/api/feeds', { url: feedUrl });
    if (added.status !== 201) throw new Error(`adding the feed answered ${added.status}: ${JSON.stringify(added.json)}`);
    const id = added.json.id as string;
    const pollSeconds: number[] = [];
    let last: { lastPolledAt: string | null; itemCount: number; lastPoll?: unknown; lastError: string | null } = added.json;
    for (let poll = 0; poll < 3; poll++) {
      const started = Date.now();
      if (poll > 0) {
        const asked = await callApi(base, ADMIN_TOKEN, 'POST', `/api/feeds/${id}/poll`);
        if (asked.status !== 202) throw new Error(`poll answered ${asked.status}`);
      }
      const before = poll === 0 ? null : last.lastPolledAt;
      last = await until(
        `poll ${poll + 1}`,
        async () => {
          if (child.exited) throw new Error(`the app exited:\n${child.tail.join('\n')}`);
          const { json } = await callApi(base, ADMIN_TOKEN, 'GET', `/api/feeds/${id}`);
          return json.lastPolledAt && json.lastPolledAt !== before ? json : null;
        },
        POLL_TIMEOUT_MS,
        250,
      );
      if (last.lastError) throw new Error(`poll ${poll + 1} failed: ${last.lastError}`);
      pollSeconds.push((Date.now() - started) / 1000);
    }
    // Tagging of what the first poll stored goes on after it: give it a moment to show in the peak.
    await new Promise((r) => setTimeout(r, 3000));
    return {
      items,
      bytes: body.length,
      maxItemsPerFeed: env.MAX_ITEMS_PER_FEED ?? 'default',
      idleRssMiB: Math.round((idle / MIB) * 10) / 10,
      peakRssMiB: Math.round((memory('VmHWM') / MIB) * 10) / 10,
      pollSeconds: pollSeconds.map((s) => Math.round(s * 100) / 100),
      itemCount: last.itemCount,
      lastPoll: last.lastPoll ?? null,
    };
  } finally {
    await stopBenchChild(child);
    await new Promise<void>((resolve) => feedServer.close(() => resolve()));
    await deletePrefixAndDisconnect(new Redis(redisUrl, { maxRetriesPerRequest: 1 }), prefix);
  }
}

/** `npm run bench -- big-feed`: prints the table and writes bench/results/big-feed.json. */
export async function runBigFeedBench(): Promise<BigFeedResult> {
  const items = Number(process.env.BIG_FEED_ITEMS ?? 100_000);
  const env: Record<string, string> = process.env.MAX_ITEMS_PER_FEED ? { MAX_ITEMS_PER_FEED: process.env.MAX_ITEMS_PER_FEED } : {};
  const result = await measureBigFeed(items, env);
  const rows: Array<[string, string]> = [
    ['items in the document', result.items.toLocaleString('en')],
    ['document size', `${(result.bytes / MIB).toFixed(1)} MiB`],
    ['MAX_ITEMS_PER_FEED', result.maxItemsPerFeed],
    ['idle RSS', `${result.idleRssMiB} MiB`],
    ['peak RSS over 3 reads', `${result.peakRssMiB} MiB`],
    ['poll seconds (1st, 2nd, 3rd)', result.pollSeconds.join(', ')],
    ['items stored', String(result.itemCount)],
    ['lastPoll', JSON.stringify(result.lastPoll)],
  ];
  printRows(rows, 30);
  await writeBenchResult('big-feed', result);
  return result;
}

if (isMain(import.meta.url)) {
  await runBigFeedBench();
}
