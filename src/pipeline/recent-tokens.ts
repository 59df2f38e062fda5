/**
 * The tokens of items a pipeline thread has just tokenised, kept briefly for the next step
 * on the same items: a new item's collection terms are counted just before it is tagged,
 * and both read the same tokenised title and summary. Keyed by the exact text, so a hit is
 * what tokenize would return; bounded, oldest out first, and each entry is handed out once
 * (an item is tagged once after it is counted), so the memo never outgrows a few batches.
 */
import { tokenize, type Token } from '../tagging/text-normalize.ts';

/** An item's title and summary, tokenised. */
export interface TitleSummaryTokens {
  title: Token[];
  summary: Token[];
}

/** Items kept at most: about 15 KB each for a 120-word item, so at most some 15 MB. */
const DEFAULT_LIMIT = 1000;

/** Unambiguous key of a title and summary: the title's length first. */
function keyOf(item: { title: string; summary: string }): string {
  return `${item.title.length}:${item.title}${item.summary}`;
}

/** A bounded memo of recently tokenised items. */
export class RecentTokens {
  private readonly byText = new Map<string, TitleSummaryTokens>();

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  /** Tokenises an item and keeps the tokens for one later `take`. */
  keep(item: { title: string; summary: string }): TitleSummaryTokens {
    const tokens = { title: tokenize(item.title), summary: tokenize(item.summary) };
    const key = keyOf(item);
    this.byText.delete(key);
    this.byText.set(key, tokens);
    if (this.byText.size > this.limit) this.byText.delete(this.byText.keys().next().value!);
    return tokens;
  }

  /** The item's kept tokens (forgotten now), or freshly tokenised ones. */
  take(item: { title: string; summary: string }): TitleSummaryTokens {
    const key = keyOf(item);
    const kept = this.byText.get(key);
    if (kept === undefined) return { title: tokenize(item.title), summary: tokenize(item.summary) };
    this.byText.delete(key);
    return kept;
  }

  /** Items kept now. */
  get size(): number {
    return this.byText.size;
  }
}
