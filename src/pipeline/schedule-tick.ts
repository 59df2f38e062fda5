import type { FeedStore } from '../storage/feed-store.ts';

/** What a scheduler tick needs. */
export interface TickDeps {
  feeds: FeedStore;
  /** Queues the polls of claimed feeds (one job id per feed and due time: idempotent). */
  enqueuePolls(due: Array<{ id: string; dueAt: number }>): Promise<void>;
  now(): number;
  /** How long a claim holds a feed: longer than any poll may take, so a running poll is not claimed twice. */
  leaseMs: number;
}

const CLAIM_LIMIT = 500;

/**
 * One tick of the scheduler: claims the feeds that are due (pushing each one's due time on by
 * the lease, so a poll lost with its process is claimed again when the lease ends) and queues
 * their polls.
 */
export async function scheduleTick(deps: TickDeps): Promise<{ claimed: number }> {
  const due = await deps.feeds.claimDue(deps.now(), deps.leaseMs, CLAIM_LIMIT);
  await deps.enqueuePolls(due);
  return { claimed: due.length };
}
