import type { ItemTags } from '../model/tags.ts';
import { encodeTags, packRecords, unpackRecords, type PackedRecords } from '../storage/item-codec.ts';
import { packBands } from '../storage/story-args.ts';
import type { AnalysisAnchor, ItemAnalysis } from './analyse-items.ts';

/**
 * An item's analysis as tagging stores it: its bands possibly packed already (packBands;
 * `bands` then null), and its tags per anchor possibly encoded already (encodeTags, with the
 * anchor's version), so the event loop neither receives 42 band strings per item nor hashes
 * and encodes them.
 */
export type PackedAnalysis = ItemAnalysis & { packedBands?: Uint8Array; encodedTags?: Buffer[] };

/** Analyses as a pipeline thread hands them over: bands packed, and every item's encoded tags in one buffer (item by item, anchor by anchor). */
export interface StoreReadyAnalyses {
  analyses: Array<ItemAnalysis & { packedBands?: Uint8Array }>;
  tags: PackedRecords;
}

/** The thread's side: packs the bands and encodes the tags of analyses against `anchors` (in their order). */
export function storeReadyAnalyses(anchors: readonly AnalysisAnchor[], analyses: readonly ItemAnalysis[]): StoreReadyAnalyses {
  const encoded: Buffer[] = [];
  for (const a of analyses) a.tags.forEach((t, i) => encoded.push(encodeTags({ ...t, version: anchors[i]!.record.version } as ItemTags)));
  return {
    analyses: analyses.map((a) => (a.bands ? { ...a, bands: null, packedBands: packBands(a.bands) } : a)),
    tags: packRecords(encoded),
  };
}

/** The event loop's side: each analysis with its encoded tags (views into the one buffer). */
export function withEncodedTags(ready: StoreReadyAnalyses, anchorCount: number): PackedAnalysis[] {
  const tags = unpackRecords(ready.tags);
  return ready.analyses.map((a, n) => ({ ...a, encodedTags: tags.slice(n * anchorCount, (n + 1) * anchorCount) }));
}
