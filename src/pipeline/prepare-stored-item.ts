import { prepareDocument, type PreparedDocument } from '../alerts/evaluate-query.ts';
import type { StoredItem } from '../model/item.ts';
import type { Matcher } from '../tagging/compile-matcher.ts';

/**
 * A stored item prepared for the alert matcher the way the tag worker prepares a new one: its
 * stored entity tags for the anchor, its feed's title for `source:`, and the anchor's matcher
 * for entities inside NEAR and fields. Past matches (previews, q= series) and live alerts so
 * run one evaluator on the same inputs.
 */
export function prepareStoredItem(item: StoredItem, anchorId: string, feedTitles: ReadonlyMap<string, string | null>, matcher: Matcher): PreparedDocument {
  const tags = item.tags[anchorId];
  return prepareDocument(item.title, item.summary, new Map((tags?.entities ?? []).map((e) => [e.key, e.count])), {
    source: feedTitles.get(item.feedId) ?? '',
    mentions: (fields) => matcher.mentionPositions(fields),
  });
}
