import { describe, expect, it } from 'vitest';
import { nextPollAfterError, nextPollAfterSuccess } from './next-poll-time.ts';

const now = Date.UTC(2026, 10, 29, 12);
const policy = { baseIntervalSeconds: 300, minIntervalSeconds: 60 };
const noHints = { ttlSeconds: null, cache: null };
const secondsUntil = (t: number) => (t - now) / 1000;

describe('nextPollAfterSuccess', () => {
  it('polls a feed with no recent items at its base interval', () => {
    expect(secondsUntil(nextPollAfterSuccess(now, policy, 0, noHints))).toBe(300);
  });

  it('polls a busy feed more often, down to the floor', () => {
    // 7 * 24 * 3600 / 2016 = 300 s; 4032 items → 150 s; 100,000 → floor.
    expect(secondsUntil(nextPollAfterSuccess(now, policy, 4032, noHints))).toBe(150);
    expect(secondsUntil(nextPollAfterSuccess(now, policy, 100_000, noHints))).toBe(60);
  });

  it('never polls a quiet feed less often than its base interval', () => {
    expect(secondsUntil(nextPollAfterSuccess(now, policy, 3, noHints))).toBe(300);
  });

  it('waits at least the TTL, max-age, Expires or Retry-After, within a day', () => {
    const cache = { maxAgeSeconds: null, expiresAt: null, retryAfterSeconds: null };
    expect(secondsUntil(nextPollAfterSuccess(now, policy, 100_000, { ttlSeconds: 1800, cache: null }))).toBe(1800);
    expect(secondsUntil(nextPollAfterSuccess(now, policy, 0, { ttlSeconds: null, cache: { ...cache, maxAgeSeconds: 900 } }))).toBe(900);
    expect(secondsUntil(nextPollAfterSuccess(now, policy, 0, { ttlSeconds: null, cache: { ...cache, expiresAt: now + 600_000 } }))).toBe(600);
    expect(secondsUntil(nextPollAfterSuccess(now, policy, 0, { ttlSeconds: null, cache: { ...cache, retryAfterSeconds: 1200 } }))).toBe(1200);
    expect(secondsUntil(nextPollAfterSuccess(now, policy, 0, { ttlSeconds: 10 * 24 * 3600, cache: null }))).toBe(24 * 3600);
  });
});

describe('nextPollAfterError', () => {
  it('backs off exponentially with jitter between half and the whole step', () => {
    const low = () => 0;
    const high = () => 1;
    expect(secondsUntil(nextPollAfterError(now, policy, 1, null, low))).toBe(150);
    expect(secondsUntil(nextPollAfterError(now, policy, 1, null, high))).toBe(300);
    expect(secondsUntil(nextPollAfterError(now, policy, 3, null, high))).toBe(1200);
    expect(secondsUntil(nextPollAfterError(now, policy, 4, null, low))).toBe(1200);
  });

  it('keeps trying at least daily however long a feed fails', () => {
    expect(secondsUntil(nextPollAfterError(now, policy, 50, null, () => 1))).toBe(24 * 3600);
  });

  it('honours Retry-After when it is later than the backoff', () => {
    expect(secondsUntil(nextPollAfterError(now, policy, 1, 3600, () => 1))).toBe(3600);
    expect(secondsUntil(nextPollAfterError(now, policy, 1, 10, () => 1))).toBe(300);
  });
});
