import type { Logger } from 'pino';
import type { DeliveryChannels } from '../alerts/channels/channel.ts';
import { prepareDocumentFromTokens } from '../alerts/evaluate-query.ts';
import { tokenize, type Token } from '../tagging/text-normalize.ts';
import { SIMILARITY_THRESHOLD } from '../tagging/story-signature.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { AlertStore } from '../storage/alert-store.ts';
import type { FeedStore } from '../storage/feed-store.ts';
import type { FullTextMode } from '../model/feed.ts';
import type { StoredItem } from '../model/item.ts';
import type { ItemTags } from '../model/tags.ts';
import type { ItemStore } from '../storage/item-store.ts';
import type { StoryEntry } from '../storage/story-args.ts';
import type { PackedAnalysis } from './store-ready-analyses.ts';
import type { AlertCatalog } from './alert-catalog.ts';
import type { AnchorCatalog, CatalogEntry } from './anchor-catalog.ts';
import { recordAlertHits, type KeywordMatch } from './record-alert-hits.ts';
import { analyseItems, storyInputs, type ItemText } from './analyse-items.ts';

/** What tagItems needs. */
export interface TagDeps {
  items: ItemStore;
  feeds: FeedStore;
  alerts: AlertStore;
  catalog: AnchorCatalog;
  alertCatalog: AlertCatalog;
  /** The delivery channels: each renders the deliveries of its alerts' hits. */
  channels: DeliveryChannels;
  /** Queues the first attempt of new webhook deliveries. */
  enqueueDeliveries(deliveryIds: string[]): Promise<void>;
  now(): number;
  log: Logger;
  metrics: Metrics;
  /** The article text of headline-only items (FULL_TEXT), by item id; absent: none is read. `known`: feeds' own full-text settings the caller holds. */
  articleTexts?(items: StoredItem[], known?: ReadonlyMap<string, FullTextMode | null>): Promise<Map<string, string>>;
  /** Runs the CPU part of tagging (a pipeline thread); absent: on this event loop. */
  analyse?(anchors: CatalogEntry[], items: ItemText[]): Promise<PackedAnalysis[]>;
  /**
   * Waits for a turn of the event loop before the next CPU stretch (ThreadPool.bulkTurn), for
   * backlog tagging; absent (live news): every step runs as soon as its reply is in.
   */
  bulkTurn?(): Promise<void>;
}

/** Counts for metrics and logs. */
export interface TagOutcome {
  tagged: number;
  /** Items that entered a digest in this pass (one per anchor they entered). */
  newlyInDigest: number;
  /** New alert hits that have a webhook delivery. */
  deliveries: number;
}

/**
 * Tags stored items against every anchor (or only `onlyAnchorId`, a re-tag), matches new
 * items against the alerts, puts digest candidates and alert hits into stories
 * (near-duplicates across feeds), records alert hits once per story, then writes the tags
 * atomically per item and anchor. Safe to run twice on the same ids: tags replace earlier
 * tags and move index entries, a story once assigned is kept, a hit is recorded once.
 */
export async function tagItems(
  itemIds: string[],
  deps: TagDeps,
  onlyAnchorId?: string,
  loaded?: StoredItem[],
  /** The full-text settings of the items' feeds, when the caller holds their records (a poll). */
  fullTextModes?: ReadonlyMap<string, FullTextMode | null>,
): Promise<TagOutcome> {
  const stopTimer = deps.metrics.taggingDuration.startTimer();
  // Reads that do not depend on each other go out together: while an ingest keeps the event
  // loop busy, each round trip costs a live item a turn of it.
  const [all, alerts, items] = await Promise.all([
    deps.catalog.current(),
    // A re-tag revisits old items: alerts fire on new items only.
    onlyAnchorId ? null : deps.alertCatalog.current(),
    // A poll that tags its own new items hands them over: nothing is read back that it holds.
    loaded ?? deps.items.getMany(itemIds),
  ]);
  const anchors: CatalogEntry[] = onlyAnchorId ? all.filter((a) => a.record.id === onlyAnchorId) : all;
  const alertsByAnchor = alerts ?? new Map();
  await deps.bulkTurn?.();
  const [bodies, feedTitles] = await Promise.all([
    deps.articleTexts ? deps.articleTexts(items, fullTextModes) : new Map<string, string>(),
    // source: queries read the feed's title; only fetched when some alert could fire.
    alertsByAnchor.size > 0 ? deps.feeds.titles(items.map((i) => i.feedId)) : new Map<string, string | null>(),
  ]);

  const texts: ItemText[] = items.map((item) => {
    const body = bodies.get(item.id);
    return body ? { id: item.id, title: item.title, summary: item.summary, body } : { id: item.id, title: item.title, summary: item.summary };
  });
  const analyses: PackedAnalysis[] = deps.analyse ? await deps.analyse(anchors, texts) : await analyseItems(anchors, texts);

  const results: Array<{ itemId: string; anchor: CatalogEntry; tags: ItemTags; encoded: Buffer | undefined }> = [];
  const toCluster: StoryEntry[] = [];
  const keywordMatches: KeywordMatch[] = [];
  const spikeMatches: Array<{ alertId: string; itemId: string; publishedAt: number }> = [];
  for (const [n, item] of items.entries()) {
    const analysis = analyses[n]!;
    let needsStory = analysis.signature !== null;
    // Tokenised once per item, when some anchor has alerts, for all of them alike.
    let fields: Token[][] | null = null;
    for (const [a, anchor] of anchors.entries()) {
      const tags: ItemTags = { ...analysis.tags[a]!, version: anchor.record.version };
      results.push({ itemId: item.id, anchor, tags, encoded: analysis.encodedTags?.[a] });
      const group = alertsByAnchor.get(anchor.record.id);
      if (!group) continue;
      fields ??= [tokenize(item.title), tokenize(item.summary)];
      const doc = prepareDocumentFromTokens(fields, new Map(tags.entities.map((e) => [e.key, e.count])), {
        source: feedTitles.get(item.feedId) ?? '',
        mentions: (fields) => anchor.compiled.matcher.mentionPositions(fields),
      });
      for (const alertId of group.index.match(doc)) {
        const alert = group.byId.get(alertId)!;
        if (alert.spike) {
          spikeMatches.push({ alertId, itemId: item.id, publishedAt: item.publishedAt });
        } else {
          keywordMatches.push({ alert, item, anchor: anchor.record, tags });
          needsStory = true;
        }
      }
    }
    // Only digest candidates and alert hits are clustered: stories matter to those alone,
    // and the LSH buckets stay small.
    if (needsStory) {
      const { signature, bands } = analysis;
      const story = signature && bands ? { signature: Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength), bands } : storyInputs(item);
      toCluster.push({ itemId: item.id, publishedAt: item.publishedAt, ...story });
    }
  }
  const leaders = await deps.items.assignStories(toCluster, SIMILARITY_THRESHOLD);
  const storyOf = new Map(toCluster.map((c, i) => [c.itemId, leaders[i]!]));
  await deps.bulkTurn?.();

  const deliveryIds = await recordAlertHits(keywordMatches, (id) => storyOf.get(id) ?? id, deps);
  await deps.enqueueDeliveries(deliveryIds);
  await deps.alerts.recordSpikeMatches(spikeMatches);

  const writes = results.map(({ itemId, anchor, tags, encoded }) => {
    const leader = storyOf.get(itemId);
    return { anchorId: anchor.record.id, itemId, tags, ...(encoded ? { encoded } : {}), ...(leader ? { leader } : {}) };
  });
  const newlyInDigest = (await deps.items.writeTags(writes)).filter(Boolean).length;
  // Only a full pass (every anchor) settles an item; a single-anchor re-tag leaves the marker alone.
  if (!onlyAnchorId) {
    await deps.items.markTagged(itemIds);
    const now = deps.now();
    for (const item of items) if (item.hasPublishedDate) deps.metrics.freshness.observe({ stage: 'tagged' }, Math.max(0, (now - item.publishedAt) / 1000));
  }
  stopTimer();
  deps.metrics.itemsTagged.inc(items.length);
  return { tagged: items.length, newlyInDigest, deliveries: deliveryIds.length };
}
