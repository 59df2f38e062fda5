import type { Logger } from 'pino';
import type { ArticleRecord } from '../model/article.ts';
import type { FullTextMode } from '../model/feed.ts';
import type { StoredItem } from '../model/item.ts';
import type { FeedStore } from '../storage/feed-store.ts';
import type { ItemStore } from '../storage/item-store.ts';

/** What the article-text step of tagging needs. */
export interface ArticleTextDeps {
  feeds: Pick<FeedStore, 'getMany'>;
  items: Pick<ItemStore, 'markFullText'>;
  /** Reads (or finds in the cache) the article at a canonical URL; never throws for the page's fault. */
  readArticle(url: string): Promise<ArticleRecord>;
  /** FULL_TEXT: the default of feeds without a setting of their own. */
  mode: FullTextMode;
  /** Pages read at once by one tagging pass. */
  concurrency: number;
  /** Items of one tagging pass whose pages are read at most (a new feed's backlog must not become a crawl). */
  maxPerPass: number;
  log: Logger;
}

/** Under this many words of title and summary together, FULL_TEXT=auto reads the article. */
export const SHORT_ITEM_WORDS = 40;

/** Whether the text has fewer than `limit` words; stops counting at the limit (most items are long). */
function hasFewerWords(text: string, limit: number): boolean {
  const word = /\S+/g;
  for (let n = 0; n < limit; n++) if (word.exec(text) === null) return true;
  return false;
}

/** Whether an item's article page is read before tagging, under its feed's mode. */
export function wantsFullText(item: Pick<StoredItem, 'title' | 'summary' | 'link'>, mode: FullTextMode): boolean {
  if (item.link === null || mode === 'never') return false;
  return mode === 'always' || hasFewerWords(`${item.title} ${item.summary}`, SHORT_ITEM_WORDS);
}

/**
 * The article text of the items that want it (their feed's `fullText`, else FULL_TEXT), by item
 * id. Pages are read a few at a time through the cache; an item whose page fails or holds no
 * article is simply absent (it is tagged with what it has). Items that got text are marked
 * `fullText` on the stored item. `known`: the feeds' own settings the caller holds already (a
 * poll has its feed's record): only the other feeds are read.
 */
export async function articleTexts(items: StoredItem[], deps: ArticleTextDeps, known?: ReadonlyMap<string, FullTextMode | null>): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  if (items.length === 0) return texts;
  const feedIds = [...new Set(items.map((i) => i.feedId))].filter((id) => !known?.has(id));
  const feeds = feedIds.length > 0 ? await deps.feeds.getMany(feedIds) : [];
  const modeOf = new Map<string, FullTextMode>(feedIds.map((id, i) => [id, feeds[i]?.fullText ?? deps.mode]));
  for (const [id, mode] of known ?? []) modeOf.set(id, mode ?? deps.mode);
  // The newest first: when the pass's budget runs out, the live news has its text.
  const wanted = items
    .filter((item) => wantsFullText(item, modeOf.get(item.feedId) ?? deps.mode))
    .sort((a, b) => b.publishedAt - a.publishedAt)
    .slice(0, deps.maxPerPass);
  let next = 0;
  const worker = async () => {
    while (next < wanted.length) {
      const item = wanted[next++]!;
      const article = await deps.readArticle(item.link!);
      if (article.outcome === 'ok' && article.text !== '') texts.set(item.id, article.text);
      else deps.log.debug({ itemId: item.id, link: item.link, outcome: article.outcome, reason: article.error?.code }, 'no article text for item');
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency, wanted.length) }, worker));
  await deps.items.markFullText([...texts.keys()]);
  return texts;
}
