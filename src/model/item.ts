/** Items: as the reader hands them over, and as stored with their tags. */
import type { ItemTags } from './tags.ts';

/** An item ready to store: plain text, canonical link, a stable id and a usable date. */
export interface NormalizedItem {
  /** Stable id: hash of the canonical link, else of the feed-scoped guid, else of title and date. */
  id: string;
  /** Canonical http(s) link, or null when the item had none usable. */
  link: string | null;
  guid: string | null;
  /** Plain text, entities decoded, whitespace folded, capped. Never empty: falls back to the summary or link. */
  title: string;
  /** Plain text, capped. May be empty. */
  summary: string;
  author: string | null;
  /** Milliseconds since the epoch; first-seen time when the item's own date is missing, bad or in the future. */
  publishedAt: number;
  /** False when publishedAt fell back to the first-seen time. */
  hasPublishedDate: boolean;
}

/** An item as stored, with the tags of every anchor it was tagged against. */
export interface StoredItem {
  id: string;
  feedId: string;
  link: string | null;
  title: string;
  summary: string;
  author: string | null;
  publishedAt: number;
  hasPublishedDate: boolean;
  firstSeenAt: number;
  /** True when the item was tagged with its article page's main text as well. */
  fullText: boolean;
  /** feedId → link, for every feed that carried the item (the first one included). */
  sources: Record<string, string>;
  /** anchorId → tags. */
  tags: Record<string, ItemTags>;
}

/** What ingesting one item did. */
export type IngestResult = 'new' | 'seen' | 'seen-untagged';
