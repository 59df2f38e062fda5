import type { FeedStore } from '../storage/feed-store.ts';

/** What a scheduler tick needs. */
export interface TickDeps {
  feeds: FeedStore;
  /** Queues the polls of claimed feeds (one job id per feed and due time: idempotent). */
  enqueuePolls(due: Array<{ id: string; dueAt: number }>): Promise<void>;
  now(): number;
  /** How long a claim holds a feed: longer than any poll may take, so a running poll is not claimed twice. */
  leaseMs: number;
  /**
   * Due feeds are claimed once this many are due (a full poll batch) or the oldest has waited
   * `maxWaitMs`: a burst is polled at once, a trickle in batches rather than one job per feed.
   */
  minBatch?: number;
  maxWaitMs?: number;
}

/** Feeds one tick claims at most. */
export const CLAIM_LIMIT = 500;

/**
 * One tick of the scheduler: claims the feeds that are due (pushing each one's due time on by
 * the lease, so a poll lost with its process is claimed again when the lease ends) and queues
 * their polls. `more` says the tick claimed all it may: more may be due at once.
 */
export async function scheduleTick(deps: TickDeps): Promise<{ claimed: number; more: boolean }> {
  const due = await deps.feeds.claimDue(deps.now(), deps.leaseMs, CLAIM_LIMIT, {
    minBatch: deps.minBatch ?? 1,
    maxWaitMs: deps.maxWaitMs ?? 0,
  });
  await deps.enqueuePolls(due);
  return { claimed: due.length, more: due.length === CLAIM_LIMIT };
}
