import { Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { DeliveryChannels } from '../src/alerts/channels/channel.ts';
import type { Config } from '../src/config.ts';
import type { GuardedClient } from '../src/net/guarded-client.ts';
import type { MailSender } from '../src/net/smtp-mailer.ts';
import type { Metrics } from '../src/observability/metrics.ts';
import { AlertCatalog } from '../src/pipeline/alert-catalog.ts';
import { AnchorCatalog, STORY_REFRESH_MS } from '../src/pipeline/anchor-catalog.ts';
import { CollectionStatsRecorder } from '../src/pipeline/collection-stats-recorder.ts';
import { StoryInputs } from '../src/pipeline/story-inputs.ts';
import { OffLoopPipeline } from '../src/pipeline/off-loop-pipeline.ts';
import { pipelineThreadScript } from './pipeline-thread-script.ts';
import { articleTexts } from '../src/pipeline/article-text.ts';
import { readArticle } from '../src/pipeline/read-article.ts';
import { readArticleDepsOf } from './article-deps.ts';
import { websubDepsOf } from './websub-deps.ts';
import { noteHub, runWebSubJob } from '../src/pipeline/websub-subscription.ts';
import { discoverWebSub } from '../src/reader/websub-links.ts';
import { deliverAlert, type DeliverDeps } from '../src/pipeline/deliver-alert.ts';
import { evaluateSpikes, type SpikeDeps } from '../src/pipeline/evaluate-spikes.ts';
import { HOST_SLOT_LEASE_MS, HostLanes } from '../src/pipeline/host-lanes.ts';
import { pollFeeds, type PollDeps } from '../src/pipeline/poll-feed.ts';
import { retagAnchor, type RetagDeps } from '../src/pipeline/retag-anchor.ts';
import { scheduleTick, type TickDeps } from '../src/pipeline/schedule-tick.ts';
import { sweep, type SweepDeps } from '../src/pipeline/sweep.ts';
import { tagItems } from '../src/pipeline/tag-items.ts';
import { digestTick, DigestRetryError, sendDigest, type SendDigestDeps } from '../src/pipeline/send-digest.ts';
import { DigestReader } from '../src/pipeline/digest-reader.ts';
import { unsubscribeSigningKey } from './build-app-deps.ts';
import { QueueNames, type DeliverJob, type DigestJob, type PollJob, type RetagJob, type TagJob, type WebSubJob } from '../src/queue/queue-names.ts';
import { enqueueDeliveries, enqueueDelivery, enqueueDigestSend, enqueueScheduledPolls, enqueueTagging, POLL_BATCH_MAX, type Queues } from '../src/queue/queues.ts';
import type { Stores } from './open-stores.ts';

/** Running workers; `close` finishes or hands back held jobs, then returns. */
export interface RunningWorkers {
  /** Stops taking jobs and waits up to `graceMs` for active ones; what is still running then is handed back. */
  close(graceMs?: number): Promise<void>;
  /** Resolves once the anchors are compiled and the pipeline threads (if any) have loaded and been handed them; never rejects. */
  ready(): Promise<void>;
}

/** Timings tests and benchmarks shorten. */
export interface WorkerOptions {
  /** The longest a due feed waits to be claimed by the scheduler, ms (a burst of due feeds is claimed within SCHEDULE_CHECK_MS). */
  tickMs?: number;
  /** How often spike alerts are evaluated, ms. */
  spikeEveryMs?: number;
  /** How often the sweep (lost jobs, retention, stream age) runs, ms. */
  sweepEveryMs?: number;
  /** How often due digest subscriptions are queued, ms. */
  digestEveryMs?: number;
  /** Webhook retry steps, ms (tests shorten the day-long default). */
  webhookRetryDelaysMs?: readonly number[];
  /** How often anchors recompile with fresh collection statistics and coverage, ms. */
  storyRefreshMs?: number;
}

const TICK_MS = 1000;
/** How often each worker looks for due feeds: two Redis commands when none is due. */
const SCHEDULE_CHECK_MS = 100;
/** Poll jobs waiting beyond which the scheduler claims no more: claims would outwait their lease in the queue. */
const POLL_BACKLOG_MAX_JOBS = 200;
const SWEEP_MS = 30_000;
const SPIKE_EVERY_MS = 30_000;
const DIGEST_EVERY_MS = 30_000;
const TAG_CONCURRENCY = 4;
const TAG_LIVE_CONCURRENCY = 2;
/**
 * Live polls in flight per process: one feed each, cheap, but under a bulk ingest each takes
 * hundreds of ms, so a few slots let news asked for every 150 ms queue up behind itself.
 */
const POLL_LIVE_CONCURRENCY = 16;
const DELIVER_CONCURRENCY = 16;
/** Article pages one tagging pass reads at once (each still holds one of its host's slots). */
const ARTICLE_CONCURRENCY = 8;
/** Article pages one tagging pass (up to 100 items) reads at most; the rest are tagged with what they have. */
const ARTICLES_PER_PASS = 60;
/** A webhook receiver that does not answer within this is tried again later. */
const WEBHOOK_ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * Starts every worker of the system on one process: one BullMQ Worker per queue, each
 * calling one pipeline use case with the deps built here. Any number of such processes can
 * run against one Redis: BullMQ hands each job to one of them, and every job is idempotent.
 */
export async function startWorkers(
  config: Config,
  stores: Stores,
  queues: Queues,
  log: Logger,
  metrics: Metrics,
  io: { http: GuardedClient; mail: MailSender | null; channels: DeliveryChannels; publicUrl(): string },
  options: WorkerOptions = {},
): Promise<RunningWorkers> {
  const { http, mail, channels } = io;
  // A job held by a process that died is handed to another one after the lock lapses.
  const common = { connection: stores.queueConnection, lockDuration: config.jobLockMs, stalledInterval: config.jobLockMs };
  // Each queue's prefix is a hash tag of its own (see createQueues): the same for its workers.
  const on = (name: string) => ({ ...common, prefix: stores.keys.queuePrefix(name) });
  const leaseMs = config.fetchTotalTimeoutMs + 60_000;
  // Host slots are renewed while their request runs: a short lease frees a killed worker's slots soon.
  const retentionMs = config.retentionDays * 24 * 3600_000;
  // Parsing and tagging run on worker threads: both cores work, and the event loop (the API's
  // too, in a one-process install) keeps only I/O.
  const offLoop = config.pipelineThreads > 0 ? new OffLoopPipeline(pipelineThreadScript(), config.pipelineThreads) : null;
  // Loading a thread's modules takes seconds: meanwhile the steps run on the event loop.
  const threadsReady = offLoop?.ready().then(
    () => log.info({ threads: offLoop.threads }, 'pipeline threads ready'),
    (err: unknown) => log.error({ err }, 'pipeline threads did not start'),
  );
  const collection = new CollectionStatsRecorder(stores.collectionStats, log, offLoop ? { counter: { count: (items) => offLoop.countTerms(items), drain: () => offLoop.drainTerms() } } : {});
  const storyRefreshMs = options.storyRefreshMs ?? STORY_REFRESH_MS;
  const catalog = new AnchorCatalog(
    stores.anchors,
    new StoryInputs({ items: stores.items, feedback: stores.feedback, stats: stores.collectionStats, now: Date.now }),
    { refreshMs: storyRefreshMs },
  );
  // The story grows from coverage even when no item arrives: recompile once per period.
  const refreshStories = setInterval(() => void catalog.current().catch((err: unknown) => log.warn({ err }, 'anchor recompile failed')), storyRefreshMs);
  refreshStories.unref();
  // The anchors compile once, here, at start-up (while the threads load), and the threads are
  // handed them compiled: neither the first tag job nor a thread's first batch compiles them.
  // A later change (a new anchor, an edit, a verdict) is compiled by the catalog when a tag job
  // first sees it and handed to the threads with that job's first batch (OffLoopPipeline.share).
  const anchorsReady = Promise.all([catalog.current(), threadsReady]).then(
    ([entries]) => offLoop?.share(entries),
    (err: unknown) => log.warn({ err }, 'anchor compile at start-up failed'),
  );
  // One set of host lanes per process: polls and article reads share a host's slots.
  const hostLanes = new HostLanes({ slots: stores.feeds, hostConcurrency: config.hostConcurrency, leaseMs: HOST_SLOT_LEASE_MS, now: Date.now });
  const articleDeps = readArticleDepsOf(config, stores, http, metrics, hostLanes);
  const websubDeps = websubDepsOf(config, stores, queues, http, log, io.publicUrl);
  const tagDeps: RetagDeps = {
    items: stores.items,
    feeds: stores.feeds,
    alerts: stores.alerts,
    anchors: stores.anchors,
    catalog,
    alertCatalog: new AlertCatalog(stores.alerts, stores.anchors, log),
    channels,
    enqueueDeliveries: (ids) => enqueueDeliveries(queues.deliver, ids),
    now: Date.now,
    log,
    metrics,
    ...(offLoop ? { analyse: (anchors, items) => offLoop.analyse(anchors, items), bulkTurn: () => offLoop.bulkTurn() } : {}),
    articleTexts: (items, known) =>
      articleTexts(items, { feeds: stores.feeds, items: stores.items, readArticle: (url) => readArticle(url, articleDeps), mode: config.fullText, concurrency: ARTICLE_CONCURRENCY, maxPerPass: ARTICLES_PER_PASS, log }, known),
  };
  // Live news (a known feed's new items, a small tag batch) is analysed in the threads' live
  // lane, ahead of any backlog waiting there (see ThreadPool).
  // It takes no bulk turns: its steps run as soon as their replies are in.
  const { bulkTurn: _bulkOnly, ...liveBase } = tagDeps;
  const liveTagDeps: RetagDeps = offLoop ? { ...liveBase, analyse: (anchors, items) => offLoop.analyse(anchors, items, 'live') } : tagDeps;
  const spikeDeps: SpikeDeps = tagDeps;
  const deliverDeps: DeliverDeps = {
    alerts: stores.alerts,
    items: stores.items,
    channels,
    scheduleAttempt: (id, attempt, delayMs) => enqueueDelivery(queues.deliver, id, attempt, delayMs),
    now: Date.now,
    log,
    metrics,
    http,
    mail,
    attemptTimeoutMs: WEBHOOK_ATTEMPT_TIMEOUT_MS,
    ...(options.webhookRetryDelaysMs ? { retryDelaysMs: options.webhookRetryDelaysMs } : {}),
  };
  const pollDeps: PollDeps = {
    feeds: stores.feeds,
    items: stores.items,
    enqueueTagging: (ids) => enqueueTagging(queues, ids),
    countNewItems: (items) => collection.record(items),
    tagNow: (items, lane, fullTextModes) => tagItems(items.map((i) => i.id), lane === 'live' ? liveTagDeps : tagDeps, undefined, items, fullTextModes),
    ...(offLoop ? { readFeed: (body, contentType, ctx, limits, lane) => offLoop.read(body, contentType, ctx, limits, lane), bulkTurn: () => offLoop.bulkTurn() } : {}),
    now: Date.now,
    log,
    metrics,
    http,
    defaultIntervalSeconds: config.pollIntervalSeconds,
    minIntervalSeconds: config.pollMinIntervalSeconds,
    retentionMs,
    maxItemsPerFeed: config.maxItemsPerFeed,
    fetch: { totalTimeoutMs: config.fetchTotalTimeoutMs, maxBytes: config.fetchMaxBytes },
    hostLanes,
    ...(config.websubEnabled ? { onDocument: (feed, doc) => noteHub(feed, discoverWebSub(doc.body, doc.linkHeader, doc.finalUrl), websubDeps) } : {}),
  };
  const tickMs = options.tickMs ?? TICK_MS;
  const tickDeps: TickDeps = {
    feeds: stores.feeds,
    enqueuePolls: (due) => enqueueScheduledPolls(queues.poll, due),
    now: Date.now,
    leaseMs,
    minBatch: POLL_BATCH_MAX,
    maxWaitMs: tickMs,
  };
  const sweepDeps: SweepDeps = {
    items: stores.items,
    alerts: stores.alerts,
    anchors: stores.anchors,
    requeueDelivery: (id, attempt) => enqueueDelivery(queues.deliver, id, attempt),
    enqueueTagging: (ids) => enqueueTagging(queues, ids),
    now: Date.now,
    retentionMs,
  };

  const digestDeps: SendDigestDeps = {
    subscriptions: stores.subscriptions,
    anchors: stores.anchors,
    streams: stores.streams,
    reader: new DigestReader(stores),
    mail,
    signingKey: unsubscribeSigningKey(stores),
    publicUrl: io.publicUrl,
    now: Date.now,
    log,
  };
  // The schedule queue carries three repeatable jobs, told apart by name ("tick" only from an
  // older version's scheduler, removed below).
  const scheduled: Record<string, () => Promise<unknown>> = {
    digests: () => digestTick({ subscriptions: stores.subscriptions, enqueueSend: (id, period) => enqueueDigestSend(queues.digest, id, period), now: Date.now }),
    tick: () => scheduleTick(tickDeps),
    sweep: () => sweep(sweepDeps),
    spikes: async () => ({ fired: await evaluateSpikes(spikeDeps) }),
  };
  const runPollJob = async (job: Job<PollJob>) => {
    const ids = job.data.feedIds ?? (job.data.feedId ? [job.data.feedId] : []);
    const outcomes = await pollFeeds(ids, job.data.reason, pollDeps);
    // A short summary: the job history keeps it, and a batch's full outcomes would weigh on Redis.
    const counts: Record<string, number> = {};
    for (const o of outcomes) counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
    return counts;
  };
  const workers = [
    new Worker(QueueNames.schedule, (job: Job) => (scheduled[job.name] ?? scheduled.tick!)(), { ...on(QueueNames.schedule), concurrency: 1 }),
    new Worker<PollJob>(QueueNames.poll, runPollJob, { ...on(QueueNames.poll), concurrency: config.pollConcurrency }),
    // A known feed's poll someone asked for: slots of its own, never behind the bulk polls' backlog.
    new Worker<PollJob>(QueueNames.pollLive, runPollJob, { ...on(QueueNames.pollLive), concurrency: POLL_LIVE_CONCURRENCY }),
    // Tagging is mostly Redis round trips: a few jobs in flight keep the CPU busy.
    new Worker<TagJob>(QueueNames.tag, (job) => tagItems(job.data.itemIds, tagDeps), { ...on(QueueNames.tag), concurrency: TAG_CONCURRENCY }),
    new Worker<TagJob>(QueueNames.tagLive, (job) => tagItems(job.data.itemIds, liveTagDeps), { ...on(QueueNames.tagLive), concurrency: TAG_LIVE_CONCURRENCY }),
    new Worker<RetagJob>(QueueNames.retag, (job) => retagAnchor(job.data, tagDeps, (pct) => job.updateProgress(pct)), { ...on(QueueNames.retag), concurrency: 1 }),
    new Worker<WebSubJob>(QueueNames.websub, (job) => runWebSubJob(job.data, websubDeps), { ...on(QueueNames.websub), concurrency: 4 }),
    // A temporary SMTP failure fails the job: BullMQ retries it with its exponential backoff.
    new Worker<DigestJob>(
      QueueNames.digest,
      async (job) => {
        try {
          return await sendDigest(job.data.subscriptionId, job.data.period, digestDeps);
        } catch (err) {
          if (err instanceof DigestRetryError) log.warn({ subscriptionId: job.data.subscriptionId, reason: err.message }, 'digest e-mail will be retried');
          throw err;
        }
      },
      { ...on(QueueNames.digest), concurrency: 2 },
    ),
    new Worker<DeliverJob>(QueueNames.deliver, (job) => deliverAlert(job.data.deliveryId, deliverDeps), { ...on(QueueNames.deliver), concurrency: DELIVER_CONCURRENCY }),
  ];
  // Due feeds are claimed by a loop of each worker, not a queued tick: a check that finds nothing
  // costs two Redis commands, where a job costs dozens, so it can look every SCHEDULE_CHECK_MS
  // (claims are atomic: several workers never claim a feed twice).
  await queues.schedule.removeJobScheduler('tick');
  const ticks = startScheduleLoop(tickDeps, Math.min(SCHEDULE_CHECK_MS, tickMs), () => queues.poll.getWaitingCount(), log);
  await queues.schedule.upsertJobScheduler('sweep', { every: options.sweepEveryMs ?? SWEEP_MS }, { name: 'sweep' });
  await queues.schedule.upsertJobScheduler('digests', { every: options.digestEveryMs ?? DIGEST_EVERY_MS }, { name: 'digests' });
  await queues.schedule.upsertJobScheduler('spikes', { every: options.spikeEveryMs ?? SPIKE_EVERY_MS }, { name: 'spikes' });

  for (const worker of workers) {
    worker.on('failed', (job, err) => {
      metrics.jobFailures.inc({ queue: worker.name });
      log.error({ queue: worker.name, jobId: job?.id, err }, 'job failed');
    });
    worker.on('error', (err) => log.error({ queue: worker.name, err }, 'worker error'));
  }
  return {
    ready: () => anchorsReady,
    async close(graceMs = 7000) {
      clearInterval(refreshStories);
      await ticks.stop();
      const finished = Promise.all(workers.map((w) => w.close()));
      const timedOut = await Promise.race([finished.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref())]);
      if (timedOut) {
        // A slow fetch still running: let go of it. Its lock lapses and another worker
        // (or this one after a restart) takes the job again; polls and tags are idempotent.
        log.warn({ graceMs }, 'handing back jobs still running at shutdown');
        await Promise.all(workers.map((w) => w.close(true)));
      }
      await collection.flush();
      // Lingering host slots go back now rather than at their lease's end.
      await hostLanes.releaseIdle();
      await offLoop?.close();
    },
  };
}

/**
 * Claims due feeds every `everyMs` until stopped: at once again while a check claims all it may,
 * and not while the poll queue holds more than POLL_BACKLOG_MAX_JOBS waiting jobs after a claim.
 */
function startScheduleLoop(deps: TickDeps, everyMs: number, waitingPollJobs: () => Promise<number>, log: Logger): { stop(): Promise<void> } {
  let stopped = false;
  let claimedLast = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const check = async () => {
    try {
      for (;;) {
        if (claimedLast && (await waitingPollJobs()) > POLL_BACKLOG_MAX_JOBS) return;
        const { claimed, more } = await scheduleTick(deps);
        claimedLast = claimed > 0;
        if (!more || stopped) return;
      }
    } catch (err) {
      log.warn({ err }, 'schedule check failed');
    }
  };
  const arm = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = check().finally(() => {
        running = null;
        arm();
      });
    }, everyMs);
  };
  arm();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
