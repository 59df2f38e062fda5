/** Article pages read for their main text (headline-only feed items, source pieces by URL). */

/** How reading a page ended: an article, a page without one, or a fetch that failed. */
export type ArticleOutcome = 'ok' | 'no-article' | 'failed';

/** One cached reading of an article page, by canonical URL. */
export interface ArticleRecord {
  /** Canonical URL the entry is filed under. */
  url: string;
  outcome: ArticleOutcome;
  title: string | null;
  /** Plain main text; empty unless outcome is 'ok'. */
  text: string;
  /** Epoch ms the page states, or null. */
  publishedAt: number | null;
  /** Why there is no text (a fetch error's code and message), for logs and the API. */
  error: { code: string; message: string } | null;
  etag: string | null;
  lastModified: string | null;
  fetchedAt: number;
}
