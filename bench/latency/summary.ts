/** The latency benchmark's figures: distributions, and one scenario's summary from its samples. */
import type { LoadReport } from '../cpu-sampler.ts';
import { percentile } from '../percentile.ts';
import type { Sample } from './samples.ts';

/** A distribution of ms values, rounded to 0.1. */
export interface Dist {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** The distribution of the finite `values`. */
export function dist(values: number[]): Dist {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 10) / 10;
  return {
    n: s.length,
    p50: r(percentile(s, 50)),
    p90: r(percentile(s, 90)),
    p99: r(percentile(s, 99)),
    max: r(s.at(-1) ?? NaN),
    mean: r(s.reduce((a, b) => a + b, 0) / (s.length || 1)),
  };
}

/** One scenario's result, as printed and written to bench/results/latency.json. */
export interface ScenarioResult {
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
  /** Growth of the API process's RSS while the clients connected, per connection. */
  memoryPerConnectionBytes?: number | null;
  /** The data bytes of each event (bare-sse: padded to the size of the app's item events). */
  eventDataBytes?: number;
  /** Machine CPU during the scenario (share of all CPUs), the app's cores, and everything else's share. */
  load?: LoadReport;
}

/** Summarises a scenario: latency over every client × event pair, the fan-out spread, and where the time went. */
export function summarise(name: string, samples: Sample[], clients: number, targetP99: number, problems: string[]): ScenarioResult {
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
  // A tag job counts only when it is what put the item in the digest (its run spans the XADD):
  // an item tagged in its poll's own job may still be queued again by the next poll, which saw
  // it stored but not yet tagged, and that job's times say nothing about this item's path.
  const tagOf = (s: Sample) => (s.tag && s.xaddMs !== null && s.tag.processedOn <= s.xaddMs && s.xaddMs <= s.tag.finishedOn ? s.tag : null);
  const breakdownMs: Record<string, Dist> = {
    'trigger → poll start (poll queue)': b((s) => (s.firstSeenAt !== null ? s.firstSeenAt - s.tTrigger : null)),
    'poll start → t0 (fetch)': b((s) => (s.firstSeenAt !== null && s.t0 !== null ? s.t0 - s.firstSeenAt : null)),
    't0 → tag job queued (parse+store)': b((s) => (tagOf(s) && s.t0 !== null ? tagOf(s)!.created - s.t0 : null)),
    'tag job wait (queued → picked up)': b((s) => (tagOf(s) ? tagOf(s)!.processedOn - tagOf(s)!.created : null)),
    'picked up → XADD (tagging+write)': b((s) => (tagOf(s) && s.xaddMs !== null ? s.xaddMs - tagOf(s)!.processedOn : null)),
    'XADD → client (hub+render+fan-out)': b((s) => {
      const m = medianArrival(s);
      return s.xaddMs !== null && m !== null ? m - s.xaddMs : null;
    }),
    't0 → XADD': b((s) => (s.t0 !== null && s.xaddMs !== null ? s.xaddMs - s.t0 : null)),
    't0 → XADD, tagged in the poll job': b((s) => (s.t0 !== null && s.xaddMs !== null && tagOf(s) === null ? s.xaddMs - s.t0 : null)),
    'XADD → last client': b((s) => (s.xaddMs !== null && s.arrivals.length ? Math.max(...s.arrivals) - s.xaddMs : null)),
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
