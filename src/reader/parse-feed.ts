/**
 * Feed text to ParsedFeed. JSON Feed is read by hand; RSS 0.9x/1.0/2.0 and
 * Atom 0.3/1.0 go through rss-parser's parseString (never parseURL: fetching
 * is the guarded client's job). Everything the parser could trip over is
 * cleaned or refused first, and every failure leaves as an AppError.
 */
import Parser from 'rss-parser';
import { Parser as HtmlParser } from 'htmlparser2';
import { AppError, ErrorCodes } from '../errors.ts';
import type { ItemLimits, ParsedFeed, ParsedItem } from './feed-types.ts';
import { keepNewestItems, keepNewestXmlItems } from './keep-newest.ts';

type XmlFormat = 'rss' | 'atom' | 'rdf';
type Loose = Record<string, unknown>;

const ATOM_NAMESPACES = new Set(['http://www.w3.org/2005/Atom', 'http://purl.org/atom/ns#']);
const RSS1_NAMESPACES = new Set(['http://purl.org/rss/1.0/', 'http://my.netscape.com/rdf/simple/0.9/']);

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

/** Item fields read on top of rss-parser's defaults (raw dates, RSS guid attributes, fallbacks). */
const ITEM_FIELDS = [
  ['guid', 'guidRaw', { keepArray: true }],
  'published',
  'updated',
  'issued',
  'modified',
  'media:title',
  'dcterms:issued',
  'dcterms:modified',
];

/** What the prolog scan learned about the document. */
interface Prolog {
  /** The XML declaration, kept so the parser still sees the version. */
  declaration: string;
  doctype: string | null;
  rootName: string | null;
  /** Offset of the root element's `<`. */
  rootStart: number;
}

/** End offset of a `<!DOCTYPE …>` starting at `start`, honouring quotes and the internal subset. */
function doctypeEnd(text: string, start: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = start + 2; i < text.length; i += 1) {
    const c = text[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth += 1;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === '>' && depth === 0) return i + 1;
  }
  return -1;
}

/** Walks the prolog: XML declaration, comments, processing instructions, DOCTYPE, up to the root element. */
function scanProlog(text: string): Prolog {
  let pos = 0;
  let declaration = '';
  let doctype: string | null = null;
  for (;;) {
    while (pos < text.length && /\s/.test(text[pos] ?? '')) pos += 1;
    if (text.startsWith('<?', pos)) {
      const end = text.indexOf('?>', pos);
      if (end === -1) break;
      if (/^<\?xml\s/.test(text.slice(pos, pos + 6)) && declaration === '') declaration = text.slice(pos, end + 2);
      pos = end + 2;
    } else if (text.startsWith('<!--', pos)) {
      const end = text.indexOf('-->', pos + 4);
      if (end === -1) break;
      pos = end + 3;
    } else if (/^<!doctype/i.test(text.slice(pos, pos + 9))) {
      const end = doctypeEnd(text, pos);
      if (end === -1) {
        doctype = text.slice(pos);
        pos = text.length;
        break;
      }
      doctype = text.slice(pos, end);
      pos = end;
    } else {
      break;
    }
  }
  const root = /^<([A-Za-z_][\w.:-]*)/.exec(text.slice(pos, pos + 200));
  return { declaration, doctype, rootName: root?.[1] ?? null, rootStart: pos };
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

function looksLikeHtml(text: string, prolog: Prolog): boolean {
  if (prolog.doctype !== null && /^<!doctype\s+html\b/i.test(prolog.doctype)) return true;
  const root = prolog.rootName?.toLowerCase();
  if (root === 'html' || root === 'head' || root === 'body') return true;
  return /<html[\s>]|<!doctype\s+html\b/i.test(text.slice(0, 4096));
}

/** The `xmlns:prefix` declarations on the root start tag. */
function rootNamespaces(text: string, rootStart: number): Map<string, string> {
  const end = text.indexOf('>', rootStart);
  const tag = text.slice(rootStart, end === -1 ? rootStart + 4096 : end);
  const found = new Map<string, string>();
  for (const match of tag.matchAll(/\sxmlns:([\w.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    found.set(match[1] ?? '', (match[2] ?? match[3] ?? '').trim());
  }
  return found;
}

const namedEntityCache = new Map<string, string | null>();

/** The characters an HTML named entity stands for, or null when HTML does not define it. */
function decodeNamedEntity(name: string): string | null {
  const cached = namedEntityCache.get(name);
  if (cached !== undefined) return cached;
  let decoded = '';
  const parser = new HtmlParser({ ontext: (t) => (decoded += t) }, { decodeEntities: true });
  parser.end(`&${name};`);
  // HTML also decodes legacy prefixes (`&notit;` → `¬it;`): accept only a whole-name match.
  const result = decoded !== `&${name};` && !decoded.includes(';') && decoded.length <= 2 ? decoded : null;
  if (namedEntityCache.size < 5000) namedEntityCache.set(name, result);
  return result;
}

/** Windows-1252 meaning of 0x80–0x9F, which feeds write as `&#150;` and browsers honour. */
const CP1252_C1 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 || cp === 0xa || cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function charRef(text: string): string {
  return Array.from(text, (ch) => `&#x${(ch.codePointAt(0) ?? 0xfffd).toString(16)};`).join('');
}

const XML_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/**
 * Makes the references of one non-CDATA stretch acceptable to a strict XML
 * parser without changing what a lenient reader would show: HTML named
 * entities become character references, unknown ones and bare `&` become
 * `&amp;`, out-of-range character references are dropped.
 */
function repairReferences(segment: string): string {
  return segment.replace(/&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]{0,31}));|&/g, (all, dec, hex, name) => {
    if (dec !== undefined || hex !== undefined) {
      const cp = dec !== undefined ? Number.parseInt(dec as string, 10) : Number.parseInt(hex as string, 16);
      if (cp >= 0x80 && cp <= 0x9f) return charRef(CP1252_C1[cp - 0x80] ?? '\ufffd');
      return isXmlChar(cp) ? all : '';
    }
    if (name !== undefined) {
      if (XML_ENTITIES.has(name as string)) return all;
      const decoded = decodeNamedEntity(name as string);
      return decoded === null ? `&amp;${name as string};` : charRef(decoded);
    }
    return '&amp;';
  });
}

/** Applies repairReferences outside CDATA sections, whose text is literal. */
function repairOutsideCdata(xml: string): string {
  if (!xml.includes('&')) return xml;
  const out: string[] = [];
  let pos = 0;
  while (pos < xml.length) {
    const start = xml.indexOf('<![CDATA[', pos);
    if (start === -1) {
      out.push(repairReferences(xml.slice(pos)));
      break;
    }
    out.push(repairReferences(xml.slice(pos, start)));
    const end = xml.indexOf(']]>', start + 9);
    const stop = end === -1 ? xml.length : end + 3;
    out.push(xml.slice(start, stop));
    pos = stop;
  }
  return out.join('');
}

/**
 * Atom links must carry `href`; a `<link>URL</link>` written by a careless
 * generator would make rss-parser read `.rel` of undefined and drop the whole feed.
 */
function repairAtomLinks(xml: string): string {
  return xml.replace(/<((?:[\w.-]+:)?link)\s*>([^<]*)<\/\1\s*>/g, (_all, tag: string, href: string) => {
    return `<${tag} href="${href.trim().replace(/"/g, '&quot;')}"/>`;
  });
}

/** Thrown-away control characters: not allowed in XML 1.0 and never meaningful in a feed. */
const INVALID_XML_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

interface PreparedXml {
  xml: string;
  format: XmlFormat;
  /** Element-name rewrites for the parser (namespace prefixes of the feed vocabulary, case). */
  tagName: (name: string) => string;
}

/** Refuses unsafe or non-feed documents and cleans the rest for a strict XML parser. */
function prepareXml(text: string): PreparedXml {
  const prolog = scanProlog(text);
  if (prolog.doctype !== null && /<!ENTITY/i.test(prolog.doctype)) {
    // sax never expands them, but a DTD declaring entities is the shape of billion-laughs
    // and XXE attacks; no real feed needs one, so refuse rather than trust every parser downstream.
    throw new AppError(ErrorCodes.unsafeXml, 'The document declares XML entities in its DTD, which is refused', {
      details: { reason: 'dtd_entity_declaration' },
    });
  }
  if (looksLikeHtml(text, prolog) && !['rss', 'feed', 'RDF'].includes(localName(prolog.rootName ?? ''))) {
    throw new AppError(ErrorCodes.notAFeed, 'The document is an HTML page, not a feed');
  }
  if (prolog.rootName === null) {
    throw new AppError(ErrorCodes.parseError, 'The document does not start with an XML element', {
      details: { start: text.slice(prolog.rootStart, prolog.rootStart + 40) },
    });
  }
  const rootName = prolog.rootName;
  const rootLocal = localName(rootName);
  const format: XmlFormat | null =
    rootLocal === 'rss' ? 'rss' : rootLocal === 'feed' ? 'atom' : rootLocal === 'RDF' ? 'rdf' : null;
  if (format === null) {
    throw new AppError(ErrorCodes.notAFeed, `The document is XML but not an RSS, RDF or Atom feed (root element <${rootName}>)`, {
      details: { rootElement: rootName },
    });
  }

  // Rebuild without comments, processing instructions or DOCTYPE before the root:
  // a comment before the XML declaration is fatal to a strict parser, and the DTD has no use here.
  let xml = prolog.declaration + text.slice(prolog.rootStart);
  xml = xml.replace(INVALID_XML_CHARS, '');

  const namespaces = rootNamespaces(xml, prolog.declaration.length);
  const stripPrefixes = new Set<string>();
  let renameRoot: string | null = null;
  if (format === 'atom' && rootName.includes(':')) {
    const prefix = rootName.slice(0, rootName.indexOf(':'));
    if (ATOM_NAMESPACES.has(namespaces.get(prefix) ?? '')) stripPrefixes.add(prefix);
  }
  if (format === 'rdf') {
    for (const [prefix, uri] of namespaces) if (RSS1_NAMESPACES.has(uri)) stripPrefixes.add(prefix);
    // rss-parser only recognises the conventional `rdf:` prefix.
    if (rootName !== 'rdf:RDF') renameRoot = rootName;
  }
  if (format === 'rss' && !/<(?:[\w.-]+:)?channel[\s>/]/i.test(xml)) {
    throw new AppError(ErrorCodes.parseError, 'The RSS document has no <channel> element');
  }
  if (format === 'rdf' && !/<(?:[\w.-]+:)?channel[\s>/]/.test(xml)) {
    throw new AppError(ErrorCodes.parseError, 'The RSS 1.0 (RDF) document has no <channel> element');
  }
  xml = repairOutsideCdata(xml);
  if (format === 'atom') xml = repairAtomLinks(xml);

  const tagName = (name: string): string => {
    if (name === renameRoot) return 'rdf:RDF';
    const colon = name.indexOf(':');
    if (colon !== -1) {
      if (!stripPrefixes.has(name.slice(0, colon))) return name;
      name = name.slice(colon + 1);
    }
    return CANONICAL_NAMES.get(name.toLowerCase()) ?? name;
  };
  return { xml, format, tagName };
}

/** A string value from rss-parser output, or null (objects with a text node give their text). */
function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value !== null && typeof value === 'object' && typeof (value as Loose)._ === 'string') return (value as Loose)._ as string;
  return null;
}

function nonEmpty(value: unknown): string | null {
  const s = text(value);
  return s === null || s.trim() === '' ? null : s;
}

function firstOf(...values: unknown[]): string | null {
  for (const value of values) {
    const s = nonEmpty(value);
    if (s !== null) return s;
  }
  return null;
}

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

function mapXmlItem(item: Loose, format: XmlFormat): ParsedItem {
  const itunes = (item.itunes ?? {}) as Loose;
  const link = nonEmpty(item.link);
  if (format === 'atom') {
    return {
      title: firstOf(item.title, item['media:title']),
      link,
      guid: nonEmpty(item.id),
      summaryHtml: nonEmpty(item.summary),
      contentHtml: nonEmpty(item.content),
      published: firstOf(item.published, item.issued, item.updated, item.modified, item.pubDate),
      author: firstOf(item.author, item.creator),
    };
  }
  const guid = firstOf(item.guid, item['rdf:about']);
  return {
    title: firstOf(item.title, item['media:title']),
    link: link ?? guidPermalink(item),
    guid,
    // rss-parser stores <description> as `content`; <content:encoded> keeps its own name.
    summaryHtml: firstOf(item.content, item.summary, itunes.summary, itunes.subtitle),
    contentHtml: nonEmpty(item['content:encoded']),
    published: firstOf(item.pubDate, item.date, item['dcterms:issued'], item['dcterms:modified']),
    author: firstOf(item.creator, item.author, itunes.author),
  };
}

/** RSS <ttl> is in minutes. */
function ttlSeconds(value: unknown): number | null {
  const s = nonEmpty(value);
  if (s === null || !/^\s*\d{1,7}\s*$/.test(s)) return null;
  return Number.parseInt(s, 10) * 60;
}

/** rss-parser's messages carry sax's "Line/Column/Char" on extra lines; keep them on one line. */
function describeParserError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const [first, ...rest] = message.split('\n');
  const where = rest.filter((line) => /^(Line|Column):/.test(line)).join(', ').toLowerCase();
  return where === '' ? (first ?? '').trim() : `${(first ?? '').trim()} (${where})`;
}

async function parseXmlFeed(textBody: string, limits: ItemLimits | null): Promise<ParsedFeed> {
  const prepared = prepareXml(textBody);
  const { format, tagName } = prepared;
  const { xml, omitted } = limits === null ? { xml: prepared.xml, omitted: { count: 0, tooOld: 0 } } : keepNewestXmlItems(prepared.xml, format, tagName, limits);
  // A fresh parser per document: xml2js parsers keep state between calls.
  const parser = new Parser<Loose, Loose>({
    defaultRSS: 2.0,
    // rss-parser's typings do not model the [from, to, { keepArray }] form that its code accepts.
    customFields: { feed: [], item: ITEM_FIELDS as never },
    xml2js: {
      tagNameProcessors: [tagName],
      // rss-parser turns an Atom date into ISO with a throwing toISOString(): one
      // invalid <published> would reject every item, so an invalid one is emptied here.
      valueProcessors: [
        (value: string, name: string) =>
          format === 'atom' && (name === 'published' || name === 'updated') && Number.isNaN(Date.parse(value.trim()))
            ? ''
            : value,
      ],
    },
  });
  let output: Loose;
  try {
    output = (await parser.parseString(xml)) as unknown as Loose;
  } catch (err) {
    const detail = describeParserError(err);
    const malformed = /line: \d+/.test(detail) || /Unable to parse XML/.test(detail);
    throw new AppError(
      ErrorCodes.parseError,
      malformed ? `The feed is not well-formed XML: ${detail}` : `The feed could not be parsed: ${detail}`,
      { cause: err, details: { format } },
    );
  }
  const items = Array.isArray(output.items) ? (output.items as unknown[]) : [];
  return {
    format,
    title: nonEmpty(output.title),
    link: nonEmpty(output.link),
    ttlSeconds: format === 'atom' ? null : ttlSeconds(output.ttl),
    items: items.map((item) => mapXmlItem((item ?? {}) as Loose, format)),
    omitted,
  };
}

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
function mapJsonItem(value: unknown): ParsedItem {
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

function parseJsonFeed(body: string, limits: ItemLimits | null): ParsedFeed {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    throw new AppError(ErrorCodes.parseError, `The JSON feed is not valid JSON: ${describeParserError(err)}`, {
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

/**
 * Parses decoded feed text (JSON Feed, RSS 0.9x/1.0/2.0, Atom 0.3/1.0); with `limits`, only the
 * newest `maxItems` items are read and the others counted in `omitted`.
 * Throws AppError: emptyBody, notAFeed (HTML page, other XML or JSON), unsafeXml (DTD entities), parseError.
 */
export async function parseFeed(text: string, limits: ItemLimits | null = null): Promise<ParsedFeed> {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new AppError(ErrorCodes.emptyBody, 'The feed body is empty');
  if (body.trimStart().startsWith('{')) return parseJsonFeed(body, limits);
  return parseXmlFeed(body, limits);
}
