import type { Logger } from 'pino';
import { AppError, ErrorCodes, isAppError } from '../errors.ts';
import type { GuardedClient } from '../net/guarded-client.ts';
import { fetchFeed } from '../reader/fetch-feed.ts';
import type { readFeed } from '../reader/read-feed.ts';
import type { Lane } from './thread-pool.ts';
import { nextPollAfterError, nextPollAfterSuccess } from '../scheduling/next-poll-time.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { FeedRecord, FullTextMode, LastPoll } from '../model/feed.ts';
import type { StoredItem } from '../model/item.ts';
import type { FeedStore } from '../storage/feed-store.ts';
import type { ItemStore } from '../storage/item-store.ts';
import type { HostLanes } from './host-lanes.ts';
import { ingestDocument } from './ingest-document.ts';
import { pollLaneOf } from './poll-lane.ts';

/** What pollFeed needs from the outside world. */
export interface PollDeps {
  feeds: FeedStore;
  items: ItemStore;
  /** Queues tagging for stored items (idempotent: a repeated id changes nothing). */
  enqueueTagging(itemIds: string[]): Promise<void>;
  /** Counts newly stored items into the collection statistics (batched; optional in tests and benchmarks). */
  countNewItems?(items: ReadonlyArray<{ title: string; summary: string }>): void;
  /** Tags new items in this job, from the copies it holds (a routine poll's few items: cheaper than a queue hop). */
  tagNow?(items: StoredItem[], lane?: Lane, fullTextModes?: ReadonlyMap<string, FullTextMode | null>): Promise<unknown>;
  /** Reads a fetched document (a pipeline thread, in `lane`); absent: readFeed on this event loop. */
  readFeed?(...args: [...Parameters<typeof readFeed>, lane?: Lane]): ReturnType<typeof readFeed>;
  /** Waits for a turn of the event loop before a backlog document's next CPU stretch (ThreadPool.bulkTurn); absent: none. */
  bulkTurn?(): Promise<void>;
  now(): number;
  log: Logger;
  metrics: Metrics;
  defaultIntervalSeconds: number;
  minIntervalSeconds: number;
  /** Items published before now minus this are not stored: retention would only trim them again. */
  retentionMs: number;
  /** Items read from one document at most: the newest (MAX_ITEMS_PER_FEED). */
  maxItemsPerFeed: number;
  /** The process's guarded HTTP client. */
  http: Pick<GuardedClient, 'request'>;
  /** The per-host request slots every fetch is made in (HOST_CONCURRENCY across all workers). */
  hostLanes: Pick<HostLanes, 'run'>;
  fetch: {
    totalTimeoutMs: number;
    maxBytes: number;
  };
  /** Sees each fetched document after its items are stored (WebSub hub discovery); absent: nothing. */
  onDocument?(feed: FeedRecord, doc: { body: Buffer; linkHeader: string | null; finalUrl: string }): Promise<void>;
}

/** The result of one poll, for metrics and logs. */
export type PollOutcome =
  | { outcome: 'skipped' }
  | { outcome: 'not-modified' }
  | { outcome: 'ok'; newItems: number; seenItems: number; itemErrors: number; lastPoll: LastPoll }
  | { outcome: 'error'; code: string; message: string; disabled: boolean };

const WEEK_MS = 7 * 24 * 3600_000;
/**
 * How long a feed's count of last week's items is reused on 304s: it only falls as items age
 * out of the week, so an hour-old count polls a feed that went quiet a little early, never late.
 */
const WEEK_COUNT_REUSE_MS = 3600_000;

/** Feeds of one batch polled at once at most: enough to keep every host's slots busy. */
const BATCH_PARALLEL = 8;

/**
 * One poll job: a batch of feeds (one for a poll someone asked for), loaded in one round
 * trip and polled a few at a time. Each fetch waits for one of its host's slots, which are
 * handed from request to request (HostLanes), so the slots of a host with many due feeds
 * never idle and no poll is bounced back to the queue.
 */
export async function pollFeeds(feedIds: string[], reason: 'schedule' | 'manual', deps: PollDeps): Promise<PollOutcome[]> {
  const feeds = await deps.feeds.getMany(feedIds, { itemCount: false });
  const outcomes: PollOutcome[] = new Array(feedIds.length);
  let next = 0;
  const lane = async () => {
    while (next < feedIds.length) {
      const i = next++;
      const outcome = await pollFeed(feedIds[i]!, deps, reason, feeds[i] ?? null);
      deps.metrics.polls.inc({ outcome: outcome.outcome });
      if (deps.log.isLevelEnabled('debug')) deps.log.debug({ feedId: feedIds[i], ...outcome }, 'feed polled');
      outcomes[i] = outcome;
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_PARALLEL, feedIds.length) }, lane));
  return outcomes;
}

/**
 * Polls one feed: conditional fetch, decode, parse, normalise, store each item once,
 * queue the new ones for tagging, and reschedule. Every failure ends up on the feed
 * (`failing` + `lastError`, or `disabled` on 410) and never escapes, so one bad feed
 * cannot fail a job, stop its schedule or slow the others.
 */
export async function pollFeed(
  feedId: string,
  deps: PollDeps,
  reason: 'schedule' | 'manual' = 'schedule',
  loaded?: FeedRecord | null,
): Promise<PollOutcome> {
  const feed = loaded === undefined ? await deps.feeds.get(feedId) : loaded;
  // A disabled feed is polled only when someone asks: a success brings it back.
  if (!feed || (feed.status === 'disabled' && reason !== 'manual')) return { outcome: 'skipped' };
  const started = deps.now();
  const baseIntervalSeconds = feed.intervalSeconds ?? deps.defaultIntervalSeconds;
  const policy = {
    baseIntervalSeconds,
    // A feed its hub pushes to is polled at the ceiling only: a safety net, not the news path.
    minIntervalSeconds: feed.push?.state === 'subscribed' ? baseIntervalSeconds : deps.minIntervalSeconds,
  };
  try {
    const stopFetchTimer = deps.metrics.fetchDuration.startTimer();
    let fetched;
    try {
      // Only the request holds the host's slot: parsing and storing happen after it is handed on.
      fetched = await deps.hostLanes.run(feed.url, () =>
        fetchFeed(deps.http, feed.url, { etag: feed.etag, lastModified: feed.lastModified, ...deps.fetch }),
      );
      stopFetchTimer({ outcome: fetched.kind === 'ok' ? 'ok' : 'not-modified' });
    } catch (err) {
      stopFetchTimer({ outcome: 'error' });
      throw err;
    }
    if (fetched.permanentUrl && fetched.permanentUrl !== feed.url) {
      const moved = await deps.feeds.changeUrl(feed.id, feed.url, fetched.permanentUrl);
      deps.log.info({ feedId, from: feed.url, to: fetched.permanentUrl, moved }, 'feed moved permanently');
    }
    if (fetched.kind === 'not-modified') {
      // The same document as last time: the count from the last read holds, until items age out of its week.
      const fresh = feed.weekItems && started - feed.weekItems.at >= 0 && started - feed.weekItems.at < WEEK_COUNT_REUSE_MS;
      const weekItems = fresh ? feed.weekItems! : { count: await deps.items.countFeedItemsSince(feedId, started - WEEK_MS), at: started };
      const itemsLastWeek = weekItems.count;
      await deps.feeds.update(feedId, {
        status: 'active',
        lastPolledAt: started,
        lastStatus: 304,
        lastError: null,
        errorCount: 0,
        // The same document as last time: the same items, none of them new.
        lastPoll: feed.lastPoll === null ? null : { ...feed.lastPoll, itemsNew: 0 },
        ...(fresh ? {} : { weekItems }),
        nextPollAt: nextPollAfterSuccess(deps.now(), policy, itemsLastWeek, { ttlSeconds: null, cache: fetched.cache }),
      });
      return { outcome: 'not-modified' };
    }

    // A feed read before brings news; its first document is an archive (a backlog's lane).
    const lane: Lane = pollLaneOf(feed);
    const doc = { body: fetched.body, contentType: fetched.contentType, baseUrl: fetched.finalUrl, lane, countSince: started - WEEK_MS, fullText: feed.fullText };
    const { read, newItems, seenItems, lastPoll, feedItemsSince } = await ingestDocument(feedId, doc, started, deps);
    await deps.onDocument?.(feed, { body: fetched.body, linkHeader: fetched.linkHeader ?? null, finalUrl: fetched.finalUrl });
    // The index step counted last week's items as it stored them; a document without items did not.
    const itemsLastWeek = feedItemsSince ?? (await deps.items.countFeedItemsSince(feedId, started - WEEK_MS));
    await deps.feeds.update(feedId, {
      status: 'active',
      title: feed.title ?? read.feed.title,
      lastPoll,
      weekItems: { count: itemsLastWeek, at: started },
      lastPolledAt: started,
      lastStatus: fetched.status,
      lastError: null,
      errorCount: 0,
      etag: fetched.etag,
      lastModified: fetched.lastModified,
      nextPollAt: nextPollAfterSuccess(deps.now(), policy, itemsLastWeek, {
        ttlSeconds: read.feed.ttlSeconds,
        cache: fetched.cache,
      }),
    });
    return { outcome: 'ok', newItems, seenItems, itemErrors: read.itemErrors.length, lastPoll };
  } catch (err) {
    if (!isAppError(err)) {
      // Not a feed problem (Redis away, a bug): let the job fail and BullMQ retry it.
      throw err;
    }
    return recordFailure(feedId, feed.errorCount + 1, err, started, policy, deps);
  }
}

async function recordFailure(
  feedId: string,
  errorCount: number,
  err: AppError,
  started: number,
  policy: { baseIntervalSeconds: number; minIntervalSeconds: number },
  deps: PollDeps,
): Promise<PollOutcome> {
  const status = err.code === ErrorCodes.httpStatus ? Number(err.details.status) : null;
  const retryAfter = typeof err.details.retryAfterSeconds === 'number' ? err.details.retryAfterSeconds : null;
  // 410 Gone is the publisher saying the feed is over: stop, visibly.
  const disabled = status === 410;
  await deps.feeds.update(feedId, {
    status: disabled ? 'disabled' : 'failing',
    lastPolledAt: started,
    lastStatus: status,
    lastError: err.message,
    errorCount,
    nextPollAt: disabled ? null : nextPollAfterError(deps.now(), policy, errorCount, retryAfter),
  });
  deps.log.warn({ feedId, code: err.code, reason: err.message, errorCount, disabled }, 'feed poll failed');
  return { outcome: 'error', code: err.code, message: err.message, disabled };
}
