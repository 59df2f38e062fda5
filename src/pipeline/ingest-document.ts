import type { LastPoll } from '../model/feed.ts';
import { readFeed, type ReadFeedResult } from '../reader/read-feed.ts';
import type { PollDeps } from './poll-feed.ts';

/** What one feed document did to the store. */
export interface IngestedDocument {
  read: ReadFeedResult;
  newItems: number;
  /** Items of the document that were stored before (seen). */
  seenItems: number;
  lastPoll: LastPoll;
}

const TAG_BATCH = 100;

/**
 * The one path from a feed document's bytes to stored, queued items, shared by a poll and a
 * WebSub push: decode, parse, normalise (retention window and item cap), store each item once
 * (the dedupe key), queue the new and still-untagged ones for tagging. Throws AppError when the
 * document as a whole is unusable.
 */
export async function ingestDocument(
  feedId: string,
  doc: { body: Buffer; contentType: string | null; baseUrl: string },
  started: number,
  deps: Pick<PollDeps, 'items' | 'enqueueTagging' | 'log' | 'metrics' | 'maxItemsPerFeed' | 'retentionMs'>,
): Promise<IngestedDocument> {
  // Items older than the retention window are counted, not stored: retention would only trim them again.
  const read = await readFeed(
    doc.body,
    doc.contentType,
    { feedId, baseUrl: doc.baseUrl, now: started },
    { maxItems: deps.maxItemsPerFeed, notBefore: started - deps.retentionMs },
  );
  for (const itemError of read.itemErrors) {
    deps.log.warn({ feedId, index: itemError.index, reason: itemError.message }, 'feed item skipped');
  }
  const fresh = read.items;
  const results = await deps.items.ingest(feedId, fresh, started);
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
  for (let i = 0; i < toTag.length; i += TAG_BATCH) await deps.enqueueTagging(toTag.slice(i, i + TAG_BATCH));
  const { itemsSeen, itemsTooOld, itemsRejected } = read.counts;
  return { read, newItems, seenItems: results.length - newItems, lastPoll: { itemsSeen, itemsNew: newItems, itemsTooOld, itemsRejected } };
}
