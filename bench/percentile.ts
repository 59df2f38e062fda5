/** The order statistics and rounding the benchmarks report with. */

/** The nearest-rank p-th percentile of ascending `sorted` values; NaN when there are none. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** `x` rounded to `digits` decimals. */
export function round(x: number, digits = 0): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

/** n, min, p50, p90, p99, max and mean of ms values, to 0.01 ms. */
export function msStats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { n: s.length, min: round(s[0]!, 2), p50: round(percentile(s, 50), 2), p90: round(percentile(s, 90), 2), p99: round(percentile(s, 99), 2), max: round(s[s.length - 1]!, 2), mean: round(mean, 2) };
}
