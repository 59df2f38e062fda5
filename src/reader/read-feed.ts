/**
 * The reader's single entry point for the poll pipeline: fetched bytes in,
 * normalised items out. Pure: no network, no storage.
 */
import { AppError, ErrorCodes } from '../errors.ts';
import type { NormalizedItem, ParsedFeed } from './feed-types.ts';
import { canonicalUrl } from './canonical-url.ts';
import { decodeBody } from './decode-body.ts';
import { htmlToText } from './html-to-text.ts';
import { normalizeItems, type NormalizeContext } from './normalize-item.ts';
import { parseFeed } from './parse-feed.ts';

const FEED_TITLE_MAX = 300;

/** What one fetched feed body yields. */
export interface ReadFeedResult {
  feed: {
    format: ParsedFeed['format'];
    /** Plain text, or null when the feed has none. */
    title: string | null;
    /** Canonical site link, or null. */
    link: string | null;
    ttlSeconds: number | null;
  };
  items: NormalizedItem[];
  /** Items that were skipped, by their position in the document. */
  itemErrors: Array<{ index: number; message: string }>;
}

/**
 * Decodes, parses and normalises a fetched feed body. Throws AppError
 * (emptyBody, notAFeed, unsafeXml, parseError) when the document as a whole is
 * unusable; a bad item only lands in `itemErrors`.
 */
export async function readFeed(body: Buffer, contentType: string | null, ctx: NormalizeContext): Promise<ReadFeedResult> {
  if (body.length === 0) throw new AppError(ErrorCodes.emptyBody, 'The feed body is empty');
  if (body[0] === 0x1f && body[1] === 0x8b) {
    // Gzip magic: a Content-Encoding that was not undone, or a .gz file served as a feed.
    throw new AppError(ErrorCodes.parseError, 'The body is gzip-compressed data, not feed text');
  }
  const parsed = await parseFeed(decodeBody(body, contentType));
  const { items, errors } = normalizeItems(parsed, ctx);
  const title = htmlToText(parsed.title ?? '', FEED_TITLE_MAX);
  return {
    feed: {
      format: parsed.format,
      title: title === '' ? null : title,
      link: parsed.link === null ? null : canonicalUrl(parsed.link, ctx.baseUrl),
      ttlSeconds: parsed.ttlSeconds,
    },
    items,
    itemErrors: errors,
  };
}
