/**
 * The reader's single entry point for the poll pipeline: fetched bytes in,
 * normalised items out. Pure: no network, no storage.
 */
import { AppError, ErrorCodes } from '../errors.ts';
import type { ItemLimits, ParsedFeed } from './feed-types.ts';
import type { NormalizedItem } from '../model/item.ts';
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
  /** The items to store: at most `maxItems`, none older than `notBefore`. */
  items: NormalizedItem[];
  /** Items that were skipped, by their position among the items read. */
  itemErrors: Array<{ index: number; message: string }>;
  counts: ReadCounts;
}

/** What became of the document's items. */
export interface ReadCounts {
  /** Every item of the document, including those beyond the cap. */
  itemsSeen: number;
  /** Items published before `notBefore`, whether beyond the cap or not. */
  itemsTooOld: number;
  /** Items read that failed normalisation (nothing to show). */
  itemsRejected: number;
}

/** The caller's bounds on one read: how many items, and the start of the retention window. */
export type ReadLimits = Omit<ItemLimits, 'now'>;

/** Items normalised between two yields to the event loop. */
const SLICE = 10;

/**
 * normalizeItems over slices of a large feed, giving the event loop back in between: a
 * worker polls many feeds at once, and a 10,000-item feed must not hold up the others (or
 * the live items of a routine poll) for its whole normalisation.
 */
async function normalizeInSlices(parsed: ParsedFeed, ctx: NormalizeContext): Promise<ReturnType<typeof normalizeItems>> {
  if (parsed.items.length <= SLICE) return normalizeItems(parsed, ctx);
  const items: NormalizedItem[] = [];
  const errors: Array<{ index: number; message: string }> = [];
  const seen = new Set<string>();
  for (let start = 0; start < parsed.items.length; start += SLICE) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    const part = normalizeItems({ ...parsed, items: parsed.items.slice(start, start + SLICE) }, ctx);
    for (const item of part.items) {
      // Dedupe across slices as normalizeItems does within one.
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      items.push(item);
    }
    for (const e of part.errors) errors.push({ index: e.index + start, message: e.message });
  }
  return { items, errors };
}

/**
 * Decodes, parses and normalises a fetched feed body: with `limits`, the newest `maxItems`
 * items only, and none published before `notBefore` (those are counted). Throws AppError
 * (emptyBody, notAFeed, unsafeXml, parseError) when the document as a whole is unusable; a
 * bad item only lands in `itemErrors`.
 */
export async function readFeed(
  body: Buffer,
  contentType: string | null,
  ctx: NormalizeContext,
  limits: ReadLimits | null = null,
): Promise<ReadFeedResult> {
  if (body.length === 0) throw new AppError(ErrorCodes.emptyBody, 'The feed body is empty');
  if (body[0] === 0x1f && body[1] === 0x8b) {
    // Gzip magic: a Content-Encoding that was not undone, or a .gz file served as a feed.
    throw new AppError(ErrorCodes.parseError, 'The body is gzip-compressed data, not feed text');
  }
  const parsed = await parseFeed(decodeBody(body, contentType), limits === null ? null : { ...limits, now: ctx.now });
  const normalized = await normalizeInSlices(parsed, ctx);
  const notBefore = limits?.notBefore ?? null;
  const items = notBefore === null ? normalized.items : normalized.items.filter((item) => item.publishedAt >= notBefore);
  const title = htmlToText(parsed.title ?? '', FEED_TITLE_MAX);
  return {
    feed: {
      format: parsed.format,
      title: title === '' ? null : title,
      link: parsed.link === null ? null : canonicalUrl(parsed.link, ctx.baseUrl),
      ttlSeconds: parsed.ttlSeconds,
    },
    items,
    itemErrors: normalized.errors,
    counts: {
      itemsSeen: parsed.items.length + parsed.omitted.count,
      itemsTooOld: parsed.omitted.tooOld + normalized.items.length - items.length,
      itemsRejected: normalized.errors.length,
    },
  };
}
