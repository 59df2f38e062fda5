/**
 * What every XML feed goes through before a parser sees it: documents that are unsafe are
 * refused, and the rest is cleaned of what a strict XML parser would trip over but a lenient
 * reader would show (prolog clutter, control characters, HTML entities, bare ampersands).
 */
import { Parser as HtmlParser } from 'htmlparser2';
import { AppError, ErrorCodes } from '../errors.ts';
import type { Prolog } from './xml-prolog.ts';

/** Refuses a DTD that declares entities (AppError unsafeXml); any other prolog passes. */
export function refuseUnsafeXml(prolog: Prolog): void {
  if (prolog.doctype !== null && /<!ENTITY/i.test(prolog.doctype)) {
    // sax never expands them, but a DTD declaring entities is the shape of billion-laughs
    // and XXE attacks; no real feed needs one, so refuse rather than trust every parser downstream.
    throw new AppError(ErrorCodes.unsafeXml, 'The document declares XML entities in its DTD, which is refused', {
      details: { reason: 'dtd_entity_declaration' },
    });
  }
}

/** Thrown-away control characters: not allowed in XML 1.0 and never meaningful in a feed. */
const INVALID_XML_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/**
 * The document rebuilt as its XML declaration followed by the root element, without the
 * comments, processing instructions or DOCTYPE before it (a comment before the declaration is
 * fatal to a strict parser, and the DTD has no use here), and without invalid XML characters.
 * The root element then starts at `prolog.declaration.length`.
 */
export function withoutProlog(text: string, prolog: Prolog): string {
  return (prolog.declaration + text.slice(prolog.rootStart)).replace(INVALID_XML_CHARS, '');
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
function repairStretch(segment: string): string {
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

/** Repairs entity and character references outside CDATA sections, whose text is literal. */
export function repairReferences(xml: string): string {
  if (!xml.includes('&')) return xml;
  const out: string[] = [];
  let pos = 0;
  while (pos < xml.length) {
    const start = xml.indexOf('<![CDATA[', pos);
    if (start === -1) {
      out.push(repairStretch(xml.slice(pos)));
      break;
    }
    out.push(repairStretch(xml.slice(pos, start)));
    const end = xml.indexOf(']]>', start + 9);
    const stop = end === -1 ? xml.length : end + 3;
    out.push(xml.slice(start, stop));
    pos = stop;
  }
  return out.join('');
}
