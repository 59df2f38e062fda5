/**
 * The step the XML formats share once their module has cleaned the document: keep the newest
 * items, run rss-parser, and turn its classified failures into AppErrors.
 */
import { AppError, ErrorCodes } from '../../errors.ts';
import type { ItemLimits, OmittedItems, XmlFeedFormat } from '../feed-types.ts';
import { keepNewestXmlItems } from '../keep-newest.ts';
import type { Loose } from './loose-values.ts';
import { FeedMappingError, runRssParser, XmlSyntaxError, type RssParserOptions } from './run-rss-parser.ts';

/** rss-parser's output for one document, its items, and the items the cap left out. */
export interface XmlFeedOutput {
  output: Loose;
  items: Loose[];
  omitted: OmittedItems;
}

/** Reads cleaned feed XML: with `limits`, the newest items only. Throws AppError parseError when it does not parse. */
export async function readXmlFeed(
  xml: string,
  format: XmlFeedFormat,
  options: RssParserOptions,
  limits: ItemLimits | null,
): Promise<XmlFeedOutput> {
  const kept = limits === null ? { xml, omitted: { count: 0, tooOld: 0 } } : keepNewestXmlItems(xml, format, options.tagName, limits);
  let output: Loose;
  try {
    output = await runRssParser(kept.xml, options);
  } catch (err) {
    if (err instanceof XmlSyntaxError) {
      throw new AppError(ErrorCodes.parseError, `The feed is not well-formed XML: ${err.message}`, { cause: err.cause, details: { format } });
    }
    if (err instanceof FeedMappingError) {
      throw new AppError(ErrorCodes.parseError, `The feed could not be parsed: ${err.message}`, { cause: err.cause, details: { format } });
    }
    throw err;
  }
  const items = Array.isArray(output.items) ? (output.items as unknown[]) : [];
  return { output, items: items.map((item) => (item ?? {}) as Loose), omitted: kept.omitted };
}
