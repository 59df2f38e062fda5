import type { Logger } from 'pino';
import { tagItem, type ItemTags as AnchorItemTags } from '../tagging/compile-anchor.ts';
import { lshBands, SIMILARITY_THRESHOLD, storySignature } from '../tagging/story-signature.ts';
import type { ItemStore, ItemTags } from '../storage/item-store.ts';
import type { StoryStore } from '../storage/story-store.ts';
import type { AnchorCatalog, CatalogEntry } from './anchor-catalog.ts';

/** What tagItems needs. */
export interface TagDeps {
  items: ItemStore;
  stories: StoryStore;
  catalog: AnchorCatalog;
  log: Logger;
}

/** Counts for metrics and logs. */
export interface TagOutcome {
  tagged: number;
  /** Items that entered a digest in this pass (one per anchor they entered). */
  newlyInDigest: number;
}

/** Hex of a signature, 8 characters per value, as the story script compares it. */
function signatureHex(sig: Uint32Array): string {
  let hex = '';
  for (const v of sig) hex += v.toString(16).padStart(8, '0');
  return hex;
}

/**
 * Tags stored items against every anchor (or only `onlyAnchorId`), puts relevant ones into
 * stories (near-duplicates across feeds), then writes the results atomically per item and
 * anchor. Safe to run twice on the same ids: the write replaces the previous tags and moves
 * index entries, it never adds a second count, and a story once assigned is kept.
 */
export async function tagItems(itemIds: string[], deps: TagDeps, onlyAnchorId?: string): Promise<TagOutcome> {
  const all = await deps.catalog.current();
  const anchors: CatalogEntry[] = onlyAnchorId ? all.filter((a) => a.record.id === onlyAnchorId) : all;
  const items = await deps.items.getMany(itemIds);

  const results: Array<{ itemId: string; anchor: CatalogEntry; tags: AnchorItemTags }> = [];
  const toCluster: Array<{ itemId: string; signatureHex: string; bands: string[] }> = [];
  for (const item of items) {
    let relevantSomewhere = false;
    for (const anchor of anchors) {
      const tags = tagItem(anchor.compiled, { title: item.title, summary: item.summary });
      results.push({ itemId: item.id, anchor, tags });
      relevantSomewhere ||= tags.relevant;
    }
    // Only digest candidates are clustered: stories matter to the digest alone, and the
    // LSH buckets stay small.
    if (relevantSomewhere) {
      const sig = storySignature(item.title, item.summary);
      toCluster.push({ itemId: item.id, signatureHex: signatureHex(sig), bands: lshBands(sig) });
    }
  }
  await deps.stories.assign(toCluster, SIMILARITY_THRESHOLD);

  const writes = results.map(({ itemId, anchor, tags }) => ({
    anchorId: anchor.record.id,
    itemId,
    tags: {
      entities: tags.entities.map((e) => ({ key: e.key, count: e.count })),
      score: tags.score,
      relevant: tags.relevant,
      version: anchor.record.version,
    } satisfies ItemTags,
  }));
  const newlyInDigest = (await deps.items.writeTags(writes)).filter(Boolean).length;
  // Only a full pass (every anchor) settles an item; a single-anchor re-tag leaves the marker alone.
  if (!onlyAnchorId) await deps.items.markTagged(itemIds);
  return { tagged: items.length, newlyInDigest };
}
