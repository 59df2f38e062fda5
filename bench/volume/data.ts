/**
 * The volume benchmark's data: a million item ids with publication times of a diurnal and weekly
 * shape, the entity indexes with realistic shares, written straight into Redis as the app's
 * write scripts would leave them (index ZSETs plus their hourly-count hashes).
 */
import type { Redis } from 'ioredis';

/** One day in ms. */
export const DAY = 86_400_000;
/** Members per ZADD, and entries per pipeline round trip, when populating. */
const ZADD_PER_COMMAND = 1000;
const ENTRIES_PER_PIPELINE = 10_000;

/** Share of all items that mention an entity; keys not listed get DEFAULT_SHARE. */
const SHARES: Record<string, number> = {
  iran: 0.3,
  us: 0.25,
  trump: 0.12,
  oman: 0.1,
  muscat: 0.06,
  tehran: 0.05,
  israel: 0.05,
  araghchi: 0.03,
  witkoff: 0.03,
  'carrier-group': 0.01,
  merz: 0.008,
  erdogan: 0.008,
  isw: 0.004,
};
const DEFAULT_SHARE = 0.01;
/** Entities of the talks themselves: half of their mentions fall in the last BURST_DAYS. */
const BURSTY = new Set(['muscat', 'oman', 'araghchi', 'witkoff']);
const BURST_DAYS = 14;

/** Diurnal × weekly weight of an instant, in (0, 1]. */
function weight(t: number): number {
  const d = new Date(t);
  const h = d.getUTCHours() + d.getUTCMinutes() / 60;
  const diurnal = (1 + 0.6 * Math.cos((2 * Math.PI * (h - 13)) / 24)) / 1.6;
  const dow = d.getUTCDay();
  return diurnal * (dow === 0 || dow === 6 ? 0.7 : 1);
}

/** Ascending publication times over [start, end) and their ids. */
export function generateItems(n: number, start: number, end: number, rnd: () => number): { times: Float64Array; ids: string[] } {
  const times = new Float64Array(n);
  for (let i = 0; i < n; ) {
    const t = start + Math.floor(rnd() * (end - start));
    if (rnd() <= weight(t)) times[i++] = t;
  }
  times.sort();
  const hex8 = () => Math.floor(rnd() * 4294967296).toString(16).padStart(8, '0');
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) ids[i] = hex8() + hex8() + hex8();
  return { times, ids };
}

/**
 * Writes the hourly counts the app keeps beside an index (`*-hourly` hashes: UTC hour number →
 * members published in it). In the app the write scripts keep them in step with the index;
 * here they are computed from the same timestamps, with the same hour rule.
 */
export async function hsetHourly(redis: Redis, key: string, indexes: ArrayLike<number>, times: Float64Array): Promise<void> {
  const perHour = new Map<number, number>();
  for (let j = 0; j < indexes.length; j++) {
    const hour = Math.floor(times[indexes[j]!]! / 3_600_000);
    perHour.set(hour, (perHour.get(hour) ?? 0) + 1);
  }
  const flat: Array<string | number> = [];
  for (const [hour, n] of perHour) flat.push(hour, n);
  for (let i = 0; i < flat.length; i += 2000) await redis.hset(key, ...flat.slice(i, i + 2000));
}

/** ZADDs (score, member) pairs in commands of ZADD_PER_COMMAND, ENTRIES_PER_PIPELINE per round trip. */
export async function zaddAll(redis: Redis, key: string, indexes: ArrayLike<number>, times: Float64Array, ids: string[]): Promise<void> {
  for (let i = 0; i < indexes.length; i += ENTRIES_PER_PIPELINE) {
    const pipeline = redis.pipeline();
    const end = Math.min(indexes.length, i + ENTRIES_PER_PIPELINE);
    for (let j = i; j < end; j += ZADD_PER_COMMAND) {
      const args: Array<string | number> = [];
      for (let k = j; k < Math.min(end, j + ZADD_PER_COMMAND); k++) {
        const idx = indexes[k]!;
        args.push(times[idx]!, ids[idx]!);
      }
      pipeline.zadd(key, ...args);
    }
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
  }
}

/** Count of sorted `times` in each [bounds[i], bounds[i+1]). */
export function histogram(sortedTimes: ArrayLike<number>, bounds: number[]): number[] {
  const out = new Array<number>(bounds.length - 1).fill(0);
  let b = 0;
  for (let i = 0; i < sortedTimes.length; i++) {
    const t = sortedTimes[i]!;
    if (t < bounds[0]!) continue;
    while (b < out.length && t >= bounds[b + 1]!) b++;
    if (b >= out.length) break;
    out[b]!++;
  }
  return out;
}

/** One entity index to write: the entity's share of items, whether it is bursty, and the items (indexes into `times`) it gets. */
export interface EntityPlan {
  key: string;
  share: number;
  bursty: boolean;
  pRecent: number;
  pOld: number;
  list: number[];
}

/**
 * Draws which items mention each entity: its share of all items, half of a bursty entity's
 * mentions in the last BURST_DAYS (approximately: items are not uniform in time).
 */
export function planEntityIndexes(entityKeys: string[], times: Float64Array, genNow: number, days: number, rnd: () => number): EntityPlan[] {
  const recentFrom = genNow - BURST_DAYS * DAY;
  const recentFraction = BURST_DAYS / days;
  const plan = entityKeys.map((key) => {
    const share = SHARES[key] ?? DEFAULT_SHARE;
    const bursty = BURSTY.has(key);
    return { key, share, bursty, pRecent: bursty ? Math.min(1, (share * 0.5) / recentFraction) : share, pOld: bursty ? (share * 0.5) / (1 - recentFraction) : share, list: [] as number[] };
  });
  for (let i = 0; i < times.length; i++) {
    const recent = times[i]! >= recentFrom;
    for (const p of plan) if (rnd() < (recent ? p.pRecent : p.pOld)) p.list.push(i);
  }
  return plan;
}
