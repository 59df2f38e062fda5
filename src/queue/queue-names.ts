/**
 * Queue names and the payload of each queue's jobs. Job ids are chosen so a repeated
 * add of the same work is ignored while the first one is still waiting.
 */

export const QueueNames = {
  /** Ticks that move due feeds into the poll queue. */
  schedule: 'schedule',
  /** Poll jobs: batches of due feeds, and the first poll of a newly registered feed (its archive). */
  poll: 'poll',
  /**
   * A poll someone asked for of a feed read before (its news, not its archive): its own queue
   * and workers, so it never waits for a slot behind a bulk ingest's polls.
   */
  pollLive: 'poll-live',
  /** Tags a large batch of items against every anchor (a new feed's backlog). */
  tag: 'tag',
  /** Tags the few new items of a routine poll: its own queue, so news never waits behind a backlog. */
  tagLive: 'tag-live',
  /** Re-tags recent items after an anchor's entities change. */
  retag: 'retag',
  /** One attempt of one webhook delivery. */
  deliver: 'deliver',
  /** WebSub subscription requests to hubs: subscribe, renew, unsubscribe. */
  websub: 'websub',
  /** One digest e-mail of one subscription and period. */
  digest: 'digest',
} as const;

export type QueueName = (typeof QueueNames)[keyof typeof QueueNames];

export interface PollJob {
  /** One feed (a poll someone asked for) … */
  feedId?: string;
  /** … or a batch of due feeds, polled by one job so the queue's bookkeeping is paid once per batch. */
  feedIds?: string[];
  /** 'schedule' for a due poll, 'manual' when the API asked. */
  reason: 'schedule' | 'manual';
}

export interface TagJob {
  itemIds: string[];
}

export interface RetagJob {
  anchorId: string;
  version: number;
  /** Only the most recent items (a verdict's re-scoring), not the whole re-tag window. */
  recent?: boolean;
}

export interface WebSubJob {
  action: 'subscribe' | 'unsubscribe';
  feedId: string;
  hub: string;
  topic: string;
}

export interface DeliverJob {
  deliveryId: string;
}

export interface DigestJob {
  subscriptionId: string;
  /** The scheduled send time (ms, as a string), or "manual-<ms>" for a send someone asked for. */
  period: string;
}

/** Job id of a digest e-mail: one per subscription and period, so ticks on several workers add it once. */
export function digestJobId(subscriptionId: string, period: string): string {
  return `digest-${subscriptionId}-${period}`;
}

/** Job id of a delivery attempt: one per delivery and attempt number, so a sweep re-adding it changes nothing. */
export function deliveryJobId(deliveryId: string, attempt: number): string {
  return `deliver-${deliveryId}-${attempt}`;
}

/** Job id of a batch of scheduled polls: one per set of feeds and due times, so a tick run twice adds it once. */
export function scheduledBatchJobId(due: Array<{ id: string; dueAt: number }>, digest: (text: string) => string): string {
  return `polls-${digest(due.map((d) => `${d.id}@${d.dueAt}`).join(','))}`;
}

/** Job id of a manual poll: unique, so it runs even when a scheduled one is waiting. */
export function manualPollJobId(feedId: string, now: number): string {
  return `poll-${feedId}-manual-${now}`;
}
