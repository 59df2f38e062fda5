import type { ItemTags } from '../model/tags.ts';
import { encodeTags, packRecords, unpackRecords, type PackedRecords } from '../storage/item-codec.ts';
import type { AnalysisAnchor, ItemAnalysis } from './analyse-items.ts';

/**
 * An item's analysis as tagging stores it: its tags per anchor possibly encoded already
 * (encodeTags, with the anchor's version), so the event loop does not encode them.
 */
export type PackedAnalysis = ItemAnalysis & { encodedTags?: Buffer[] };

/** Analyses as a pipeline thread hands them over: every item's encoded tags in one buffer (item by item, anchor by anchor). */
export interface StoreReadyAnalyses {
  analyses: ItemAnalysis[];
  tags: PackedRecords;
}

/** The thread's side: encodes the tags of analyses against `anchors` (in their order). */
export function storeReadyAnalyses(anchors: readonly AnalysisAnchor[], analyses: readonly ItemAnalysis[]): StoreReadyAnalyses {
  const encoded: Buffer[] = [];
  for (const a of analyses) a.tags.forEach((t, i) => encoded.push(encodeTags({ ...t, version: anchors[i]!.record.version } as ItemTags)));
  return {
    analyses: [...analyses],
    tags: packRecords(encoded),
  };
}

/** The event loop's side: each analysis with its encoded tags (views into the one buffer). */
export function withEncodedTags(ready: StoreReadyAnalyses, anchorCount: number): PackedAnalysis[] {
  const tags = unpackRecords(ready.tags);
  return ready.analyses.map((a, n) => ({ ...a, encodedTags: tags.slice(n * anchorCount, (n + 1) * anchorCount) }));
}
