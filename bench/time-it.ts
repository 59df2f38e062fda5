/** Wall time of synchronous work, for the in-process benchmarks (tagging, alerts). */

/** Seconds a synchronous function takes. */
export function timeIt(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
