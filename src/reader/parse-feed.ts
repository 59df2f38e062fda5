/**
 * Feed text to ParsedFeed: a small dispatcher. The format is detected from the body, XML
 * bodies pass the hygiene checks, and the body goes to that format's module under formats/.
 * Every failure leaves as an AppError.
 */
import { AppError, ErrorCodes } from '../errors.ts';
import { detectFeedFormat } from './detect-format.ts';
import type { ItemLimits, ParsedFeed } from './feed-types.ts';
import { parseAtom } from './formats/atom.ts';
import { parseJsonFeed } from './formats/json-feed.ts';
import { parseRdf } from './formats/rdf.ts';
import { parseRss } from './formats/rss.ts';
import { refuseUnsafeXml } from './xml-hygiene.ts';

/**
 * Parses decoded feed text (JSON Feed, RSS 0.9x/1.0/2.0, Atom 0.3/1.0); with `limits`, only the
 * newest `maxItems` items are read and the others counted in `omitted`.
 * Throws AppError: emptyBody, notAFeed (HTML page, other XML or JSON), unsafeXml (DTD entities), parseError.
 */
export async function parseFeed(text: string, limits: ItemLimits | null = null): Promise<ParsedFeed> {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new AppError(ErrorCodes.emptyBody, 'The feed body is empty');
  const detected = detectFeedFormat(body);
  if (detected.format === 'json') return parseJsonFeed(body, limits);
  refuseUnsafeXml(detected.prolog);
  switch (detected.format) {
    case 'rss':
      return parseRss(body, detected.prolog, limits);
    case 'rdf':
      return parseRdf(body, detected.prolog, limits);
    case 'atom':
      return parseAtom(body, detected.prolog, limits);
    case 'html':
      throw new AppError(ErrorCodes.notAFeed, 'The document is an HTML page, not a feed');
    case 'other-xml': {
      const { rootName } = detected.prolog;
      throw new AppError(ErrorCodes.notAFeed, `The document is XML but not an RSS, RDF or Atom feed (root element <${rootName}>)`, {
        details: { rootElement: rootName },
      });
    }
    case 'no-markup': {
      const { rootStart } = detected.prolog;
      throw new AppError(ErrorCodes.parseError, 'The document does not start with an XML element', {
        details: { start: body.slice(rootStart, rootStart + 40) },
      });
    }
  }
}
