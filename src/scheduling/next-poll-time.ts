import type { CacheHints } from '../reader/feed-types.ts';

/** Polling policy knobs, from the config. */
export interface PollPolicy {
  /** The feed's base interval: the ceiling of the adaptive interval. */
  baseIntervalSeconds: number;
  /** The floor of the adaptive interval. */
  minIntervalSeconds: number;
}

const WEEK_SECONDS = 7 * 24 * 3600;
/** Server hints (TTL, max-age, Retry-After) are honoured up to a day, so a bad header cannot silence a feed. */
const MAX_HINT_SECONDS = 24 * 3600;
/** Error backoff stops growing at a day: a failing feed is still tried daily, never dropped. */
const MAX_BACKOFF_SECONDS = 24 * 3600;

/**
 * Adaptive interval after a successful poll, after Miniflux's entry-frequency scheduler:
 * a feed that published n items in the last week is polled every week/n seconds, clamped
 * between the floor and the feed's base interval. A busy wire feed is polled often, a
 * quiet blog at the base interval. Never sooner than the feed's TTL or the response's
 * Cache-Control / Expires allow (within a day).
 */
export function nextPollAfterSuccess(
  now: number,
  policy: PollPolicy,
  itemsLastWeek: number,
  hints: { ttlSeconds: number | null; cache: CacheHints | null },
): number {
  const floor = Math.min(policy.minIntervalSeconds, policy.baseIntervalSeconds);
  const ceiling = policy.baseIntervalSeconds;
  const byFrequency = itemsLastWeek > 0 ? WEEK_SECONDS / itemsLastWeek : ceiling;
  let seconds = Math.min(Math.max(byFrequency, floor), ceiling);
  seconds = Math.max(seconds, serverMinimumSeconds(now, hints));
  return now + Math.round(seconds * 1000);
}

/**
 * Next attempt after a failed poll: exponential backoff with full jitter on the base
 * interval (doubling per consecutive error, capped at a day), and never sooner than a
 * Retry-After the server sent.
 */
export function nextPollAfterError(
  now: number,
  policy: PollPolicy,
  consecutiveErrors: number,
  retryAfterSeconds: number | null,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(consecutiveErrors - 1, 0), 16);
  const cap = Math.min(policy.baseIntervalSeconds * 2 ** exponent, MAX_BACKOFF_SECONDS);
  // Jitter between half and the whole backoff: spread retries, keep the growth.
  let seconds = cap / 2 + random() * (cap / 2);
  if (retryAfterSeconds !== null) seconds = Math.max(seconds, Math.min(retryAfterSeconds, MAX_HINT_SECONDS));
  return now + Math.round(seconds * 1000);
}

function serverMinimumSeconds(now: number, hints: { ttlSeconds: number | null; cache: CacheHints | null }): number {
  let seconds = 0;
  if (hints.ttlSeconds !== null) seconds = Math.max(seconds, hints.ttlSeconds);
  const cache = hints.cache;
  if (cache) {
    if (cache.maxAgeSeconds !== null) seconds = Math.max(seconds, cache.maxAgeSeconds);
    else if (cache.expiresAt !== null) seconds = Math.max(seconds, (cache.expiresAt - now) / 1000);
    if (cache.retryAfterSeconds !== null) seconds = Math.max(seconds, cache.retryAfterSeconds);
  }
  return Math.min(seconds, MAX_HINT_SECONDS);
}
