/**
 * The volume benchmark's checks and breakdown: every answer against the data the driver wrote,
 * and where hour-5's time goes, measured from the driver with the app's own ItemStore.
 */
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { Keys } from '../../src/storage/keys.ts';
import { ItemStore } from '../../src/storage/item-store.ts';
import { bucketBoundaries } from '../../src/volume/time-buckets.ts';
import { msStats } from '../percentile.ts';
import { histogram } from './data.ts';
import type { TimedGet } from './keep-alive-client.ts';
import type { EvalStats, VolumeAnswer } from './requests.ts';

/** One series of one answer: its sum against ZCOUNT over [from, to), and its buckets against the driver's counts. */
export interface SeriesCheck {
  variant: string;
  series: string;
  sum: number;
  zcount: number;
  bucketsMatchingDriver: number;
  buckets: number;
  ok: boolean;
}

/** The share variant: the total series against ZCOUNT of every item, and every share = count / total. */
export interface ShareCheck {
  totalSum: number;
  zcount: number;
  sharesOk: boolean;
  ok: boolean;
}

/**
 * Checks every answer: per series, the sum of its counts equals ZCOUNT over its [from, to) and
 * every bucket equals the count computed from `members` (item indexes into `times`, per entity key).
 */
export async function checkAnswers(
  redis: Redis,
  K: Keys,
  anchorId: string,
  answers: Map<string, VolumeAnswer>,
  members: Map<string, number[]>,
  times: Float64Array,
): Promise<{ ok: boolean; series: SeriesCheck[]; share: ShareCheck[] }> {
  const checks: SeriesCheck[] = [];
  const shareChecks: ShareCheck[] = [];
  for (const [name, answer] of answers) {
    const from = Date.parse(answer.from);
    const to = Date.parse(answer.to);
    const bounds = [...answer.series[0]!.points.map((p) => Date.parse(p.t)), to];
    for (const s of answer.series) {
      const sum = s.points.reduce((a, p) => a + p.count, 0);
      const zcount = await redis.zcount(K.entityItems(anchorId, s.key), from, `(${to}`);
      const list = members.get(s.key)!;
      const expected = histogram(
        list.map((i) => times[i]!),
        bounds,
      );
      const matching = expected.filter((c, i) => c === s.points[i]!.count).length;
      checks.push({ variant: name, series: s.key, sum, zcount, bucketsMatchingDriver: matching, buckets: expected.length, ok: sum === zcount && matching === expected.length });
    }
    if (name === 'hour-5-share') {
      const total = histogram(times, bounds);
      const zcount = await redis.zcount(K.items, from, `(${to}`);
      const totalSum = total.reduce((a, b) => a + b, 0);
      const sharesOk = answer.series.every((s) => s.points.every((p, i) => Math.abs((p.share ?? -1) - (total[i]! > 0 ? p.count / total[i]! : 0)) < 1e-12));
      shareChecks.push({ totalSum, zcount, sharesOk, ok: sharesOk && totalSum === zcount });
    }
  }
  return { ok: checks.every((c) => c.ok) && shareChecks.every((c) => c.ok), series: checks, share: shareChecks };
}

/**
 * Where hour-5's time goes, from this process: the same Redis pipeline (ItemStore.bucketCounts),
 * bucketBoundaries, a build + JSON.stringify of an answer of the same shape, and GET /healthz.
 */
export async function timeBreakdown(
  io: { redis: Redis; keys: Keys; get: TimedGet; base: string },
  anchorId: string,
  seriesKeys: string[],
  window: { fromIso: string; toIso: string },
  samples: number,
  hour: { answer: VolumeAnswer; responseBytes: unknown; evalStats: EvalStats | null },
) {
  const { redis, keys: K, get, base } = io;
  const hourFrom = Date.parse(window.fromIso);
  const hourTo = Date.parse(window.toIso);
  const volumeStore = new ItemStore(redis, K);
  const bd = { redisPipeline: [] as number[], bucketBoundaries: [] as number[], buildAndStringify: [] as number[], healthz: [] as number[] };
  for (let i = 0; i < samples + 5; i++) {
    let t = performance.now();
    const bounds = bucketBoundaries(hourFrom, hourTo, 'hour', 'UTC');
    const tBounds = performance.now() - t;
    t = performance.now();
    const counts = await volumeStore.bucketCounts(anchorId, seriesKeys, bounds, false);
    const tRedis = performance.now() - t;
    // The route's shaping: one ISO string per bucket, one point object per bucket and series.
    t = performance.now();
    const starts = bounds.slice(0, -1).map((b) => new Date(b).toISOString());
    const body = JSON.stringify({
      interval: 'hour',
      from: new Date(bounds[0]!).toISOString(),
      to: new Date(bounds[bounds.length - 1]!).toISOString(),
      tz: 'UTC',
      series: seriesKeys.map((key, s) => ({ key, name: key, points: counts.byEntity[s]!.map((count, j) => ({ t: starts[j]!, count })) })),
    });
    const tJson = performance.now() - t;
    if (body.length === 0) throw new Error('empty body');
    const h = await get(base, '/healthz', null);
    if (i >= 5) {
      bd.bucketBoundaries.push(tBounds);
      bd.redisPipeline.push(tRedis);
      bd.buildAndStringify.push(tJson);
      bd.healthz.push(h.ms);
    }
  }
  return {
    note: 'measured in this driver process, not inside the API: the same Redis pipeline (ItemStore.bucketCounts), bucketBoundaries, a build + JSON.stringify of an answer of the same shape, and GET /healthz (HTTP + middleware floor, no Redis)',
    redisPipelineMs: msStats(bd.redisPipeline),
    redisServerScriptUsecPerCall: hour.evalStats?.usecPerCall ?? null,
    redisServerZcountUsecPerCall: hour.evalStats?.zcountUsecPerCall ?? null,
    bucketBoundariesMs: msStats(bd.bucketBoundaries),
    buildAndStringifyMs: msStats(bd.buildAndStringify),
    healthzMs: msStats(bd.healthz),
    hourAnswerBytes: hour.responseBytes,
    hourAnswerBuckets: hour.answer.series[0]!.points.length,
  };
}
