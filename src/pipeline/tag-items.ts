import type { Logger } from 'pino';
import type { DeliveryChannels } from '../alerts/channels/channel.ts';
import { prepareDocument } from '../alerts/evaluate-query.ts';
import { tagItem } from '../tagging/compile-anchor.ts';
import { lshBands, SIMILARITY_THRESHOLD, storySignature } from '../tagging/story-signature.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { AlertStore } from '../storage/alert-store.ts';
import type { FeedStore } from '../storage/feed-store.ts';
import type { StoredItem } from '../model/item.ts';
import type { ItemTags } from '../model/tags.ts';
import type { ItemStore } from '../storage/item-store.ts';
import type { AlertCatalog } from './alert-catalog.ts';
import type { AnchorCatalog, CatalogEntry } from './anchor-catalog.ts';
import { recordAlertHits, type KeywordMatch } from './record-alert-hits.ts';
import { applyScopeAndVerdict } from './scope-and-verdict.ts';

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
  /** The article text of headline-only items (FULL_TEXT), by item id; absent: none is read. */
  articleTexts?(items: StoredItem[]): Promise<Map<string, string>>;
}

/** Counts for metrics and logs. */
export interface TagOutcome {
  tagged: number;
  /** Items that entered a digest in this pass (one per anchor they entered). */
  newlyInDigest: number;
  /** New alert hits that have a webhook delivery. */
  deliveries: number;
}

/** Items tagged between two yields to the event loop. */
const YIELD_EVERY = 5;

/** A signature as raw bytes, 4 per value, as the story script compares it (half the size of hex). */
function signatureBytes(sig: Uint32Array): Buffer {
  const out = Buffer.allocUnsafe(sig.length * 4);
  sig.forEach((v, i) => out.writeUInt32BE(v, i * 4));
  return out;
}

/**
 * Tags stored items against every anchor (or only `onlyAnchorId`, a re-tag), matches new
 * items against the alerts, puts digest candidates and alert hits into stories
 * (near-duplicates across feeds), records alert hits once per story, then writes the tags
 * atomically per item and anchor. Safe to run twice on the same ids: tags replace earlier
 * tags and move index entries, a story once assigned is kept, a hit is recorded once.
 */
export async function tagItems(itemIds: string[], deps: TagDeps, onlyAnchorId?: string, loaded?: StoredItem[]): Promise<TagOutcome> {
  const stopTimer = deps.metrics.taggingDuration.startTimer();
  const all = await deps.catalog.current();
  const anchors: CatalogEntry[] = onlyAnchorId ? all.filter((a) => a.record.id === onlyAnchorId) : all;
  // A re-tag revisits old items: alerts fire on new items only.
  const alertsByAnchor = onlyAnchorId ? new Map() : await deps.alertCatalog.current();
  // A poll that tags its own new items hands them over: nothing is read back that it holds.
  const items = loaded ?? (await deps.items.getMany(itemIds));
  const bodies = deps.articleTexts ? await deps.articleTexts(items) : new Map<string, string>();
  // source: queries read the feed's title; only fetched when some alert could fire.
  const feedTitles = alertsByAnchor.size > 0 ? await deps.feeds.titles(items.map((i) => i.feedId)) : new Map<string, string | null>();

  const results: Array<{ itemId: string; anchor: CatalogEntry; tags: ItemTags }> = [];
  const toCluster: Array<{ itemId: string; publishedAt: number; signature: Buffer; bands: string[] }> = [];
  const keywordMatches: KeywordMatch[] = [];
  const spikeMatches: Array<{ alertId: string; itemId: string; publishedAt: number }> = [];
  for (const [n, item] of items.entries()) {
    // A large batch gives the event loop back now and then, so a live item's job (or an API
    // request in a one-process install) is not held up behind a backlog's CPU work.
    if (n > 0 && n % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    let needsStory = false;
    for (const anchor of anchors) {
      const body = bodies.get(item.id);
      const tagged = tagItem(anchor.compiled, { title: item.title, summary: body ? `${item.summary}\n${body}` : item.summary });
      const tags: ItemTags = {
        entities: tagged.entities.map((e) => ({ key: e.key, count: e.count })),
        ...applyScopeAndVerdict(anchor, item, tagged),
        version: anchor.record.version,
      };
      results.push({ itemId: item.id, anchor, tags });
      needsStory ||= tags.relevant;
      const group = alertsByAnchor.get(anchor.record.id);
      if (!group) continue;
      const doc = prepareDocument(item.title, item.summary, new Map(tags.entities.map((e) => [e.key, e.count])), {
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
      const sig = storySignature(item.title, item.summary);
      toCluster.push({ itemId: item.id, publishedAt: item.publishedAt, signature: signatureBytes(sig), bands: lshBands(sig) });
    }
  }
  const leaders = await deps.items.assignStories(toCluster, SIMILARITY_THRESHOLD);
  const storyOf = new Map(toCluster.map((c, i) => [c.itemId, leaders[i]!]));

  const deliveryIds = await recordAlertHits(keywordMatches, (id) => storyOf.get(id) ?? id, deps);
  await deps.enqueueDeliveries(deliveryIds);
  await deps.alerts.recordSpikeMatches(spikeMatches);

  const writes = results.map(({ itemId, anchor, tags }) => {
    const leader = storyOf.get(itemId);
    return { anchorId: anchor.record.id, itemId, tags, ...(leader ? { leader } : {}) };
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
