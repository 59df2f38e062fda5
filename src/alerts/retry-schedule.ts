/**
 * When to try a webhook delivery again: exponential steps spread over about a day
 * (5 s, 1 min, 5 min, 30 min, 2 h, 5 h, 8 h, 8 h: the last attempt ~23.6 h after the first),
 * each with ±20 % jitter so retries from many alerts do not arrive together.
 */
export const RETRY_DELAYS_MS = [5_000, 60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 5 * 3600_000, 8 * 3600_000, 8 * 3600_000];

/** Delay before the next attempt after `attemptsMade` failed ones, or null when none is left. */
export function nextRetryDelayMs(attemptsMade: number, random: () => number = Math.random, delays: readonly number[] = RETRY_DELAYS_MS): number | null {
  const base = delays[attemptsMade - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** How an HTTP answer (or its absence) decides the delivery's fate. */
export type AttemptVerdict = 'delivered' | 'retry' | 'failed' | 'gone';

/**
 * 2xx delivers; 410 means the receiver is gone for good (the webhook is disabled); other
 * 4xx are permanent failures except 408 and 429, which like 5xx, timeouts and network
 * errors are retried.
 */
export function verdictOf(status: number | null): AttemptVerdict {
  if (status === null) return 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'gone';
  if (status === 408 || status === 429) return 'retry';
  if (status >= 400 && status < 500) return 'failed';
  return 'retry';
}
