import { DelayedError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { AlertCatalog } from '../pipeline/alert-catalog.ts';
import { AnchorCatalog } from '../pipeline/anchor-catalog.ts';
import { deliverWebhook, type DeliverDeps } from '../pipeline/deliver-webhook.ts';
import { evaluateSpikes } from '../pipeline/evaluate-spikes.ts';
import { pollFeed, type PollDeps } from '../pipeline/poll-feed.ts';
import { tagItems, type TagDeps } from '../pipeline/tag-items.ts';
import { enqueueDelivery, enqueueTagging, type Queues } from '../queue/queues.ts';
import { QueueNames, scheduledPollJobId, type DeliverJob, type PollJob, type RetagJob, type TagJob } from '../queue/queue-names.ts';
import type { GuardedClient } from '../net/guarded-client.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Stores } from './open-stores.ts';

/** Running workers; `close` finishes or hands back held jobs, then returns. */
export interface RunningWorkers {
  /** Stops taking jobs and waits up to `graceMs` for active ones; what is still running then is handed back. */
  close(graceMs?: number): Promise<void>;
}

/** Options tests use to run workers against local servers. */
export interface WorkerOptions {
  addressPolicy?: (ip: string) => boolean;
  /** Tick period of the scheduler, ms. */
  tickMs?: number;
  /** How often spike alerts are evaluated, ms. */
  spikeEveryMs?: number;
  /** How often the sweep (lost jobs, retention, stream age) runs, ms. */
  sweepEveryMs?: number;
  /** Webhook retry steps, ms (tests shorten the day-long default). */
  webhookRetryDelaysMs?: readonly number[];
}

const TICK_MS = 1000;
const SWEEP_MS = 30_000;
const RETAG_WINDOW_MS = 30 * 24 * 3600 * 1000;
const RETAG_BATCH = 200;
/** Digest stream entries older than this are trimmed; a client that far behind reloads. */
const STREAM_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
const SPIKE_EVERY_MS = 30_000;
const TAG_CONCURRENCY = 4;
const TAG_LIVE_CONCURRENCY = 2;
/** Items retired per sweep at most, so one sweep never holds the queue for long. */
const RETIRE_PER_SWEEP = 20_000;
/** A webhook receiver that does not answer within this is tried again later. */
const WEBHOOK_ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * Starts every worker of the system on one process: the scheduler tick, polling, tagging
 * and re-tagging. Any number of such processes can run against one Redis: BullMQ hands
 * each job to one of them, and every job is idempotent.
 */
export async function startWorkers(
  config: Config,
  stores: Stores,
  queues: Queues,
  log: Logger,
  metrics: Metrics,
  http: GuardedClient,
  options: WorkerOptions = {},
): Promise<RunningWorkers> {
  const connection = stores.queueConnection;
  const prefix = stores.keys.queuePrefix;
  // A job held by a process that died is handed to another one after the lock lapses.
  const lock = { lockDuration: config.jobLockMs, stalledInterval: config.jobLockMs };
  const catalog = new AnchorCatalog(stores.anchors);
  const alertCatalog = new AlertCatalog(stores.alerts, stores.anchors, log);
  const leaseMs = config.fetchTotalTimeoutMs + 60_000;
  const enqueueDeliveries = async (ids: string[]) => {
    for (const id of ids) await enqueueDelivery(queues.deliver, id, 1);
  };
  const tagDeps: TagDeps = {
    items: stores.items,
    feeds: stores.feeds,
    alerts: stores.alerts,
    catalog,
    alertCatalog,
    enqueueDeliveries,
    now: Date.now,
    log,
    metrics,
  };
  const deliverDeps: DeliverDeps = {
    alerts: stores.alerts,
    scheduleAttempt: (id, attempt, delayMs) => enqueueDelivery(queues.deliver, id, attempt, delayMs),
    now: Date.now,
    log,
    http,
    attemptTimeoutMs: WEBHOOK_ATTEMPT_TIMEOUT_MS,
    observe: (outcome, itemId) => {
      metrics.webhookDeliveries.inc({ outcome });
      if (outcome !== 'delivered') return;
      void stores.items.getMany([itemId]).then(([item]) => {
        if (item?.hasPublishedDate) metrics.freshness.observe({ stage: 'delivered' }, Math.max(0, (Date.now() - item.publishedAt) / 1000));
      }, () => {});
    },
    ...(options.webhookRetryDelaysMs ? { retryDelaysMs: options.webhookRetryDelaysMs } : {}),
  };

  const pollDeps: PollDeps = {
    feeds: stores.feeds,
    items: stores.items,
    enqueueTagging: (ids) => enqueueTagging(queues, ids),
    now: Date.now,
    log,
    metrics,
    defaultIntervalSeconds: config.pollIntervalSeconds,
    retentionMs: config.retentionDays * 24 * 3600_000,
    maxItemsPerFeed: config.maxItemsPerFeed,
    minIntervalSeconds: config.pollMinIntervalSeconds,
    http,
    fetch: { totalTimeoutMs: config.fetchTotalTimeoutMs, maxBytes: config.fetchMaxBytes },
  };

  const scheduleWorker = new Worker(
    QueueNames.schedule,
    async (job: Job) => {
      const now = Date.now();
      if (job.name === 'spikes') {
        return { fired: await evaluateSpikes({ ...tagDeps, anchors: stores.anchors }) };
      }
      if (job.name === 'sweep') {
        // Deliveries whose next attempt is overdue (a lost job) are queued again, same job id.
        for (const { id } of await stores.alerts.dueDeliveries(now - SWEEP_MS, 1000)) {
          const delivery = await stores.alerts.getDelivery(id);
          if (delivery) await enqueueDelivery(queues.deliver, id, delivery.attempts + 1);
        }
        // Items whose tag job was lost (a crash between storing and queueing) are queued again.
        const ids = await stores.items.untaggedBefore(now - SWEEP_MS, 1000);
        for (let i = 0; i < ids.length; i += 100) await enqueueTagging(queues, ids.slice(i, i + 100));
        // Retention: old items leave every index at once; older spike series too.
        const cutoff = now - config.retentionDays * 24 * 3600_000;
        let retired = 0;
        for (let n = -1; n !== 0 && retired < RETIRE_PER_SWEEP; retired += n) n = await stores.items.retireBefore(cutoff, 500);
        for (const alert of await stores.alerts.listAll()) if (alert.spike) await stores.alerts.trimMatchesBefore(alert.id, cutoff);
        // Digest streams are capped by length as they grow, and by age here.
        for (const anchor of await stores.anchors.list()) {
          await stores.items.trimDigestStream(anchor.id, `${now - STREAM_MAX_AGE_MS}-0`);
        }
        return { requeued: ids.length, retired };
      }
      const due = await stores.feeds.claimDue(now, leaseMs, 500);
      if (due.length > 0) {
        await queues.poll.addBulk(
          due.map(({ id, dueAt }) => ({
            name: 'poll',
            data: { feedId: id, reason: 'schedule' as const },
            opts: { jobId: scheduledPollJobId(id, dueAt) },
          })),
        );
      }
      return { claimed: due.length };
    },
    { connection, prefix, concurrency: 1, ...lock },
  );
  await queues.schedule.upsertJobScheduler('tick', { every: options.tickMs ?? TICK_MS }, { name: 'tick' });
  await queues.schedule.upsertJobScheduler('sweep', { every: options.sweepEveryMs ?? SWEEP_MS }, { name: 'sweep' });
  await queues.schedule.upsertJobScheduler('spikes', { every: options.spikeEveryMs ?? SPIKE_EVERY_MS }, { name: 'spikes' });

  const pollWorker = new Worker<PollJob>(
    QueueNames.poll,
    async (job, token) => {
      const feed = await stores.feeds.get(job.data.feedId);
      if (!feed) return { outcome: 'skipped' };
      const host = safeHost(feed.url);
      const slotToken = `${job.id}`;
      const gotSlot = await stores.feeds.acquireHostSlot(host, slotToken, config.hostConcurrency, leaseMs, Date.now());
      if (!gotSlot) {
        // Every slot for this host is busy: come back shortly without counting an attempt.
        await job.moveToDelayed(Date.now() + 250 + Math.floor(Math.random() * 500), token);
        throw new DelayedError();
      }
      try {
        const outcome = await pollFeed(job.data.feedId, pollDeps, job.data.reason, feed);
        metrics.polls.inc({ outcome: outcome.outcome });
        log.debug({ feedId: job.data.feedId, ...outcome }, 'feed polled');
        return outcome;
      } finally {
        await stores.feeds.releaseHostSlot(host, slotToken);
      }
    },
    { connection, prefix, concurrency: config.pollConcurrency, ...lock },
  );

  // Tagging is mostly Redis round trips: a few jobs in flight keep the CPU busy.
  const tagWorker = new Worker<TagJob>(QueueNames.tag, async (job) => tagItems(job.data.itemIds, tagDeps), {
    connection,
    prefix,
    concurrency: TAG_CONCURRENCY,
    ...lock,
  });
  const tagLiveWorker = new Worker<TagJob>(QueueNames.tagLive, async (job) => tagItems(job.data.itemIds, tagDeps), {
    connection,
    prefix,
    concurrency: TAG_LIVE_CONCURRENCY,
    ...lock,
  });

  const retagWorker = new Worker<RetagJob>(
    QueueNames.retag,
    async (job) => {
      const anchor = await stores.anchors.get(job.data.anchorId);
      // A newer version supersedes this job: its own re-tag will do the work.
      if (!anchor || anchor.version !== job.data.version) return { superseded: true };
      const ids = await stores.items.idsSince(Date.now() - RETAG_WINDOW_MS, 1_000_000);
      let tagged = 0;
      for (let i = 0; i < ids.length; i += RETAG_BATCH) {
        const outcome = await tagItems(ids.slice(i, i + RETAG_BATCH), tagDeps, job.data.anchorId);
        tagged += outcome.tagged;
        await job.updateProgress(Math.round(((i + RETAG_BATCH) / ids.length) * 100));
      }
      log.info({ anchorId: job.data.anchorId, version: job.data.version, tagged }, 'anchor re-tagged');
      return { tagged };
    },
    { connection, prefix, concurrency: 1, ...lock },
  );

  const deliverWorker = new Worker<DeliverJob>(QueueNames.deliver, async (job) => deliverWebhook(job.data.deliveryId, deliverDeps), {
    connection,
    prefix,
    concurrency: 16,
    ...lock,
  });

  const workers = [scheduleWorker, pollWorker, tagWorker, tagLiveWorker, retagWorker, deliverWorker];
  for (const worker of workers) {
    worker.on('failed', (job, err) => {
      metrics.jobFailures.inc({ queue: worker.name });
      log.error({ queue: worker.name, jobId: job?.id, err }, 'job failed');
    });
    worker.on('error', (err) => log.error({ queue: worker.name, err }, 'worker error'));
  }
  return {
    async close(graceMs = 7000) {
      const finished = Promise.all(workers.map((w) => w.close()));
      const timedOut = await Promise.race([finished.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref())]);
      if (timedOut) {
        // A slow fetch still running: let go of it. Its lock lapses and another worker
        // (or this one after a restart) takes the job again; polls and tags are idempotent.
        log.warn({ graceMs }, 'handing back jobs still running at shutdown');
        await Promise.all(workers.map((w) => w.close(true)));
      }
    },
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid';
  }
}
