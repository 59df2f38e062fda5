/**
 * The element-name rewrite that rss-parser (through xml2js) and the keep-newest pass both
 * apply, so that the names they compare are the ones rss-parser knows.
 */

/**
 * Lower-case spelling → canonical spelling of the RSS and Atom elements
 * rss-parser reads. Some generators write `<PubDate>` or `<TITLE>`; matching
 * these names case-insensitively (as iTunes and most readers do) keeps such
 * feeds readable. Only unprefixed names are folded.
 */
const CANONICAL_NAMES = new Map(
  [
    'rss', 'channel', 'item', 'title', 'link', 'description', 'pubDate', 'lastBuildDate', 'guid', 'author',
    'category', 'comments', 'enclosure', 'source', 'ttl', 'image', 'url', 'language', 'copyright',
    'managingEditor', 'webMaster', 'generator', 'docs', 'textInput', 'skipHours', 'skipDays', 'feed', 'entry',
    'id', 'updated', 'published', 'summary', 'content', 'name', 'email', 'uri', 'subtitle', 'rights',
    'issued', 'modified', 'created',
  ].map((name) => [name.toLowerCase(), name]),
);

/**
 * The rewrite for one document: `stripPrefixes` are prefixes bound to the feed's own vocabulary
 * (dropped), `renameRoot` a root element name to read as `rdf:RDF` (rss-parser knows only that spelling).
 */
export function feedTagNames(stripPrefixes: ReadonlySet<string> = new Set(), renameRoot: string | null = null): (name: string) => string {
  return (name: string): string => {
    if (name === renameRoot) return 'rdf:RDF';
    const colon = name.indexOf(':');
    if (colon !== -1) {
      if (!stripPrefixes.has(name.slice(0, colon))) return name;
      name = name.slice(colon + 1);
    }
    return CANONICAL_NAMES.get(name.toLowerCase()) ?? name;
  };
}
