import type { FullTextMode, LastPoll } from '../model/feed.ts';
import type { NormalizedItem, StoredItem } from '../model/item.ts';
import { readFeed, type ReadFeedResult } from '../reader/read-feed.ts';
import type { PackedRecords } from '../storage/item-codec.ts';
import type { PollDeps } from './poll-feed.ts';
import type { Lane } from './thread-pool.ts';

/** What one feed document did to the store. */
export interface IngestedDocument {
  read: ReadFeedResult;
  newItems: number;
  /** Items of the document that were stored before (seen). */
  seenItems: number;
  lastPoll: LastPoll;
  /** The feed's stored items published since `doc.countSince`, when asked and the document had items; else null. */
  feedItemsSince: number | null;
}

const TAG_BATCH = 100;
/**
 * New items a document tags itself at most; a larger one (a new feed's archive) goes to the
 * tag queue. The job holds them, so tagging them here saves reading and inflating them back
 * and a queue hop: on the ingest bench's 100-item documents, inline tagging cost less event
 * loop CPU and fewer Redis commands per item than the queue. The tagging itself runs on a
 * pipeline thread, so a few hundred items hold the job a fraction of a second.
 */
const TAG_INLINE_MAX = 200;

/**
 * The one path from a feed document's bytes to stored, tagged or queued items, shared by a
 * poll and a WebSub push: decode, parse, normalise (retention window and item cap), store each
 * item once (the dedupe key), then tag the few new ones in this job or queue them. Throws
 * AppError when the document as a whole is unusable.
 */
export async function ingestDocument(
  feedId: string,
  /** `fullText`: the feed's own full-text setting, when the caller holds its record (tagging then does not read it again). */
  doc: { body: Buffer; contentType: string | null; baseUrl: string; lane?: Lane; countSince?: number; fullText?: FullTextMode | null },
  started: number,
  deps: Pick<PollDeps, 'items' | 'enqueueTagging' | 'tagNow' | 'countNewItems' | 'log' | 'metrics' | 'maxItemsPerFeed' | 'retentionMs' | 'readFeed' | 'bulkTurn'>,
): Promise<IngestedDocument> {
  // Items older than the retention window are counted, not stored: retention would only trim them again.
  const ctx = { feedId, baseUrl: doc.baseUrl, now: started };
  const limits = { maxItems: deps.maxItemsPerFeed, notBefore: started - deps.retentionMs };
  const read = await (deps.readFeed ? deps.readFeed(doc.body, doc.contentType, ctx, limits, doc.lane) : readFeed(doc.body, doc.contentType, ctx, limits));
  for (const itemError of read.itemErrors) {
    deps.log.warn({ feedId, index: itemError.index, reason: itemError.message }, 'feed item skipped');
  }
  const fresh = read.items;
  // A thread that read the document encoded the records for this feed and time already.
  const records = (read as { records?: PackedRecords }).records;
  const { results, feedItemsSince } = await deps.items.ingest(feedId, fresh, started, records, doc.countSince);
  // A backlog's document goes on in a turn of its own: a live one's is not held behind it.
  if (doc.lane !== 'live') await deps.bulkTurn?.();
  const toTag: string[] = [];
  let newItems = 0;
  results.forEach((result, i) => {
    const item = fresh[i]!;
    if (result === 'new') {
      newItems++;
      if (item.hasPublishedDate) deps.metrics.freshness.observe({ stage: 'fetched' }, Math.max(0, (started - item.publishedAt) / 1000));
    }
    if (result !== 'seen') toTag.push(item.id);
  });
  deps.metrics.itemsIngested.inc(newItems);
  deps.countNewItems?.(fresh.filter((_, i) => results[i] === 'new'));
  await tagOrQueue(feedId, fresh, results, toTag, started, deps, doc.lane, doc.fullText === undefined ? undefined : new Map([[feedId, doc.fullText]]));
  const { itemsSeen, itemsTooOld, itemsRejected } = read.counts;
  return { read, newItems, seenItems: results.length - newItems, lastPoll: { itemsSeen, itemsNew: newItems, itemsTooOld, itemsRejected }, feedItemsSince };
}

/**
 * Tags a document's new items in the job when they are few (the job holds them), else queues
 * them; items seen before but not yet tagged are queued. Either way they stay in the untagged
 * index until tagged, so a crash or a failed inline pass is picked up by the queue or the
 * sweep: at least once, never lost.
 */
async function tagOrQueue(
  feedId: string,
  fresh: NormalizedItem[],
  results: string[],
  toTag: string[],
  started: number,
  deps: Pick<PollDeps, 'enqueueTagging' | 'tagNow' | 'log'>,
  lane: Lane | undefined,
  fullTextModes: ReadonlyMap<string, FullTextMode | null> | undefined,
): Promise<void> {
  if (toTag.length === 0) return;
  let queued = toTag;
  const items = fresh.filter((_, i) => results[i] === 'new');
  if (deps.tagNow && items.length > 0 && items.length <= TAG_INLINE_MAX) {
    try {
      await deps.tagNow(items.map((item) => storedCopy(item, feedId, started)), lane, fullTextModes);
      // Items seen before but still untagged (a job tagging them now, or one lost) are queued
      // on their own: a fresh item never waits in the queue behind them.
      queued = fresh.filter((_, i) => results[i] === 'seen-untagged').map((item) => item.id);
    } catch (err) {
      deps.log.warn({ feedId, err }, 'inline tagging failed; queued instead');
    }
  }
  for (let i = 0; i < queued.length; i += TAG_BATCH) await deps.enqueueTagging(queued.slice(i, i + TAG_BATCH));
}

/** The stored form of an item this job has just stored for the first time. */
function storedCopy(item: NormalizedItem, feedId: string, seenAt: number): StoredItem {
  return {
    id: item.id,
    feedId,
    link: item.link,
    title: item.title,
    summary: item.summary,
    author: item.author,
    publishedAt: item.publishedAt,
    hasPublishedDate: item.hasPublishedDate,
    firstSeenAt: seenAt,
    fullText: false,
    sources: { [feedId]: item.link ?? '' },
    tags: {},
  };
}
