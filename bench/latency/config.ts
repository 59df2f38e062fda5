/** Settings of the latency benchmark (bench/latency.ts), read once from the environment. */
import { performance } from 'node:perf_hooks';
import { envNumber } from '../env-number.ts';
import { redisUrl } from '../redis-url.ts';

/** The admin token the latency run gives its app. */
export const ADMIN_TOKEN = 'bench-latency-admin-token-0123456789abcdef';
/** The anchor whose digest stream the SSE clients follow. */
export const ANCHOR_ID = 'muscat-talks';
/** p99 latency targets: idle, and while a bulk ingest runs. */
export const TARGETS = { idleP99Ms: 100, ingestP99Ms: 1000 };

/** Sizes and timings of the run (LAT_* environment variables). */
export const CFG = {
  idleSamples: envNumber('LAT_IDLE_SAMPLES', 100),
  manySamples: envNumber('LAT_MANY_SAMPLES', 50),
  clients: envNumber('LAT_CLIENTS', 1000),
  clientProcs: envNumber('LAT_CLIENT_PROCS', 2),
  ingestFeeds: envNumber('LAT_INGEST_FEEDS', 100),
  ingestItems: envNumber('LAT_INGEST_ITEMS', 100),
  ingestIntervalMs: envNumber('LAT_INGEST_INTERVAL_MS', 150),
  warmup: envNumber('LAT_WARMUP', 5),
  /** Items the live feed shows (newest last), as a real feed keeps its latest entries. */
  feedWindow: 20,
  sampleTimeoutMs: 15_000,
  redisUrl,
  scenarios: (process.env.LAT_SCENARIOS ?? 'idle-1,idle-1000,bare-sse,ingest-1').split(',').map((s) => s.trim()),
};

/** Wall-clock ms with sub-ms resolution, the same clock as the SSE client children's. */
export const now = () => performance.timeOrigin + performance.now();

/** A progress line on stdout. */
export const log = (s: string) => process.stdout.write(`${s}\n`);
