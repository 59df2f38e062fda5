/** Atom 1.0 and 0.3 (root `<feed>`): entries under the root. */
import type { ItemLimits, ParsedFeed, ParsedItem } from '../feed-types.ts';
import { repairReferences, withoutProlog } from '../xml-hygiene.ts';
import { rootNamespaces, type RootedProlog } from '../xml-prolog.ts';
import { firstOf, nonEmpty, type Loose } from './loose-values.ts';
import { readXmlFeed } from './xml-feed.ts';
import { feedTagNames } from './xml-tag-names.ts';

const ATOM_NAMESPACES = new Set(['http://www.w3.org/2005/Atom', 'http://purl.org/atom/ns#']);

/**
 * Atom links must carry `href`; a `<link>URL</link>` written by a careless
 * generator would make rss-parser read `.rel` of undefined and drop the whole feed.
 */
function repairAtomLinks(xml: string): string {
  return xml.replace(/<((?:[\w.-]+:)?link)\s*>([^<]*)<\/\1\s*>/g, (_all, tag: string, href: string) => {
    return `<${tag} href="${href.trim().replace(/"/g, '&quot;')}"/>`;
  });
}

/**
 * rss-parser turns an Atom date into ISO with a throwing toISOString(): one
 * invalid <published> would reject every entry, so an invalid one is emptied as it is read.
 */
function emptyInvalidDate(value: string, name: string): string {
  return (name === 'published' || name === 'updated') && Number.isNaN(Date.parse(value.trim())) ? '' : value;
}

/** An Atom entry as rss-parser gives it → ParsedItem. */
export function mapAtomItem(item: Loose): ParsedItem {
  return {
    title: firstOf(item.title, item['media:title']),
    link: nonEmpty(item.link),
    guid: nonEmpty(item.id),
    summaryHtml: nonEmpty(item.summary),
    contentHtml: nonEmpty(item.content),
    published: firstOf(item.published, item.issued, item.updated, item.modified, item.pubDate),
    author: firstOf(item.author, item.creator),
  };
}

/** Parses an Atom 0.3/1.0 document whose prolog was scanned. Throws AppError parseError when malformed. */
export async function parseAtom(body: string, prolog: RootedProlog, limits: ItemLimits | null): Promise<ParsedFeed> {
  const xml = withoutProlog(body, prolog);
  const { rootName } = prolog;
  // `<a:feed xmlns:a="…Atom">`: the Atom elements are read unprefixed.
  const stripPrefixes = new Set<string>();
  if (rootName.includes(':')) {
    const prefix = rootName.slice(0, rootName.indexOf(':'));
    if (ATOM_NAMESPACES.has(rootNamespaces(xml, prolog.declaration.length).get(prefix) ?? '')) stripPrefixes.add(prefix);
  }
  const options = { tagName: feedTagNames(stripPrefixes), valueProcessors: [emptyInvalidDate] };
  const { output, items, omitted } = await readXmlFeed(repairAtomLinks(repairReferences(xml)), 'atom', options, limits);
  return {
    format: 'atom',
    title: nonEmpty(output.title),
    link: nonEmpty(output.link),
    ttlSeconds: null,
    items: items.map(mapAtomItem),
    omitted,
  };
}
