/**
 * A very large RSS document for the item-cap tests and the big-feed benchmark: `fresh` items
 * published within the last days and `old` ones published well before a 30-day retention
 * window. The document lists the old ones first and the fresh ones oldest first, so the
 * newest items are at its end: a reader that kept the first N items would keep the wrong ones.
 */

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** One item of the big feed: its number, link and publication time. */
export interface BigFeedItem {
  n: number;
  link: string;
  publishedAt: number;
}

/** The document and its items, newest first. */
export interface BigFeed {
  xml: string;
  /** Every item, newest first. */
  newestFirst: BigFeedItem[];
  /** How many items are older than `oldBefore`. */
  oldCount: number;
  /** Every old item was published before this (now minus 40 days). */
  oldBefore: number;
}

/** Builds the document; item n's link is `http://big.example/n`. Fresh items are 5 s apart, the newest one 2 minutes old. */
export function bigRssFeed(fresh: number, old: number, now = Date.now()): BigFeed {
  const newestAt = now - 2 * MINUTE;
  const oldBefore = now - 40 * DAY;
  const items: BigFeedItem[] = [];
  for (let i = 0; i < fresh; i++) items.push({ n: i, link: `http://big.example/${i}`, publishedAt: newestAt - i * 5000 });
  for (let i = 0; i < old; i++) items.push({ n: fresh + i, link: `http://big.example/${fresh + i}`, publishedAt: oldBefore - i * 5000 });
  const line = (item: BigFeedItem) =>
    `<item><title>Story ${item.n}</title><link>${item.link}</link><pubDate>${new Date(item.publishedAt).toUTCString()}</pubDate></item>`;
  const body: string[] = [];
  // Old ones first (newest of them first), then the fresh ones oldest first: the newest come last.
  for (let i = fresh; i < items.length; i++) body.push(line(items[i]!));
  for (let i = fresh - 1; i >= 0; i--) body.push(line(items[i]!));
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Big Wire</title><link>http://big.example/</link>\n${body.join('\n')}\n</channel></rss>`;
  return { xml, newestFirst: items, oldCount: old, oldBefore };
}
