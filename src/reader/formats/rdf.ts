/** RSS 1.0 and 0.90 (root `rdf:RDF`): channel and items are siblings under the root. */
import { AppError, ErrorCodes } from '../../errors.ts';
import type { ItemLimits, ParsedFeed } from '../feed-types.ts';
import { repairReferences, withoutProlog } from '../xml-hygiene.ts';
import { rootNamespaces, type RootedProlog } from '../xml-prolog.ts';
import { nonEmpty } from './loose-values.ts';
import { mapRssItem, ttlSeconds } from './rss.ts';
import { readXmlFeed } from './xml-feed.ts';
import { feedTagNames } from './xml-tag-names.ts';

const RSS1_NAMESPACES = new Set(['http://purl.org/rss/1.0/', 'http://my.netscape.com/rdf/simple/0.9/']);

/** Parses an RSS 1.0 (RDF) document whose prolog was scanned. Throws AppError parseError (no channel, malformed). */
export async function parseRdf(body: string, prolog: RootedProlog, limits: ItemLimits | null): Promise<ParsedFeed> {
  const xml = withoutProlog(body, prolog);
  // Elements written with a prefix bound to the RSS 1.0 namespace (`<rss:item>`) are read unprefixed.
  const stripPrefixes = new Set<string>();
  for (const [prefix, uri] of rootNamespaces(xml, prolog.declaration.length)) if (RSS1_NAMESPACES.has(uri)) stripPrefixes.add(prefix);
  if (!/<(?:[\w.-]+:)?channel[\s>/]/.test(xml)) {
    throw new AppError(ErrorCodes.parseError, 'The RSS 1.0 (RDF) document has no <channel> element');
  }
  // rss-parser only recognises the conventional `rdf:` prefix.
  const renameRoot = prolog.rootName === 'rdf:RDF' ? null : prolog.rootName;
  const tagName = feedTagNames(stripPrefixes, renameRoot);
  const { output, items, omitted } = await readXmlFeed(repairReferences(xml), 'rdf', { tagName }, limits);
  return {
    format: 'rdf',
    title: nonEmpty(output.title),
    link: nonEmpty(output.link),
    ttlSeconds: ttlSeconds(output.ttl),
    items: items.map(mapRssItem),
    omitted,
  };
}
