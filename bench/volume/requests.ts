/**
 * The volume benchmark's timed requests: GET /api/volume in three variants (hourly, daily, hourly
 * with shares) over the whole window, sequential on one keep-alive socket, with the Redis
 * server's own script time from INFO commandstats.
 */
import type { Redis } from 'ioredis';
import { msStats, round } from '../percentile.ts';
import { commandStat } from '../redis-info.ts';
import { DAY } from './data.ts';
import type { TimedGet } from './keep-alive-client.ts';


/** The route's answer, as far as the checks read it. */
export interface VolumeAnswer {
  interval: string;
  from: string;
  to: string;
  series: Array<{ key: string; points: Array<{ t: string; count: number; share?: number }> }>;
}

/** Server-side cost of hour-5's requests: script calls and their µs, ZCOUNT calls and theirs. */
export interface EvalStats {
  calls: number;
  usec: number;
  usecPerCall: number;
  zcountCalls: number;
  zcountUsecPerCall: number;
}

/** Everything the requests gave: the window asked for, a row per variant, each variant's first answer. */
export interface VariantTimings {
  fromIso: string;
  toIso: string;
  results: Array<Record<string, unknown>>;
  answers: Map<string, VolumeAnswer>;
  evalStats: EvalStats | null;
}

/** Times each variant: `warmup` requests (the first answer kept for the checks), then `samples` timed ones. */
export async function timeVariants(
  io: { redis: Redis; get: TimedGet; base: string; token: string },
  seriesKeys: string[],
  run: { days: number; samples: number; warmup: number; target: { p99Ms: number } },
): Promise<VariantTimings> {
  const { redis, get, base, token } = io;
  const now = Date.now();
  const fromIso = new Date(now - run.days * DAY).toISOString();
  const toIso = new Date(now).toISOString();
  const q = `entities=${seriesKeys.join(',')}&from=${encodeURIComponent(fromIso)}&to=${encodeURIComponent(toIso)}`;
  const variants = [
    { name: 'hour-5', route: `/api/volume?${q}&interval=hour`, target: true },
    { name: 'day-5', route: `/api/volume?${q}&interval=day`, target: false },
    { name: 'hour-5-share', route: `/api/volume?${q}&interval=hour&normalize=share`, target: false },
  ];
  const results: Array<Record<string, unknown>> = [];
  const answers = new Map<string, VolumeAnswer>();
  let evalStats: EvalStats | null = null;
  for (const v of variants) {
    for (let i = 0; i < run.warmup; i++) {
      const r = await get(base, v.route, token);
      if (r.status !== 200) throw new Error(`${v.name}: GET ${v.route} answered ${r.status}: ${r.body.slice(0, 500)}`);
      if (i === 0) answers.set(v.name, JSON.parse(r.body) as VolumeAnswer);
    }
    const evalBefore = await commandStat(redis, 'evalsha');
    const zcBefore = await commandStat(redis, 'zcount');
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < run.samples; i++) {
      const r = await get(base, v.route, token);
      if (r.status !== 200) throw new Error(`${v.name}: GET answered ${r.status}: ${r.body.slice(0, 500)}`);
      ms.push(r.ms);
      bytes = Buffer.byteLength(r.body);
    }
    const evalAfter = await commandStat(redis, 'evalsha');
    const zcAfter = await commandStat(redis, 'zcount');
    const answer = answers.get(v.name)!;
    const st = msStats(ms);
    const scriptCalls = evalAfter.calls - evalBefore.calls;
    const expectedCalls = seriesKeys.length + (v.name.endsWith('share') ? 1 : 0);
    const scriptUsec = evalAfter.usec - evalBefore.usec;
    const redisServerMsPerRequest = round(scriptUsec / 1000 / run.samples, 2);
    if (v.name === 'hour-5') {
      evalStats = {
        calls: scriptCalls,
        usec: scriptUsec,
        usecPerCall: round(scriptUsec / Math.max(1, scriptCalls)),
        zcountCalls: zcAfter.calls - zcBefore.calls,
        zcountUsecPerCall: round((zcAfter.usec - zcBefore.usec) / Math.max(1, zcAfter.calls - zcBefore.calls), 2),
      };
    }
    results.push({
      name: v.name,
      route: v.route,
      buckets: answer.series[0]!.points.length,
      series: answer.series.length + (v.name.endsWith('share') ? 1 : 0),
      responseBytes: bytes,
      ms: st,
      redisScriptCallsPerRequest: round(scriptCalls / run.samples, 2),
      expectedScriptCallsPerRequest: expectedCalls,
      // More script calls than this benchmark made: another client used the server's counters meanwhile.
      redisCountersShared: scriptCalls !== expectedCalls * run.samples,
      redisServerMsPerRequest,
      target: v.target ? run.target : null,
      pass: v.target ? st.p99 < run.target.p99Ms : null,
    });
    process.stdout.write(`volume: ${v.name} p50 ${st.p50} ms, p99 ${st.p99} ms\n`);
  }
  return { fromIso, toIso, results, answers, evalStats };
}
