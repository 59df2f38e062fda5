import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';
import { createHash } from 'node:crypto';
import type { Keys } from '../storage/keys.ts';
import { deliveryJobId, digestJobId, manualPollJobId, QueueNames, scheduledBatchJobId, type DeliverJob, type DigestJob, type PollJob, type RetagJob, type TagJob, type WebSubJob } from './queue-names.ts';

/** Job options per queue: keep a bounded history, retry transient failures with backoff. */
const jobDefaults: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
};

/** The producer side of every queue, shared by the API and the workers. */
export interface Queues {
  schedule: Queue;
  poll: Queue<PollJob>;
  pollLive: Queue<PollJob>;
  tag: Queue<TagJob>;
  tagLive: Queue<TagJob>;
  retag: Queue<RetagJob>;
  deliver: Queue<DeliverJob>;
  websub: Queue<WebSubJob>;
  digest: Queue<DigestJob>;
  /** Every queue, for metrics and the queue dashboard. */
  all: Queue[];
  close(): Promise<void>;
}

/**
 * Opens the queues on one connection, each under a prefix of its own: the prefix is a hash
 * tag, so all of one queue's keys share a slot (BullMQ's scripts need that on a Redis
 * Cluster) while different queues spread over the masters.
 */
export function createQueues(connection: ConnectionOptions, keys: Keys): Queues {
  const open = <T>(name: string, defaultJobOptions: DefaultJobOptions = jobDefaults) => new Queue<T>(name, { connection, prefix: keys.queuePrefix(name), defaultJobOptions });
  const schedule = open<unknown>(QueueNames.schedule, { removeOnComplete: true, removeOnFail: { count: 100 } });
  const poll = open<PollJob>(QueueNames.poll);
  const pollLive = open<PollJob>(QueueNames.pollLive);
  const tag = open<TagJob>(QueueNames.tag);
  const tagLive = open<TagJob>(QueueNames.tagLive);
  const retag = open<RetagJob>(QueueNames.retag);
  const deliver = open<DeliverJob>(QueueNames.deliver);
  const websub = open<WebSubJob>(QueueNames.websub);
  const digest = open<DigestJob>(QueueNames.digest);
  const all: Queue[] = [schedule, poll, pollLive, tag, tagLive, retag, deliver, websub, digest] as Queue[];
  return {
    schedule,
    poll,
    pollLive,
    tag,
    tagLive,
    retag,
    deliver,
    websub,
    digest,
    all,
    async close() {
      await Promise.all(all.map((q) => q.close()));
    },
  };
}

/** Batches up to this size are live news and go first; larger ones are backfill (a new feed's archive). */
const LIVE_BATCH_MAX = 10;

/**
 * Queues a tagging batch; the job id is derived from the ids so a repeated add is ignored
 * while it waits. Small batches (the few new items of a routine poll) go to the live queue,
 * which has workers of its own, so a breaking story is never stuck behind a freshly added
 * feed's backlog.
 */
export async function enqueueTagging(queues: Pick<Queues, 'tag' | 'tagLive'>, itemIds: string[]): Promise<void> {
  if (itemIds.length === 0) return;
  const jobId = `tag-${createHash('sha1').update(itemIds.join(',')).digest('hex')}`;
  await (itemIds.length <= LIVE_BATCH_MAX ? queues.tagLive : queues.tag).add('tag', { itemIds }, { jobId });
}

/** Queues an attempt of a webhook delivery after `delayMs`. */
export async function enqueueDelivery(queue: Queue<DeliverJob>, deliveryId: string, attempt: number, delayMs = 0): Promise<void> {
  await queue.add('deliver', { deliveryId }, { jobId: deliveryJobId(deliveryId, attempt), delay: Math.max(0, delayMs) });
}

/** Queues the first attempt of each new delivery. */
export async function enqueueDeliveries(queue: Queue<DeliverJob>, deliveryIds: string[]): Promise<void> {
  for (const id of deliveryIds) await enqueueDelivery(queue, id, 1);
}

/** Due feeds one poll job carries at most. */
export const POLL_BATCH_MAX = 50;

/**
 * Queues the polls of claimed feeds in jobs of up to POLL_BATCH_MAX feeds, so the queue's
 * bookkeeping is paid once per batch; each job id is derived from its feeds and due times,
 * so a tick run twice adds each once.
 */
export async function enqueueScheduledPolls(queue: Queue<PollJob>, due: Array<{ id: string; dueAt: number }>): Promise<void> {
  if (due.length === 0) return;
  // Spread evenly: 41 due feeds make three jobs of 14, not 20 + 20 + 1.
  const jobs = Math.ceil(due.length / POLL_BATCH_MAX);
  const size = Math.ceil(due.length / jobs);
  const batches: Array<Array<{ id: string; dueAt: number }>> = [];
  for (let i = 0; i < due.length; i += size) batches.push(due.slice(i, i + size));
  const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
  await queue.addBulk(
    batches.map((b) => ({ name: 'poll', data: { feedIds: b.map((d) => d.id), reason: 'schedule' as const }, opts: { jobId: scheduledBatchJobId(b, sha1) } })),
  );
}

/**
 * Manual polls one job carries at most: a new feed brings a whole document to store and tag, so
 * a job of a few ends well within the workers' shutdown grace even on a loaded machine.
 */
const MANUAL_BATCH_MAX = 10;

/** Manual polls asked for while an earlier add is on its way, per queue: they go as one job next. */
const manualPolls = new WeakMap<Queue<PollJob>, { waiting: Array<{ feedId: string; now: number; done: (err?: unknown) => void }>; sending: boolean }>();

/**
 * Queues a poll someone asked for: a unique job id, so it runs even when a scheduled one is
 * waiting. Polls asked for while the previous add is on its way (an OPML import registering
 * feeds side by side) go out together as one job, so the queue's bookkeeping is paid once per
 * group, not per feed; a lone request is added at once.
 */
export function enqueueManualPoll(queue: Queue<PollJob>, feedId: string, now: number): Promise<void> {
  let state = manualPolls.get(queue);
  if (!state) manualPolls.set(queue, (state = { waiting: [], sending: false }));
  const group = state;
  return new Promise((resolve, reject) => {
    group.waiting.push({ feedId, now, done: (err) => (err === undefined ? resolve() : reject(err)) });
    if (group.sending) return;
    group.sending = true;
    void (async () => {
      while (group.waiting.length > 0) {
        const batch = group.waiting.splice(0, MANUAL_BATCH_MAX);
        try {
          const data: PollJob = batch.length === 1 ? { feedId: batch[0]!.feedId, reason: 'manual' } : { feedIds: batch.map((b) => b.feedId), reason: 'manual' };
          const jobId = batch.length === 1 ? manualPollJobId(batch[0]!.feedId, batch[0]!.now) : manualPollJobId(`${batch[0]!.feedId}+${batch.length - 1}`, batch[0]!.now);
          await queue.add('poll', data, { jobId });
          for (const b of batch) b.done();
        } catch (err) {
          for (const b of batch) b.done(err ?? new Error('poll not queued'));
        }
      }
      group.sending = false;
    })();
  });
}

/**
 * Queues a poll someone asked for in its lane: the live queue has workers of its own, so a known
 * feed's poll is taken at once however many new feeds' first polls are queued or running.
 */
export function enqueuePollNow(queues: Pick<Queues, 'poll' | 'pollLive'>, feedId: string, lane: 'live' | 'bulk', now: number): Promise<void> {
  return enqueueManualPoll(lane === 'live' ? queues.pollLive : queues.poll, feedId, now);
}

/** Queues a background re-tag for an anchor's entity version; one job per version, however often asked. */
export async function enqueueRetag(queue: Queue<RetagJob>, anchorId: string, version: number, options: { recent?: boolean } = {}): Promise<void> {
  await queue.add('retag', { anchorId, version, ...(options.recent ? { recent: true } : {}) }, { jobId: `retag-${anchorId}-${version}` });
}

/**
 * Queues a WebSub request to a hub, after `delayMs` (a renewal before the lease ends). The id
 * names the feed, action and `at` (the request time or lease end), so a repeated add is ignored.
 */
export async function enqueueWebSub(queue: Queue<WebSubJob>, job: WebSubJob, at: number, delayMs = 0): Promise<void> {
  const key = createHash('sha1').update(`${job.hub} ${job.topic}`).digest('hex').slice(0, 12);
  await queue.add('websub', job, { jobId: `websub-${job.action}-${job.feedId}-${key}-${at}`, delay: Math.max(0, delayMs) });
}

/**
 * Queues the digest e-mail of a subscription for a period; a second add of the same period is
 * ignored while the first waits or runs. A finished job of a period that is still due (it used
 * up its retries while the mail server was away, or found another worker's lease) is removed
 * first, so the next tick tries the period again.
 */
export async function enqueueDigestSend(queue: Queue<DigestJob>, subscriptionId: string, period: string): Promise<void> {
  const jobId = digestJobId(subscriptionId, period);
  const previous = await queue.getJob(jobId);
  const state = previous ? await previous.getState() : null;
  if (previous && (state === 'failed' || state === 'completed')) await previous.remove();
  await queue.add('digest', { subscriptionId, period }, { jobId });
}
