/**
 * The cap on the items read from one document. rss-parser builds a whole xml2js tree, which
 * for a 100,000-item feed takes a gigabyte; so before it runs, one streaming pass (htmlparser2
 * in XML mode) notes where each item is and when it was published, and the document is
 * rebuilt with only the newest items. Everything but the dropped items stays byte for byte.
 */
import { Parser } from 'htmlparser2';
import { AppError, ErrorCodes } from '../errors.ts';
import type { ItemLimits, OmittedItems, ParsedItem, XmlFeedFormat } from './feed-types.ts';
import { publicationTime } from './normalize-item.ts';

/** Date elements of an item, in the order formats/rss.ts and atom.ts prefer them (names as tagName gives them). */
const DATE_FIELDS: Record<XmlFeedFormat, string[]> = {
  rss: ['pubDate', 'dc:date', 'dcterms:issued', 'dcterms:modified'],
  rdf: ['pubDate', 'dc:date', 'dcterms:issued', 'dcterms:modified'],
  atom: ['published', 'issued', 'updated', 'modified', 'pubDate'],
};

/** Anything that may be an item's start tag; more matches than items is fine, fewer never happens. */
const ITEM_TAG = /<(?:[\w.-]+:)?(?:item|entry)[\s>/]/gi;

const NONE: OmittedItems = { count: 0, tooOld: 0 };

/** True when the text may hold more than `max` item start tags (a cheap test before the real pass). */
function mayExceed(xml: string, max: number): boolean {
  ITEM_TAG.lastIndex = 0;
  let seen = 0;
  while (ITEM_TAG.exec(xml) !== null) if (++seen > max) return true;
  return false;
}

/**
 * Indices of the `max` newest of `times` (epoch ms), ties kept in document order; the
 * others are marked in the returned array as dropped (1).
 */
function droppedBeyond(times: Float64Array, max: number): Uint8Array {
  const order = Array.from({ length: times.length }, (_, i) => i);
  order.sort((a, b) => times[b]! - times[a]! || a - b);
  const dropped = new Uint8Array(times.length);
  for (let k = max; k < order.length; k++) dropped[order[k]!] = 1;
  return dropped;
}

function tooOldAmong(times: Float64Array, dropped: Uint8Array, notBefore: number | null): number {
  if (notBefore === null) return 0;
  let n = 0;
  for (let i = 0; i < times.length; i++) if (dropped[i] === 1 && times[i]! < notBefore) n++;
  return n;
}

/** A growable list of numbers kept in a typed array: 100,000 items cost 800 KB, not objects. */
class Numbers {
  private data = new Float64Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** True when the text ending at `end` closes element `name`: its end tag, or a self-closing start tag. */
function endsElement(xml: string, end: number, name: string, sameTag: boolean): boolean {
  if (xml.charCodeAt(end - 1) !== 0x3e /* > */) return false;
  if (sameTag && xml.charCodeAt(end - 2) === 0x2f /* / */) return true;
  const open = xml.lastIndexOf('</', end - 1);
  return open !== -1 && xml.slice(open + 2, end - 1).trim() === name;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Keeps the `limits.maxItems` newest items of a cleaned XML feed (see xml-hygiene.ts and
 * formats/: `tagName` folds case and feed-vocabulary prefixes). The items counted are the
 * ones rss-parser reads: those of the first channel (RSS) or of the root (RSS 1.0, Atom).
 * Throws AppError(parseError) when an item of an over-long document is not closed.
 */
export function keepNewestXmlItems(
  xml: string,
  format: XmlFeedFormat,
  tagName: (name: string) => string,
  limits: ItemLimits,
): { xml: string; omitted: OmittedItems } {
  if (!mayExceed(xml, limits.maxItems)) return { xml, omitted: NONE };
  const itemName = format === 'atom' ? 'entry' : 'item';
  const dateFields = DATE_FIELDS[format];
  // Depth of the items' parent: the first <channel> under <rss>, else the root itself.
  const parentDepth = format === 'rss' ? 2 : 1;
  const starts = new Numbers();
  const ends = new Numbers();
  const times = new Numbers();

  let depth = 0;
  let channelsSeen = 0;
  let inItemsParent = false;
  let itemOpen = false;
  let itemRawName = '';
  let itemStart = 0;
  let dates: Array<string | null> = [];
  let dateField = -1;
  let dateText = '';
  let unclosedAt = -1;

  const closeItem = (end: number) => {
    let published: string | null = null;
    for (const value of dates) {
      if (value !== null) {
        published = value;
        break;
      }
    }
    starts.push(itemStart);
    ends.push(end);
    times.push(publicationTime(published, limits.now).publishedAt);
    itemOpen = false;
  };

  const parser = new Parser(
    {
      onopentag(name) {
        depth++;
        const canonical = tagName(name);
        if (depth === parentDepth) {
          inItemsParent = format !== 'rss' ? depth === 1 : canonical === 'channel' && ++channelsSeen === 1;
        } else if (depth === parentDepth + 1 && inItemsParent && canonical === itemName) {
          itemOpen = true;
          itemRawName = name;
          itemStart = parser.startIndex;
          dates = dateFields.map(() => null);
        } else if (itemOpen && depth === parentDepth + 2) {
          const field = dateFields.indexOf(canonical);
          if (field !== -1 && dates[field] === null) {
            dateField = field;
            dateText = '';
          }
        }
      },
      ontext(text) {
        if (dateField !== -1) dateText += text;
      },
      onclosetag(name) {
        if (itemOpen && depth === parentDepth + 2 && dateField !== -1) {
          const value = dateText.trim();
          // Atom dates that do not parse are emptied for rss-parser too (see formats/atom.ts).
          const usable = value !== '' && !(format === 'atom' && Number.isNaN(Date.parse(value)));
          if (usable) dates[dateField] = value;
          dateField = -1;
        } else if (itemOpen && depth === parentDepth + 1 && name === itemRawName) {
          const end = parser.endIndex + 1;
          // An implied close (end of input, a mismatched end tag) leaves no `</name>` or `/>` here.
          if (!endsElement(xml, end, name, parser.startIndex === itemStart) && unclosedAt === -1) unclosedAt = itemStart;
          closeItem(end);
        }
        if (depth === parentDepth) inItemsParent = false;
        depth--;
      },
    },
    { xmlMode: true },
  );
  parser.end(xml);

  if (times.length <= limits.maxItems) return { xml, omitted: NONE };
  if (unclosedAt !== -1) {
    // A strict parser would refuse it too; refusing here keeps the whole tree from being built first.
    throw new AppError(ErrorCodes.parseError, `The feed is not well-formed XML: an <${itemName}> element is not closed (line ${lineOf(xml, unclosedAt)})`, {
      details: { format },
    });
  }
  const t = times.view();
  const dropped = droppedBeyond(t, limits.maxItems);
  const s = starts.view();
  const e = ends.view();
  const parts: string[] = [];
  let pos = 0;
  for (let i = 0; i < t.length; i++) {
    if (dropped[i] !== 1) continue;
    parts.push(xml.slice(pos, s[i]));
    pos = e[i]!;
  }
  parts.push(xml.slice(pos));
  return { xml: parts.join(''), omitted: { count: t.length - limits.maxItems, tooOld: tooOldAmong(t, dropped, limits.notBefore) } };
}

/** Keeps the `limits.maxItems` newest of already mapped items (JSON Feed), ties in document order. */
export function keepNewestItems(items: ParsedItem[], limits: ItemLimits): { items: ParsedItem[]; omitted: OmittedItems } {
  if (items.length <= limits.maxItems) return { items, omitted: NONE };
  const times = Float64Array.from(items, (item) => publicationTime(item.published, limits.now).publishedAt);
  const dropped = droppedBeyond(times, limits.maxItems);
  return {
    items: items.filter((_, i) => dropped[i] !== 1),
    omitted: { count: items.length - limits.maxItems, tooOld: tooOldAmong(times, dropped, limits.notBefore) },
  };
}
