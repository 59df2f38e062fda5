/** RSS 0.9x and 2.0 (root `<rss>`): the items of the first `<channel>`. */
import { AppError, ErrorCodes } from '../../errors.ts';
import type { ItemLimits, ParsedFeed, ParsedItem } from '../feed-types.ts';
import { repairReferences, withoutProlog } from '../xml-hygiene.ts';
import type { RootedProlog } from '../xml-prolog.ts';
import { firstOf, nonEmpty, type Loose } from './loose-values.ts';
import { readXmlFeed } from './xml-feed.ts';
import { feedTagNames } from './xml-tag-names.ts';

/**
 * RSS 2.0: a guid is the item's permalink unless isPermaLink="false"; feeds
 * that give a guid URL and no <link> mean it as the link.
 */
function guidPermalink(item: Loose): string | null {
  const raw = Array.isArray(item.guidRaw) ? (item.guidRaw[0] as unknown) : undefined;
  const value = nonEmpty(raw);
  if (value === null || !/^\s*https?:\/\//i.test(value)) return null;
  const attrs = raw !== null && typeof raw === 'object' ? ((raw as Loose).$ as Loose | undefined) : undefined;
  return String(attrs?.isPermaLink ?? 'true').trim().toLowerCase() === 'false' ? null : value.trim();
}

/** An RSS item (0.9x, 1.0 or 2.0) as rss-parser gives it → ParsedItem. */
export function mapRssItem(item: Loose): ParsedItem {
  const itunes = (item.itunes ?? {}) as Loose;
  return {
    title: firstOf(item.title, item['media:title']),
    link: nonEmpty(item.link) ?? guidPermalink(item),
    guid: firstOf(item.guid, item['rdf:about']),
    // rss-parser stores <description> as `content`; <content:encoded> keeps its own name.
    summaryHtml: firstOf(item.content, item.summary, itunes.summary, itunes.subtitle),
    contentHtml: nonEmpty(item['content:encoded']),
    published: firstOf(item.pubDate, item.date, item['dcterms:issued'], item['dcterms:modified']),
    author: firstOf(item.creator, item.author, itunes.author),
  };
}

/** RSS <ttl> is in minutes; the result is in seconds, or null when absent or not a whole number. */
export function ttlSeconds(value: unknown): number | null {
  const s = nonEmpty(value);
  if (s === null || !/^\s*\d{1,7}\s*$/.test(s)) return null;
  return Number.parseInt(s, 10) * 60;
}

/** Parses an RSS 0.9x/2.0 document whose prolog was scanned. Throws AppError parseError (no channel, malformed). */
export async function parseRss(body: string, prolog: RootedProlog, limits: ItemLimits | null): Promise<ParsedFeed> {
  const xml = withoutProlog(body, prolog);
  if (!/<(?:[\w.-]+:)?channel[\s>/]/i.test(xml)) {
    throw new AppError(ErrorCodes.parseError, 'The RSS document has no <channel> element');
  }
  const { output, items, omitted } = await readXmlFeed(repairReferences(xml), 'rss', { tagName: feedTagNames() }, limits);
  return {
    format: 'rss',
    title: nonEmpty(output.title),
    link: nonEmpty(output.link),
    ttlSeconds: ttlSeconds(output.ttl),
    items: items.map(mapRssItem),
    omitted,
  };
}
