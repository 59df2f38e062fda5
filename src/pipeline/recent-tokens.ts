/**
 * The tokens of items a pipeline thread has just tokenised, kept briefly for the next step
 * on the same items: a new item's collection terms are counted just before it is tagged,
 * and both read the same tokenised title and summary. Keyed by the exact text, so a hit is
 * what tokenize would return; bounded, oldest title out first, and each entry is handed out once
 * (an item is tagged once after it is counted), so the memo never outgrows a few batches.
 */
import { tokenize, type ItemTokens } from '../tagging/text-normalize.ts';

/** Items kept at most: about 15 KB each for a 120-word item, so at most some 15 MB. */
const DEFAULT_LIMIT = 1000;

interface Kept {
  summary: string;
  tokens: ItemTokens;
}

/** A bounded memo of recently tokenised items. */
export class RecentTokens {
  // By title (short to hash; items sharing one are told apart by their summary), oldest first.
  private readonly byTitle = new Map<string, Kept[]>();
  private count = 0;

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  /** Tokenises an item and keeps the tokens for one later `take`. */
  keep(item: { title: string; summary: string }): ItemTokens {
    const tokens = { title: tokenize(item.title), summary: tokenize(item.summary) };
    const list = this.byTitle.get(item.title);
    if (list) list.push({ summary: item.summary, tokens });
    else this.byTitle.set(item.title, [{ summary: item.summary, tokens }]);
    if (++this.count > this.limit) this.dropOldest();
    return tokens;
  }

  /** The item's kept tokens (forgotten now), or freshly tokenised ones. */
  take(item: { title: string; summary: string }): ItemTokens {
    const list = this.byTitle.get(item.title);
    const at = list ? list.findIndex((k) => k.summary === item.summary) : -1;
    if (!list || at < 0) return { title: tokenize(item.title), summary: tokenize(item.summary) };
    const kept = list[at]!.tokens;
    list.splice(at, 1);
    if (list.length === 0) this.byTitle.delete(item.title);
    this.count--;
    return kept;
  }

  /** Items kept now. */
  get size(): number {
    return this.count;
  }

  private dropOldest(): void {
    const [title, list] = this.byTitle.entries().next().value!;
    list.shift();
    if (list.length === 0) this.byTitle.delete(title);
    this.count--;
  }
}
