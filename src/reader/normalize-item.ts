/**
 * ParsedItem → NormalizedItem: plain text, canonical link, a stable id and a
 * usable date. A bad field falls back instead of failing (as Miniflux does);
 * only an item with nothing to show is dropped.
 */
import { createHash } from 'node:crypto';
import { AppError, ErrorCodes } from '../errors.ts';
import type { ParsedFeed, ParsedItem } from './feed-types.ts';
import type { NormalizedItem } from '../model/item.ts';
import { canonicalUrl } from './canonical-url.ts';
import { htmlToText } from './html-to-text.ts';

/** What normalising needs to know about the feed and the moment. */
export interface NormalizeContext {
  feedId: string;
  /** The feed's URL: relative item links resolve against it. */
  baseUrl: string;
  /** Epoch milliseconds of this poll: the first-seen time of its items. */
  now: number;
}

const TITLE_MAX = 300;
const SUMMARY_MAX = 2000;
/** A title made from the summary stays headline-sized. */
const TITLE_FROM_SUMMARY_MAX = 160;
const AUTHOR_MAX = 200;
const GUID_MAX = 2048;
/** Dates before this are placeholders (0, 1970) or typos, not publication times. */
const EARLIEST_DATE = Date.UTC(1990, 0, 1);
/** Clock skew allowed before a future date is distrusted. */
const FUTURE_TOLERANCE_MS = 10 * 60 * 1000;

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};

/** RFC 822 / RFC 2822 zone names, plus the European ones feeds commonly use. Offsets in minutes. */
const ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0,
  est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
  akst: -540, akdt: -480, hst: -600,
  wet: 0, west: 60, bst: 60, cet: 60, cest: 120, met: 60, mest: 120, eet: 120, eest: 180, msk: 180,
  jst: 540, kst: 540, aest: 600, aedt: 660,
};

function offsetMinutes(zone: string | undefined): number | null {
  if (zone === undefined || zone === '') return 0;
  const numeric = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (numeric) {
    const minutes = Number(numeric[2]) * 60 + Number(numeric[3] ?? 0);
    return numeric[1] === '-' ? -minutes : minutes;
  }
  const named = ZONES[zone.toLowerCase()];
  if (named !== undefined) return named;
  // RFC 2822 §4.3: military single letters were defined backwards in RFC 822; treat as UTC.
  if (/^[a-ik-z]$/i.test(zone)) return 0;
  return null;
}

/** Epoch ms of a calendar time, or null when a field is out of range (no silent rollover). */
function utc(year: number, month: number, day: number, h: number, m: number, s: number, ms: number, offset: number): number | null {
  if (month < 0 || month > 11 || day < 1 || day > 31 || h > 24 || m > 59 || s > 60) return null;
  const t = Date.UTC(year, month, day, h, m, Math.min(s, 59), ms);
  const check = new Date(t);
  if (check.getUTCDate() !== day && !(h === 24 && m === 0)) return null;
  return t - offset * 60_000;
}

/**
 * ISO 8601 / RFC 3339 and W3C-DTF partial dates (YYYY, YYYY-MM, YYYY-MM-DD, with or without time).
 * undefined: not this format; null: this format with an impossible value.
 */
function parseIsoDate(value: string): number | null | undefined {
  const match =
    /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T\s](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$/i.exec(value);
  if (!match) return undefined;
  const offset = offsetMinutes(match[8]?.toUpperCase() === 'Z' ? 'z' : match[8]);
  if (offset === null) return null;
  const ms = match[7] ? Math.round(Number(`0.${match[7]}`) * 1000) : 0;
  return utc(
    Number(match[1]),
    match[2] ? Number(match[2]) - 1 : 0,
    match[3] ? Number(match[3]) : 1,
    Number(match[4] ?? 0),
    Number(match[5] ?? 0),
    Number(match[6] ?? 0),
    Math.min(ms, 999),
    offset,
  );
}

/** RFC 822 / 2822 dates, with or without weekday, two-digit years and obsolete zone names (undefined/null as above). */
function parseRfc822Date(value: string): number | null | undefined {
  const match =
    /^(?:[a-z]+\.?,?\s*)?(\d{1,2})[\s-]+([a-z]{3,})\.?[\s-]+(\d{2,4})(?:[\sT]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(?:([+-]\d{2}:?\d{2}|[a-z]{1,5})(?:\s*\(.*\))?)?$/i.exec(
      value,
    );
  if (!match) return undefined;
  const month = MONTHS[(match[2] ?? '').slice(0, 3).toLowerCase()];
  // Month names in another language: leave them to the loose parser.
  if (month === undefined) return undefined;
  let year = Number(match[3]);
  // RFC 2822 §4.3: two-digit years 00–49 are 20xx, 50–99 are 19xx; three digits add 1900.
  if ((match[3] ?? '').length === 2) year += year < 50 ? 2000 : 1900;
  else if ((match[3] ?? '').length === 3) year += 1900;
  const offset = offsetMinutes(match[7]);
  if (offset === null) return null;
  return utc(year, month, Number(match[1]), Number(match[4] ?? 0), Number(match[5] ?? 0), Number(match[6] ?? 0), 0, offset);
}

/** Epoch ms of a feed date string, or null when no known format matches. */
function parseDate(raw: string): number | null {
  const value = raw.trim().replace(/\s+/g, ' ');
  if (value === '') return null;
  const iso = parseIsoDate(value);
  if (iso !== undefined) return iso;
  const rfc822 = parseRfc822Date(value);
  if (rfc822 !== undefined) return rfc822;
  // Last resort for the odd formats in the wild ("December 13, 2003", "2003/12/13 10:00").
  const loose = Date.parse(value);
  return Number.isFinite(loose) ? loose : null;
}

/**
 * An item's publication time from its date string: the first-seen time `now` when the date is
 * missing, unreadable, implausibly early or in the future.
 */
export function publicationTime(published: string | null, now: number): { publishedAt: number; hasPublishedDate: boolean } {
  const parsed = published === null ? null : parseDate(published);
  const usable = parsed !== null && parsed >= EARLIEST_DATE && parsed <= now + FUTURE_TOLERANCE_MS;
  return { publishedAt: usable ? parsed : now, hasPublishedDate: usable };
}

function itemId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 24);
}

/** Turns one parsed item into a storable one; throws when the item has no title, summary or link. */
export function normalizeItem(raw: ParsedItem, ctx: NormalizeContext): NormalizedItem {
  const link = raw.link === null ? null : canonicalUrl(raw.link, ctx.baseUrl);
  const guidText = raw.guid?.trim() ?? '';
  const guid = guidText === '' ? null : guidText.slice(0, GUID_MAX);

  let summarySource = raw.summaryHtml ?? '';
  let summary = htmlToText(summarySource, SUMMARY_MAX);
  if (summary === '') {
    // A description that is only an image or an empty paragraph says nothing: use the content.
    summarySource = raw.contentHtml ?? '';
    summary = htmlToText(summarySource, SUMMARY_MAX);
  }

  let title = htmlToText(raw.title ?? '', TITLE_MAX);
  if (title === '') title = htmlToText(summarySource, TITLE_FROM_SUMMARY_MAX);
  // Only a usable link may stand in: a `javascript:` href is no title for a reader.
  if (title === '') title = link?.slice(0, TITLE_MAX) ?? '';
  if (title === '') throw new AppError(ErrorCodes.parseError, 'Item has no title, summary or link');

  const { publishedAt, hasPublishedDate } = publicationTime(raw.published, ctx.now);

  const key =
    link !== null
      ? `link:${link}`
      : guid !== null
        ? `guid:${ctx.feedId}:${guid}`
        : `title:${ctx.feedId}:${title}:${raw.published?.trim() ?? ''}`;

  const author = htmlToText(raw.author ?? '', AUTHOR_MAX);
  return {
    id: itemId(key),
    link,
    guid,
    title,
    summary,
    author: author === '' ? null : author,
    publishedAt,
    hasPublishedDate,
  };
}

/** Normalises every item of a feed: a bad item is reported and skipped, duplicates by id keep the first. */
export function normalizeItems(
  feed: ParsedFeed,
  ctx: NormalizeContext,
): { items: NormalizedItem[]; errors: Array<{ index: number; message: string }> } {
  const items: NormalizedItem[] = [];
  const errors: Array<{ index: number; message: string }> = [];
  const seen = new Set<string>();
  feed.items.forEach((raw, index) => {
    try {
      const item = normalizeItem(raw, ctx);
      if (seen.has(item.id)) return;
      seen.add(item.id);
      items.push(item);
    } catch (err) {
      errors.push({ index, message: err instanceof Error ? err.message : String(err) });
    }
  });
  return { items, errors };
}
