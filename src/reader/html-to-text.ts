/**
 * Plain text from the HTML fragments that feeds put in titles and summaries.
 */
import { Parser } from 'htmlparser2';

/** Elements whose content is code or markup for machines, never reader text. */
const DROPPED = new Set(['script', 'style', 'noscript', 'template', 'head']);

/** Elements that start a new line in a browser: without a space, their words would run together. */
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'caption', 'dd', 'details', 'div', 'dl', 'dt',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li',
  'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead',
  'tr', 'ul', 'img', 'iframe', 'video', 'audio',
]);

/** A real tag or entity left after one decoding pass: the feed escaped its HTML twice. */
const LOOKS_LIKE_MARKUP = /<\/?[a-z][a-z0-9]*(?:\s[^<>]*)?\/?>|&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});/i;

function stripOnce(html: string): string {
  const parts: string[] = [];
  let dropDepth = 0;
  const parser = new Parser(
    {
      onopentagname(name) {
        if (DROPPED.has(name)) dropDepth += 1;
        else if (BLOCKS.has(name)) parts.push(' ');
      },
      onclosetag(name) {
        if (DROPPED.has(name)) dropDepth = Math.max(0, dropDepth - 1);
        else if (BLOCKS.has(name)) parts.push(' ');
      },
      ontext(text) {
        if (dropDepth === 0) parts.push(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return parts.join('');
}

/** A space to fold: JavaScript's \s (WhiteSpace and LineTerminator) and the zero-width space. */
function isFoldedSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200b) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * Folds every run of whitespace (including no-break and ideographic spaces) to one space and
 * trims both ends: what `replace(/[\s\u200b]+/g, ' ').trim()` gives, without a match per
 * space (text is mostly single spaces already: only other runs are cut and joined).
 */
function foldWhitespace(text: string): string {
  const n = text.length;
  let i = 0;
  while (i < n && isFoldedSpace(text.charCodeAt(i))) i++;
  let end = n;
  while (end > i && isFoldedSpace(text.charCodeAt(end - 1))) end--;
  let out = '';
  let from = i;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (!isFoldedSpace(c)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (isFoldedSpace(text.charCodeAt(j))) j++; // stops inside: text[end - 1] is no space
    if (c !== 0x20 || j !== i + 1) {
      out += `${text.slice(from, i)} `;
      from = j;
    }
    i = j;
  }
  return from === 0 && end === n ? text : out + text.slice(from, end);
}

/** Cuts at the last word boundary before `maxLength` and marks the cut with an ellipsis. */
function capAtWord(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  if (maxLength <= 1) return maxLength === 1 ? '…' : '';
  let cut = text.slice(0, maxLength - 1);
  const endsOnBoundary = text[maxLength - 1] === ' ';
  const lastSpace = cut.lastIndexOf(' ');
  // One giant "word" (a URL, CJK text without spaces) is cut mid-word rather than emptied.
  if (!endsOnBoundary && lastSpace > maxLength * 0.5) cut = cut.slice(0, lastSpace);
  // Never leave half a surrogate pair behind.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.replace(/[\s,;:.\-–—]+$/u, '')}…`;
}

/** Plain text of an HTML fragment: tags dropped, entities decoded, whitespace folded, capped at a word boundary. */
export function htmlToText(html: string, maxLength: number): string {
  if (typeof html !== 'string' || html === '' || maxLength <= 0) return '';
  // Most titles carry no markup at all: skip the parser for them.
  let text = html.includes('<') || html.includes('&') ? stripOnce(html) : html;
  if (LOOKS_LIKE_MARKUP.test(text)) text = stripOnce(text);
  return capAtWord(foldWhitespace(text), maxLength);
}
