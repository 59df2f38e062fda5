/**
 * The one text normalisation and tokenizer of the project: tagging, the alert query language
 * and the volume `q=` series all read words through it, so "Erdoğan’s" and "ERDOGAN'S" are the
 * same word everywhere. Hot path: no regex and no allocation per character; only words that
 * hold non-ASCII letters pay for Unicode folding.
 */

/** How a word is capitalised where it was written. */
export type CaseShape = 'lower' | 'capital' | 'upper' | 'other';

/** One word of a text, with its place in the original string. */
export interface Token {
  /** The word as written (possessive suffix removed, hyphenated line break removed). */
  text: string;
  /** Lowercase, diacritics folded, apostrophes straight: the form every lookup uses. */
  folded: string;
  /** Offsets in the original text: text.slice(start, end) covers the word (without 's). */
  start: number;
  end: number;
  shape: CaseShape;
  /** The word carried a possessive 's / ’s / trailing apostrophe. */
  possessive: boolean;
  /** Punctuation other than spaces, hyphens and quotes separates this word from the previous one. */
  gapBefore: boolean;
}

// Apostrophe-like characters that mean the same thing in running text.
const APOSTROPHES = new Set([0x27, 0x2019, 0x2018, 0x2bc, 0x2032, 0x60, 0xb4]);
// Dash-like characters that split words (and may hyphenate a line break).
const HYPHENS = new Set([0x2d, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2212]);
const SOFT_HYPHEN = 0xad;
// Characters between two words that do NOT break a multi-word name (spaces, quotes, hyphens).
const SOFT_SEPARATORS = new Set([0x20, 0x09, 0x0a, 0x0d, 0xa0, 0x22, 0x201c, 0x201d, 0x201e, 0xab, 0xbb]);

// Letters whose NFKD form does not decompose to an ASCII base.
const SPECIAL_FOLDS: Record<string, string> = {
  ı: 'i', İ: 'i', ß: 'ss', ẞ: 'ss', ø: 'o', Ø: 'o', ł: 'l', Ł: 'l', đ: 'd', Đ: 'd',
  æ: 'ae', Æ: 'ae', œ: 'oe', Œ: 'oe', þ: 'th', Þ: 'th', ð: 'd', Ð: 'd', ħ: 'h', Ħ: 'h',
};
const COMBINING_MARKS = /\p{M}+/gu;
const NON_ASCII_WORD = /[\p{L}\p{N}\p{M}]/u;
const nonAsciiWordCache = new Map<number, boolean>();

function isWordCode(code: number): boolean {
  if (code < 128) {
    return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57);
  }
  if (code === SOFT_HYPHEN) return false;
  let known = nonAsciiWordCache.get(code);
  if (known === undefined) {
    known = NON_ASCII_WORD.test(String.fromCharCode(code));
    nonAsciiWordCache.set(code, known);
  }
  return known;
}

function isUpperCode(code: number): boolean {
  if (code < 128) return code >= 65 && code <= 90;
  const ch = String.fromCharCode(code);
  return ch !== ch.toLowerCase() && ch === ch.toUpperCase();
}

function isLowerCode(code: number): boolean {
  if (code < 128) return code >= 97 && code <= 122;
  const ch = String.fromCharCode(code);
  return ch !== ch.toUpperCase() && ch === ch.toLowerCase();
}

/** Folds one word: lowercase, diacritics removed (ğ→g, ı→i, ß→ss), curly apostrophes straight. */
export function foldWord(word: string): string {
  let ascii = true;
  for (let i = 0; i < word.length; i++) {
    if (word.charCodeAt(i) >= 128) {
      ascii = false;
      break;
    }
  }
  if (ascii) return word.toLowerCase();
  let out = '';
  for (const ch of word) {
    const code = ch.charCodeAt(0);
    if (APOSTROPHES.has(code)) out += "'";
    else if (code === SOFT_HYPHEN) continue;
    else out += SPECIAL_FOLDS[ch] ?? ch;
  }
  return out.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase();
}

/** Folds a whole phrase word by word and joins the words with single spaces. */
export function foldPhrase(text: string): string {
  const tokens = tokenize(text);
  let out = '';
  for (let i = 0; i < tokens.length; i++) out += (i === 0 ? '' : ' ') + tokens[i]!.folded;
  return out;
}

function shapeOf(text: string): CaseShape {
  let upper = 0;
  let lower = 0;
  let firstLetterUpper: boolean | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isUpperCode(c)) {
      upper++;
      if (firstLetterUpper === null) firstLetterUpper = true;
    } else if (isLowerCode(c)) {
      lower++;
      if (firstLetterUpper === null) firstLetterUpper = false;
    }
  }
  if (firstLetterUpper === null) return 'other';
  if (upper >= 2 && lower === 0) return 'upper';
  return firstLetterUpper ? 'capital' : 'lower';
}

/** A hyphen at `i` followed by a line break and a lowercase letter: a word broken across lines. */
function hyphenatedBreakEnd(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length && (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x09)) j++;
  if (text.charCodeAt(j) === 0x0d) j++;
  if (text.charCodeAt(j) !== 0x0a) return -1;
  j++;
  while (j < text.length && (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x09)) j++;
  return j < text.length && isLowerCode(text.charCodeAt(j)) ? j : -1;
}

/**
 * Splits text into words: hyphens and line breaks separate words, a hyphen at a line break
 * joining two lowercase halves is removed, "U.S." is one word, a possessive 's is stripped
 * into a flag. Offsets always point into the original text.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  let gap = false;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (!isWordCode(code)) {
      if (!SOFT_SEPARATORS.has(code) && !HYPHENS.has(code) && !APOSTROPHES.has(code)) gap = true;
      i++;
      continue;
    }
    const start = i;
    let joined: string | null = null; // only built when the word spans a removed hyphen/soft hyphen
    let segStart = i;
    let possessive = false;
    let end = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (isWordCode(c)) {
        i++;
        continue;
      }
      if (c === SOFT_HYPHEN && i + 1 < n && isWordCode(text.charCodeAt(i + 1))) {
        joined = (joined ?? '') + text.slice(segStart, i);
        i++;
        segStart = i;
        continue;
      }
      if (HYPHENS.has(c) && i > start && isLowerCode(text.charCodeAt(i - 1))) {
        const resume = hyphenatedBreakEnd(text, i);
        if (resume > 0) {
          joined = (joined ?? '') + text.slice(segStart, i);
          i = resume;
          segStart = i;
          continue;
        }
      }
      if (APOSTROPHES.has(c)) {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        const after = i + 2 < n ? text.charCodeAt(i + 2) : 0;
        if ((next === 0x73 || next === 0x53) && !isWordCode(after)) {
          possessive = true;
          end = i;
          i += 2;
          break;
        }
        if (isWordCode(next)) {
          // Inner apostrophe (O'Brien, don't) stays part of the word.
          i++;
          continue;
        }
        // Trailing apostrophe after a plural: Iranians' → possessive.
        const prev = text.charCodeAt(i - 1);
        if (prev === 0x73 || prev === 0x53) possessive = true;
        end = i;
        i++;
        break;
      }
      break;
    }
    if (!possessive || end === start) end = possessive ? end : i;
    let word = joined === null ? text.slice(start, end) : joined + text.slice(segStart, end);
    // Dotted acronyms: U.S. / U.K. / U.S.A. become one word "U.S." folded "us".
    if (end - start === 1 && text.charCodeAt(end) === 0x2e && isUpperCode(text.charCodeAt(start))) {
      let j = end;
      let letters = word;
      while (j + 2 < n + 1 && text.charCodeAt(j) === 0x2e && isUpperCode(text.charCodeAt(j + 1)) &&
        (j + 2 >= n || !isWordCode(text.charCodeAt(j + 2)) || text.charCodeAt(j + 2) === 0x2e)) {
        letters += text[j + 1];
        j += 2;
      }
      if (letters.length >= 2) {
        if (text.charCodeAt(j) === 0x2e) j++;
        end = j;
        i = j;
        word = text.slice(start, end);
        const folded = letters.toLowerCase();
        tokens.push({ text: word, folded, start, end, shape: 'upper', possessive: false, gapBefore: gap });
        gap = false;
        continue;
      }
    }
    tokens.push({ text: word, folded: foldWord(word), start, end, shape: shapeOf(word), possessive, gapBefore: gap });
    gap = false;
  }
  return tokens;
}
