/**
 * Which kind of document a feed body is, from its first characters and root element,
 * before any parser runs. Pure classification: the dispatcher decides what each kind means.
 */
import type { XmlFeedFormat } from './feed-types.ts';
import { localName, scanProlog, type Prolog, type RootedProlog } from './xml-prolog.ts';

/** A body's kind: a feed format, or the reason it is none. */
export type DetectedFormat =
  | { format: 'json' }
  | { format: XmlFeedFormat | 'other-xml'; prolog: RootedProlog }
  | { format: 'html' | 'no-markup'; prolog: Prolog };

/** Root element local names of the XML feed formats. */
const ROOTS = new Map<string, XmlFeedFormat>([
  ['rss', 'rss'],
  ['feed', 'atom'],
  ['RDF', 'rdf'],
]);

function looksLikeHtml(text: string, prolog: Prolog): boolean {
  if (prolog.doctype !== null && /^<!doctype\s+html\b/i.test(prolog.doctype)) return true;
  const root = prolog.rootName?.toLowerCase();
  if (root === 'html' || root === 'head' || root === 'body') return true;
  return /<html[\s>]|<!doctype\s+html\b/i.test(text.slice(0, 4096));
}

/** Classifies a non-blank body: JSON (starts with `{`), RSS, RDF, Atom, an HTML page, other XML, or no markup. */
export function detectFeedFormat(body: string): DetectedFormat {
  if (body.trimStart().startsWith('{')) return { format: 'json' };
  const prolog = scanProlog(body);
  const feedFormat = prolog.rootName === null ? undefined : ROOTS.get(localName(prolog.rootName));
  // An HTML mention inside a real feed root (an embedded page, a doctype left over) does not make it a page.
  if (feedFormat === undefined && looksLikeHtml(body, prolog)) return { format: 'html', prolog };
  const { rootName } = prolog;
  if (rootName === null) return { format: 'no-markup', prolog };
  return { format: feedFormat ?? 'other-xml', prolog: { ...prolog, rootName } };
}
