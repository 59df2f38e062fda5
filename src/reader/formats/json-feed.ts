/** JSON Feed 1.0/1.1, read by hand: JSON.parse and a mapping of the spec's fields. */
import { AppError, ErrorCodes } from '../../errors.ts';
import type { ItemLimits, ParsedFeed, ParsedItem } from '../feed-types.ts';
import { keepNewestItems } from '../keep-newest.ts';
import { firstOf, nonEmpty, type Loose } from './loose-values.ts';
import { parserErrorDetail } from './parser-error-detail.ts';

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function jsonAuthor(item: Loose): string | null {
  const authors = Array.isArray(item.authors) ? (item.authors as unknown[]) : [];
  const candidates = [...authors, item.author];
  for (const author of candidates) {
    if (author !== null && typeof author === 'object') {
      const name = nonEmpty((author as Loose).name);
      if (name !== null) return name;
    }
  }
  return null;
}

/** JSON Feed 1.0/1.1 item → ParsedItem; text fields are escaped so later HTML stripping keeps them intact. */
export function mapJsonItem(value: unknown): ParsedItem {
  const item = (value !== null && typeof value === 'object' ? value : {}) as Loose;
  const summary = nonEmpty(item.summary);
  const contentText = nonEmpty(item.content_text);
  return {
    title: nonEmpty(item.title),
    link: firstOf(item.url, item.external_url),
    guid: nonEmpty(item.id),
    summaryHtml: summary === null ? null : escapeHtml(summary),
    contentHtml: nonEmpty(item.content_html) ?? (contentText === null ? null : escapeHtml(contentText)),
    published: firstOf(item.date_published, item.date_modified),
    author: jsonAuthor(item),
  };
}

/** Parses a JSON Feed document. Throws AppError parseError (not JSON) or notAFeed (JSON, but no JSON Feed). */
export function parseJsonFeed(body: string, limits: ItemLimits | null): ParsedFeed {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    throw new AppError(ErrorCodes.parseError, `The JSON feed is not valid JSON: ${parserErrorDetail(err)}`, {
      cause: err,
      details: { format: 'json' },
    });
  }
  const feed = (doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? doc : null) as Loose | null;
  const version = feed === null ? '' : String(feed.version ?? '');
  if (feed === null || (!/^https?:\/\/jsonfeed\.org\/version\//i.test(version) && !Array.isArray(feed.items))) {
    throw new AppError(ErrorCodes.notAFeed, 'The document is JSON but not a JSON Feed');
  }
  const all = (Array.isArray(feed.items) ? (feed.items as unknown[]) : []).map(mapJsonItem);
  const { items, omitted } = limits === null ? { items: all, omitted: { count: 0, tooOld: 0 } } : keepNewestItems(all, limits);
  return {
    format: 'json',
    title: nonEmpty(feed.title),
    link: nonEmpty(feed.home_page_url),
    ttlSeconds: null,
    items,
    omitted,
  };
}
