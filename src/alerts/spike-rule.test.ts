import { describe, expect, it } from 'vitest';
import { judgeSpike, spikePeriods } from './spike-rule.ts';

describe('judgeSpike', () => {
  const rule = { factor: 3, minCount: 5 };
  const hourMs = 3600_000;

  it('fires on a burst well above the baseline rate', () => {
    // 24 items over 24 h = 1 per hour; 8 in the last hour is 8x.
    expect(judgeSpike(rule, 8, 24, hourMs, 24 * hourMs)).toEqual({ fires: true, baseline: 1 });
  });

  it('does not fire on a flat series', () => {
    expect(judgeSpike(rule, 6, 144, hourMs, 24 * hourMs).fires).toBe(false);
  });

  it('needs the minimum count even from a zero baseline', () => {
    expect(judgeSpike(rule, 4, 0, hourMs, 24 * hourMs).fires).toBe(false);
    expect(judgeSpike(rule, 5, 0, hourMs, 24 * hourMs).fires).toBe(true);
  });

  it('fires exactly at factor times the baseline', () => {
    expect(judgeSpike({ factor: 2, minCount: 1 }, 4, 48, hourMs, 24 * hourMs).fires).toBe(true);
    expect(judgeSpike({ factor: 2, minCount: 1 }, 3, 48, hourMs, 24 * hourMs).fires).toBe(false);
  });
});

describe('spikePeriods', () => {
  it('puts the baseline right before the window, without overlap', () => {
    const p = spikePeriods(1_000_000_000, 60, 24);
    expect(p.window).toEqual({ from: 1_000_000_000 - 3600_000, to: 1_000_000_000 });
    expect(p.baseline.to).toBe(p.window.from - 1);
    expect(p.baseline.from).toBe(p.window.from - 24 * 3600_000);
  });
});
