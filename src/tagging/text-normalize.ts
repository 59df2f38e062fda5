/**
 * The one text normalisation and tokenizer of the project: tagging, the alert query language
 * and the volume `q=` series all read words through it, so "Erdoğan’s" and "ERDOGAN'S" are the
 * same word everywhere. Hot path: no regex and no allocation per character; only words that
 * hold non-ASCII letters pay for Unicode folding.
 */

/** How a word is capitalised where it was written. */
export type CaseShape = 'lower' | 'capital' | 'upper' | 'other';

/** An item's title and summary, each tokenised: what the steps that read an item share. */
export interface ItemTokens {
  title: Token[];
  summary: Token[];
}

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
  /**
   * The word's termOfWord (collection-terms' wordTerm), kept on the token the first
   * time it is asked for: tagging, scoring and term counting each ask for it, several times
   * per token, and a property read costs less than a stem-cache lookup. Undefined until then.
   */
  term?: string;
}

// Apostrophe-like characters that mean the same thing in running text.
const APOSTROPHES = [0x27, 0x2019, 0x2018, 0x2bc, 0x2032, 0x60, 0xb4];
// Dash-like characters that split words (and may hyphenate a line break).
const HYPHENS = [0x2d, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2212];
const SOFT_HYPHEN = 0xad;
// Characters between two words that do NOT break a multi-word name (spaces, quotes, hyphens).
const SOFT_SEPARATORS = [0x20, 0x09, 0x0a, 0x0d, 0xa0, 0x22, 0x201c, 0x201d, 0x201e, 0xab, 0xbb];

// Letters whose NFKD form does not decompose to an ASCII base.
const SPECIAL_FOLDS: Record<string, string> = {
  ı: 'i', İ: 'i', ß: 'ss', ẞ: 'ss', ø: 'o', Ø: 'o', ł: 'l', Ł: 'l', đ: 'd', Đ: 'd',
  æ: 'ae', Æ: 'ae', œ: 'oe', Œ: 'oe', þ: 'th', Þ: 'th', ð: 'd', Ð: 'd', ħ: 'h', Ħ: 'h',
};
const COMBINING_MARKS = /\p{M}+/gu;
const NON_ASCII_WORD = /[\p{L}\p{N}\p{M}]/u;

// What one UTF-16 code unit is, as bits in a table indexed by the code unit: the tokenizer
// reads each character once through it instead of through Set lookups and case conversions.
const WORD = 1;
const UPPER = 2;
const LOWER = 4;
const APOSTROPHE = 8;
const HYPHEN = 16;
const SOFT_SEPARATOR = 32;
const CLASSIFIED = 128;
/** Bits per code unit; 0 until first seen (non-ASCII units are classified on demand, most never appear). */
const CLASS = new Uint8Array(0x10000);

function classify(code: number): number {
  const ch = String.fromCharCode(code);
  let bits = CLASSIFIED;
  if (code < 128) {
    if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57)) bits |= WORD;
    if (code >= 65 && code <= 90) bits |= UPPER;
    if (code >= 97 && code <= 122) bits |= LOWER;
  } else {
    if (code !== SOFT_HYPHEN && NON_ASCII_WORD.test(ch)) bits |= WORD;
    if (ch !== ch.toLowerCase() && ch === ch.toUpperCase()) bits |= UPPER;
    if (ch !== ch.toUpperCase() && ch === ch.toLowerCase()) bits |= LOWER;
  }
  if (APOSTROPHES.includes(code)) bits |= APOSTROPHE;
  if (HYPHENS.includes(code)) bits |= HYPHEN;
  if (SOFT_SEPARATORS.includes(code)) bits |= SOFT_SEPARATOR;
  CLASS[code] = bits;
  return bits;
}
for (let c = 0; c < 128; c++) classify(c);

/** The class bits of a code unit; a position past the end (NaN) is 0, like no character at all. */
function classOf(code: number): number {
  const bits = CLASS[code];
  if (bits === undefined) return 0;
  return bits !== 0 ? bits : classify(code);
}

function isWordCode(code: number): boolean {
  return (classOf(code) & WORD) !== 0;
}

function isUpperCode(code: number): boolean {
  return (classOf(code) & UPPER) !== 0;
}

function isLowerCode(code: number): boolean {
  return (classOf(code) & LOWER) !== 0;
}

/** Folds one word: lowercase, diacritics removed (ğ→g, ı→i, ß→ss), curly apostrophes straight. */
export function foldWord(word: string): string {
  for (let i = 0; i < word.length; i++) if (word.charCodeAt(i) >= 128) return foldNonAscii(word);
  return word.toLowerCase();
}

// Unicode folding (NFKD and a regex) costs microseconds a word, and news repeats its names.
const nonAsciiFolds = new Map<string, string>();
const NON_ASCII_FOLDS_LIMIT = 20_000;

function foldNonAscii(word: string): string {
  const known = nonAsciiFolds.get(word);
  if (known !== undefined) return known;
  let out = '';
  for (const ch of word) {
    const code = ch.charCodeAt(0);
    if ((classOf(code) & APOSTROPHE) !== 0) out += "'";
    else if (code === SOFT_HYPHEN) continue;
    else out += SPECIAL_FOLDS[ch] ?? ch;
  }
  const folded = out.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase();
  if (nonAsciiFolds.size >= NON_ASCII_FOLDS_LIMIT) nonAsciiFolds.clear();
  nonAsciiFolds.set(word, folded);
  return folded;
}

/** Folds a whole phrase word by word and joins the words with single spaces. */
export function foldPhrase(text: string): string {
  const tokens = tokenize(text);
  let out = '';
  for (let i = 0; i < tokens.length; i++) out += (i === 0 ? '' : ' ') + tokens[i]!.folded;
  return out;
}

/**
 * ASCII words as written, interned: news repeats its words, and a word read again reuses the
 * strings of its first reading instead of slicing and lowercasing new ones. Besides the
 * garbage saved (two strings a word, most of a tokenised item), every later Map lookup of a
 * word (stems, matcher, term counts) then meets a string whose hash is already computed and
 * that equals its key by identity. Open addressing on the code units' FNV-1a hash, compared
 * in place; emptied when full, like the other caches (it only holds what text repeats).
 */
const INTERN_SLOTS = 1 << 16;
const INTERN_LIMIT = INTERN_SLOTS >>> 1;
let internHashes = new Int32Array(INTERN_SLOTS);
let internWords: Array<InternedWord | undefined> = new Array<InternedWord | undefined>(INTERN_SLOTS);
let interned = 0;

interface InternedWord {
  text: string;
  folded: string;
}

function sameWord(text: string, start: number, end: number, word: string): boolean {
  if (word.length !== end - start) return false;
  for (let i = start; i < end; i++) if (text.charCodeAt(i) !== word.charCodeAt(i - start)) return false;
  return true;
}

/** The interned strings of the ASCII word text.slice(start, end): itself, and lowercased. */
function internedWord(text: string, start: number, end: number): InternedWord {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  const hash = h | 1; // never 0, the empty slot
  const mask = INTERN_SLOTS - 1;
  for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
    const at = internHashes[slot]!;
    if (at === 0) break;
    if (at === hash) {
      const known = internWords[slot]!;
      if (sameWord(text, start, end, known.text)) return known;
    }
  }
  if (interned >= INTERN_LIMIT) {
    internHashes = new Int32Array(INTERN_SLOTS);
    internWords = new Array<InternedWord | undefined>(INTERN_SLOTS);
    interned = 0;
  }
  // A copy of its own: a slice of 13 characters or more would keep the whole text alive.
  const word = Buffer.from(text.slice(start, end), 'latin1').toString('latin1');
  const lower = word.toLowerCase();
  const entry: InternedWord = { text: word, folded: lower === word ? word : lower };
  let slot = hash & mask;
  while (internHashes[slot] !== 0) slot = (slot + 1) & mask;
  internHashes[slot] = hash;
  internWords[slot] = entry;
  interned++;
  return entry;
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
 * into a flag. Offsets always point into the original text. One pass: each character is
 * classified once, and the word's case shape and whether it needs Unicode folding are
 * gathered on the way (only its letters count: the hyphens, breaks and 's a word drops are
 * never cased letters).
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  let gap = false;
  while (i < n) {
    const code = text.charCodeAt(i);
    const bits = CLASS[code] || classify(code);
    if ((bits & WORD) === 0) {
      if ((bits & (SOFT_SEPARATOR | HYPHEN | APOSTROPHE)) === 0) gap = true;
      i++;
      continue;
    }
    const start = i;
    let joined: string | null = null; // only built when the word spans a removed hyphen/soft hyphen
    let segStart = i;
    let possessive = false;
    let end = i;
    let upper = 0;
    let lower = 0;
    let firstCase = 0; // 0: no cased letter yet, 1: the first was upper, 2: lower
    let wide = 0; // OR of the word's code units: >= 128 when it needs Unicode folding
    while (i < n) {
      const c = text.charCodeAt(i);
      const k = CLASS[c] || classify(c);
      if ((k & WORD) !== 0) {
        if ((k & UPPER) !== 0) {
          upper++;
          if (firstCase === 0) firstCase = 1;
        } else if ((k & LOWER) !== 0) {
          lower++;
          if (firstCase === 0) firstCase = 2;
        }
        wide |= c;
        i++;
        continue;
      }
      if (c === SOFT_HYPHEN && i + 1 < n && isWordCode(text.charCodeAt(i + 1))) {
        joined = (joined ?? '') + text.slice(segStart, i);
        i++;
        segStart = i;
        continue;
      }
      if ((k & HYPHEN) !== 0 && i > start && isLowerCode(text.charCodeAt(i - 1))) {
        const resume = hyphenatedBreakEnd(text, i);
        if (resume > 0) {
          joined = (joined ?? '') + text.slice(segStart, i);
          i = resume;
          segStart = i;
          continue;
        }
      }
      if ((k & APOSTROPHE) !== 0) {
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
          wide |= c;
          i++;
          continue;
        }
        // Trailing apostrophe after a plural: Iranians' → possessive.
        const prev = text.charCodeAt(i - 1);
        if (prev === 0x73 || prev === 0x53) possessive = true;
        else wide |= c; // kept: a lone trailing apostrophe that is not a possessive stays in the word
        end = i;
        i++;
        break;
      }
      break;
    }
    if (!possessive || end === start) end = possessive ? end : i;
    // Sliced lazily: an ASCII word already seen comes from the interned words, not a new string.
    let word = joined === null ? '' : joined + text.slice(segStart, end);
    // Dotted acronyms: U.S. / U.K. / U.S.A. become one word "U.S." folded "us".
    if (end - start === 1 && text.charCodeAt(end) === 0x2e && isUpperCode(text.charCodeAt(start))) {
      let j = end;
      let letters = text.slice(start, end);
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
        tokens.push({ text: word, folded, start, end, shape: 'upper', possessive: false, gapBefore: gap, term: undefined });
        gap = false;
        continue;
      }
    }
    const shape: CaseShape = firstCase === 0 ? 'other' : upper >= 2 && lower === 0 ? 'upper' : firstCase === 1 ? 'capital' : 'lower';
    if (joined === null && wide < 128) {
      const known = internedWord(text, start, end);
      tokens.push({ text: known.text, folded: known.folded, start, end, shape, possessive, gapBefore: gap, term: undefined });
      gap = false;
      continue;
    }
    if (joined === null) word = text.slice(start, end);
    const folded = wide >= 128 ? foldNonAscii(word) : upper === 0 ? word : word.toLowerCase();
    tokens.push({ text: word, folded, start, end, shape, possessive, gapBefore: gap, term: undefined });
    gap = false;
  }
  return tokens;
}
