import type { Logger } from 'pino';
import { tagItem } from '../tagging/compile-anchor.ts';
import type { ItemStore } from '../storage/item-store.ts';
import type { AnchorCatalog, CatalogEntry } from './anchor-catalog.ts';

/** What tagItems needs. */
export interface TagDeps {
  items: ItemStore;
  catalog: AnchorCatalog;
  log: Logger;
}

/** Counts for metrics and logs. */
export interface TagOutcome {
  tagged: number;
  newlyRelevant: number;
}

/**
 * Tags stored items against every anchor (or only `onlyAnchorId`) and writes the results
 * atomically per item and anchor. Safe to run twice on the same ids: the write replaces
 * the previous tags and moves index entries, it never adds a second count.
 */
export async function tagItems(itemIds: string[], deps: TagDeps, onlyAnchorId?: string): Promise<TagOutcome> {
  const all = await deps.catalog.current();
  const anchors: CatalogEntry[] = onlyAnchorId ? all.filter((a) => a.record.id === onlyAnchorId) : all;
  const items = await deps.items.getMany(itemIds);
  const writes = [];
  for (const item of items) {
    for (const anchor of anchors) {
      const result = tagItem(anchor.compiled, { title: item.title, summary: item.summary });
      writes.push({
        anchorId: anchor.record.id,
        itemId: item.id,
        tags: {
          entities: result.entities.map((e) => ({ key: e.key, count: e.count })),
          score: result.score,
          relevant: result.relevant,
          version: anchor.record.version,
        },
      });
    }
  }
  const newlyRelevant = (await deps.items.writeTags(writes)).filter(Boolean).length;
  // Only a full pass (every anchor) settles an item; a single-anchor re-tag leaves the marker alone.
  if (!onlyAnchorId) await deps.items.markTagged(itemIds);
  return { tagged: items.length, newlyRelevant };
}
