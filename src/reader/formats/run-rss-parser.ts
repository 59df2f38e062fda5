/**
 * The one call into rss-parser (parseString; never parseURL: fetching is the guarded client's
 * job). rss-parser rejects with plain Errors that differ only in text, so this wrapper tells
 * them apart by the stage it observes on rss-parser's xml2js parser: an error reported before
 * the tree was delivered means the document is not well-formed; a failure after it means the
 * XML is fine but rss-parser could not map it to a feed.
 */
import { EventEmitter } from 'node:events';
import Parser from 'rss-parser';
import type { Loose } from './loose-values.ts';
import { parserErrorDetail } from './parser-error-detail.ts';

/** The document is not well-formed XML: xml2js could not build its tree. The message is the parser's, on one line. */
export class XmlSyntaxError extends Error {
  constructor(cause: unknown) {
    super(parserErrorDetail(cause), { cause });
    this.name = 'XmlSyntaxError';
  }
}

/** The XML tree was built, but rss-parser could not map it to a feed. The message is rss-parser's, on one line. */
export class FeedMappingError extends Error {
  constructor(cause: unknown) {
    super(parserErrorDetail(cause), { cause });
    this.name = 'FeedMappingError';
  }
}

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

/** How a format module wants the document read. */
export interface RssParserOptions {
  /** Element-name rewrite (feed-vocabulary prefixes, case), applied as xml2js reads each tag. */
  tagName: (name: string) => string;
  /** Text rewrites by element name, applied as xml2js closes each element. */
  valueProcessors?: Array<(value: string, name: string) => string>;
}

/**
 * rss-parser's xml2js parser (an EventEmitter: 'end' delivers the tree, 'error' a syntax error).
 * It is not in rss-parser's typings; checked at run time so an upgrade that moves it fails loudly.
 */
function xmlEvents(parser: Parser<Loose, Loose>): EventEmitter {
  const xmlParser = (parser as unknown as { xmlParser?: unknown }).xmlParser;
  if (!(xmlParser instanceof EventEmitter)) throw new TypeError('rss-parser no longer exposes its xml2js parser as xmlParser');
  return xmlParser;
}

/** Parses cleaned feed XML with rss-parser; rejects with XmlSyntaxError or FeedMappingError only. */
export async function runRssParser(xml: string, options: RssParserOptions): Promise<Loose> {
  // A fresh parser per document: xml2js parsers keep state between calls.
  const parser = new Parser<Loose, Loose>({
    defaultRSS: 2.0,
    // rss-parser's typings do not model the [from, to, { keepArray }] form that its code accepts.
    customFields: { feed: [], item: ITEM_FIELDS as never },
    xml2js: {
      tagNameProcessors: [options.tagName],
      ...(options.valueProcessors === undefined ? {} : { valueProcessors: options.valueProcessors }),
    },
  });
  // Registered before parseString registers rss-parser's own listeners, so these run first; each
  // removes the other, so that later events behave exactly as without them (an 'error' listener
  // would otherwise keep xml2js from throwing a mapping failure back to rss-parser).
  const seen: { tree: 'pending' | 'built' | 'failed' } = { tree: 'pending' };
  const events = xmlEvents(parser);
  const onEnd = (result: unknown) => {
    events.off('error', onError);
    seen.tree = result === null || result === undefined ? 'failed' : 'built';
  };
  const onError = () => {
    events.off('end', onEnd);
    seen.tree = 'failed';
  };
  events.once('end', onEnd);
  events.once('error', onError);
  try {
    return (await parser.parseString(xml)) as unknown as Loose;
  } catch (err) {
    throw seen.tree === 'built' ? new FeedMappingError(err) : new XmlSyntaxError(err);
  }
}
