/**
 * The spike test of a spike alert, as media-monitoring tools document it (news: a window
 * against a longer baseline): the count in the last window must be at least `factor` times
 * the baseline's rate scaled to the window's length, and at least `minCount`.
 */

/** The counting periods of a rule at a moment: [windowStart, now] and the baseline before it. */
export function spikePeriods(now: number, windowMinutes: number, baselineHours: number) {
  const windowMs = windowMinutes * 60_000;
  const baselineMs = baselineHours * 3600_000;
  return {
    windowMs,
    window: { from: now - windowMs, to: now },
    baseline: { from: now - windowMs - baselineMs, to: now - windowMs - 1 },
    baselineMs,
  };
}

/** The verdict of one evaluation. */
export interface SpikeVerdict {
  fires: boolean;
  /** The baseline's count scaled to one window (its expected count). */
  baseline: number;
}

/** Whether `windowCount` is a spike against `baselineCount` over the periods' lengths. */
export function judgeSpike(
  rule: { factor: number; minCount: number },
  windowCount: number,
  baselineCount: number,
  windowMs: number,
  baselineMs: number,
): SpikeVerdict {
  const baseline = baselineMs > 0 ? (baselineCount * windowMs) / baselineMs : 0;
  return { fires: windowCount >= rule.minCount && windowCount >= rule.factor * baseline, baseline };
}
