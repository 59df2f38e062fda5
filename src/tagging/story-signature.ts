/**
 * Near-duplicate detection for the digest: a MinHash signature of an item's word 3-grams, so
 * syndicated copies of one story (new dateline, tweaked headline, trailing "Read more", a
 * sentence added) land in one story cluster while different stories on the same topic, which
 * share names but not phrasing, stay apart. Pure arithmetic; the numbers behind every constant
 * are in docs/near-duplicates.md.
 *
 * Signatures are stored in Redis: changing SHINGLE_WORDS, SIGNATURE_LENGTH, the seeds or the
 * normalisation makes old signatures incomparable, so bump SIGNATURE_VERSION when doing so.
 */
import { tokenize, type ItemTokens, type Token } from './text-normalize.ts';

/** A MinHash signature: SIGNATURE_LENGTH unsigned 32-bit minima, one per seeded hash. */
export type StorySignature = Uint32Array;

/** Words per shingle: 3-grams keep shared names ("Abbas Araghchi") from looking like shared text. */
export const SHINGLE_WORDS = 3;
/** Number of seeded hash functions (positions in a signature). */
export const SIGNATURE_LENGTH = 128;
/**
 * LSH banding, 42 bands of 3 positions (126 of 128 banded): P(candidate) = 1 - (1 - s^3)^42 is
 * 0.94 at s = 0.4, 0.996 at 0.5, but 0.04 at 0.1, where most same-topic pairs sit.
 */
export const LSH_BANDS = 42;
/** Positions per LSH band. */
export const LSH_ROWS = 3;
/**
 * Estimated Jaccard similarity at or above which two items are one story. Measured: the 10,011
 * pairs of the two labelled files reach at most 0.125 (p99 0.016); 1,988 constructed
 * syndicated variants have p1 0.50 and 99.75 % reach 0.4 (docs/near-duplicates.md).
 */
export const SIMILARITY_THRESHOLD = 0.4;
/**
 * Below this many words (title + summary after cleaning) an item is hashed as ONE shingle, the
 * whole text: a bare headline then only matches the same headline (after case, punctuation,
 * dateline and boilerplate are normalised away), since one changed word in eight can flip
 * its meaning and a few shared 3-grams would otherwise merge unrelated one-liners.
 */
export const SHORT_TEXT_WORDS = 12;
/** Prefix of the stored form; bump when the signature scheme changes. */
export const SIGNATURE_VERSION = 'mh1';

const EMPTY_SLOT = 0xffffffff;

// Fixed seeds from splitmix32 so every process (and every stored signature) agrees.
const SEEDS: Uint32Array = (() => {
  const seeds = new Uint32Array(SIGNATURE_LENGTH);
  let state = 0x9e3779b9;
  for (let i = 0; i < SIGNATURE_LENGTH; i++) {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    seeds[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return seeds;
})();

const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a over UTF-16 code units, continued from `h`: a shingle is hashed word by word, never joined. */
function fnv1aUpdate(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/** FNV-1a over UTF-16 code units: the base hash of one shingle. */
function fnv1a(text: string): number {
  return fnv1aUpdate(FNV_OFFSET, text) >>> 0;
}

/** The base hash of the shingle "a b c" without building it. */
function fnv1aOfWords(words: readonly string[], from: number, count: number): number {
  let h = fnv1aUpdate(FNV_OFFSET, words[from]!);
  for (let k = 1; k < count; k++) h = fnv1aUpdate(Math.imul(h ^ 0x20, 0x01000193), words[from + k]!);
  return h >>> 0;
}

const HTML_TAG = /<\/?[a-z][^<>]{0,200}>/gi;
const HTML_ENTITY = /&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});/gi;
// "MUSCAT, Oman (AP) —", "WASHINGTON (Reuters) -", "TEHRAN —": a capitalised place, an optional
// region and agency, then a dash set off by spaces (so "US-Iran talks" is never a dateline).
const DATELINE =
  /^\s*[A-Z][A-Z.'’ -]{1,30}(?:,\s*[A-Z][A-Za-z.'’ -]{1,30})?\s*(?:\([A-Za-z][A-Za-z .&/-]{0,30}\)\s*)?[—–-]{1,2}\s+/;
const AGENCY_DATELINE = /^\s*[A-Z][A-Za-z.'’ -]{1,30}(?:,\s*[A-Z][A-Za-z.'’ -]{1,30})?\s*\([A-Za-z][A-Za-z .&/-]{0,30}\)\s*[—–:-]{1,2}\s*/;
// Feed boilerplate that trails the real text; each pattern only matches at the very end.
const TRAILERS: RegExp[] = [
  /\s*The post\b[\s\S]{1,300}?\bappeared first on\b[\s\S]{0,150}$/i,
  /\s*\[\+?\d+ chars\]\s*$/i,
  // "Continue reading" is often followed by the headline, which may hold "U.S." or "5.1".
  /(^|[.!?…"”’)\]»:|—–-]|\s)\s*[[(]?\s*continue reading\b[\s\S]{0,200}$/i,
  // Only as the very last words ("Read more »", "[Full story]"), so "read more carefully" stays.
  /(^|[.!?…"”’)\]»:|—–-]|\s)\s*[[(]?\s*(?:read more|read the full (?:story|article)|read full (?:story|article)|click here to read more|full story)[^\p{L}\p{N}]{0,10}$/iu,
];
// "4,000" and "4000" are one number; the tokenizer would split at the comma.
const DIGIT_GROUP_COMMA = /(\d),(?=\d{3}(?!\d))/g;

// Every trailer holds one of these words (case-folded as the trailers fold them): a text
// without any is not scanned by the four of them.
const TRAILER_WORDS = /appeared first on|chars\]|continue reading|read|full story/iu;

/**
 * Removes HTML remnants, a leading dateline and trailing feed boilerplate. `from` > 0: the
 * result is the text without its first `from` characters (only a dateline was removed);
 * -1: the text changed otherwise.
 */
function cleanText(text: string): { text: string; from: number } {
  let out = text;
  if (out.includes('<')) out = out.replace(HTML_TAG, ' ');
  if (out.includes('&')) out = out.replace(HTML_ENTITY, ' ');
  if (out.includes(',')) out = out.replace(DIGIT_GROUP_COMMA, '$1');
  const inner = out !== text;
  out = out.replace(AGENCY_DATELINE, '').replace(DATELINE, '');
  const undated = out;
  // Boilerplate can stack ("… [+200 chars] Read more"), so strip until nothing changes.
  for (let changed = TRAILER_WORDS.test(out); changed; ) {
    changed = false;
    for (const trailer of TRAILERS) {
      const next = out.replace(trailer, (_m, lead: string | undefined) => (typeof lead === 'string' ? lead : ''));
      if (next !== out) {
        out = next;
        changed = true;
      }
    }
  }
  return { text: out, from: inner || undated !== out ? -1 : text.length - out.length };
}

/**
 * The folded words of one field after cleaning. Given the field's tokens (of the uncleaned
 * text), they are reused when cleaning removed nothing or only a leading dateline and no word
 * straddles the cut: the tokenizer reads forward only, so the words after the cut are then
 * exactly those of the cut text.
 */
function cleanWords(text: string, tokens?: readonly Token[]): string[] {
  const cleaned = cleanText(text);
  if (tokens && cleaned.from >= 0) {
    const from = cleaned.from;
    const words: string[] = [];
    let aligned = true;
    for (const t of tokens) {
      if (t.start >= from) words.push(t.folded);
      else if (t.end > from) aligned = false;
    }
    if (aligned) return words;
  }
  return tokenize(cleaned.text).map((t) => t.folded);
}

function fieldWords(title: string, summary: string, tokens?: ItemTokens): [string[], string[]] {
  return [cleanWords(title, tokens?.title), cleanWords(summary, tokens?.summary)];
}

/** The shingles of an item: word 3-grams of title and summary separately (no 3-gram spans both). */
export function storyShingles(title: string, summary: string, tokens?: ItemTokens): string[] {
  const fields = fieldWords(title, summary, tokens);
  const total = fields[0].length + fields[1].length;
  if (total === 0) return [];
  if (total < SHORT_TEXT_WORDS) return [`=${fields[0].join(' ')}|${fields[1].join(' ')}`];
  const shingles: string[] = [];
  for (const words of fields) {
    if (words.length === 0) continue;
    if (words.length < SHINGLE_WORDS) {
      shingles.push(words.join(' '));
      continue;
    }
    for (let i = 0; i + SHINGLE_WORDS <= words.length; i++) {
      shingles.push(words.slice(i, i + SHINGLE_WORDS).join(' '));
    }
  }
  return shingles;
}

/** The base hashes of an item's shingles, in the order storyShingles lists them (a repeated shingle repeats its hash). */
function shingleHashes(title: string, summary: string, tokens?: ItemTokens): Int32Array {
  const fields = fieldWords(title, summary, tokens);
  const total = fields[0].length + fields[1].length;
  if (total === 0) return new Int32Array(0);
  if (total < SHORT_TEXT_WORDS) return Int32Array.of(fnv1a(`=${fields[0].join(' ')}|${fields[1].join(' ')}`));
  const hashes = new Int32Array(total);
  let n = 0;
  for (const words of fields) {
    if (words.length === 0) continue;
    if (words.length < SHINGLE_WORDS) hashes[n++] = fnv1aOfWords(words, 0, words.length);
    else for (let i = 0; i + SHINGLE_WORDS <= words.length; i++) hashes[n++] = fnv1aOfWords(words, i, SHINGLE_WORDS);
  }
  return hashes.subarray(0, n);
}

/**
 * MinHash signature of an item's title and summary (all slots 0xFFFFFFFF when it has no
 * words); `tokens`: the fields already tokenised (the same signature, one tokenisation fewer).
 */
export function storySignature(title: string, summary: string, tokens?: ItemTokens): StorySignature {
  const bases = shingleHashes(title, summary, tokens);
  const sig = new Uint32Array(SIGNATURE_LENGTH);
  // Slot by slot over every shingle: the running minimum and the seed stay in registers (this
  // loop is most of an item's tagging time). A repeated shingle cannot change a minimum, so
  // none is skipped. Minima are kept with the sign bit flipped: signed comparisons of small
  // integers then order them as unsigned ones would.
  for (let i = 0; i < SIGNATURE_LENGTH; i++) {
    const seed = SEEDS[i]! | 0;
    let min = (EMPTY_SLOT ^ 0x80000000) | 0;
    for (let j = 0; j < bases.length; j++) {
      // fmix32(base ^ seed), inlined.
      let h = bases[j]! ^ seed;
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h = (h ^ (h >>> 16) ^ 0x80000000) | 0;
      if (h < min) min = h;
    }
    sig[i] = (min ^ 0x80000000) >>> 0;
  }
  return sig;
}

/** An item with no words has the all-empty signature; it is never anyone's duplicate. */
function isEmptySignature(sig: StorySignature): boolean {
  for (let i = 0; i < sig.length; i++) if (sig[i] !== EMPTY_SLOT) return false;
  return true;
}

/** Estimated Jaccard similarity of two items' shingle sets: the fraction of equal positions. */
export function estimateSimilarity(a: StorySignature, b: StorySignature): number {
  if (a.length !== b.length) throw new Error('story-signature: signatures of different lengths');
  if (isEmptySignature(a) || isEmptySignature(b)) return 0;
  let equal = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) equal++;
  return equal / a.length;
}

/** Bytes per packed band: its index, then 7 bytes of a hash of its rows. */
export const BAND_BYTES = 8;

/** murmur3's 32-bit finaliser: a bijection that spreads every input bit over the output. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * LSH bands packed end to end, BAND_BYTES per band: its index, then 56 bits of a hash of its
 * LSH_ROWS values; items sharing any band are candidate duplicates (empty for an empty item).
 * Arithmetic on the integers, not a crypto hash of a hex string: a false match only adds a
 * candidate, which is checked on the full signature, so 56 well-mixed bits are plenty (two
 * bands collide by chance once in 7e16). The hash is not the raw values: MinHash minima sit
 * low in the 32-bit range, and the first hash byte picks the bucket (a field of 256 per band).
 * Stored: changing this scheme means a new band key version (storage's storyBands).
 */
export function lshBandHashes(sig: StorySignature): Uint8Array {
  if (isEmptySignature(sig)) return new Uint8Array(0);
  // Not from Buffer's shared pool: a pipeline thread hands this over, and a pooled view would carry its slab.
  const out = new Uint8Array(LSH_BANDS * BAND_BYTES);
  for (let band = 0; band < LSH_BANDS; band++) {
    const at = band * LSH_ROWS;
    const a = sig[at]!;
    const b = sig[at + 1]!;
    const c = sig[at + 2]!;
    // Two different chains (seeds and order) give 64 independent-looking bits, 56 of them kept.
    const h1 = fmix32(fmix32(fmix32(a ^ 0x9e3779b9) ^ b) ^ c);
    const h2 = fmix32(fmix32(fmix32(c ^ 0x7f4a7c15) ^ a) ^ b);
    const o = band * BAND_BYTES;
    out[o] = band;
    out[o + 1] = h1 >>> 24;
    out[o + 2] = (h1 >>> 16) & 0xff;
    out[o + 3] = (h1 >>> 8) & 0xff;
    out[o + 4] = h1 & 0xff;
    out[o + 5] = h2 >>> 24;
    out[o + 6] = (h2 >>> 16) & 0xff;
    out[o + 7] = (h2 >>> 8) & 0xff;
  }
  return out;
}

/** Compact stored form: "mh1:" + base64 of the little-endian Uint32 array (688 chars for 128 slots). */
export function encodeSignature(sig: StorySignature): string {
  const bytes = Buffer.alloc(sig.length * 4);
  for (let i = 0; i < sig.length; i++) bytes.writeUInt32LE(sig[i]!, i * 4);
  return `${SIGNATURE_VERSION}:${bytes.toString('base64')}`;
}

/** Parses encodeSignature's output; throws on another version or a wrong length. */
export function decodeSignature(encoded: string): StorySignature {
  const prefix = `${SIGNATURE_VERSION}:`;
  if (!encoded.startsWith(prefix)) throw new Error('story-signature: unknown signature version');
  const bytes = Buffer.from(encoded.slice(prefix.length), 'base64');
  if (bytes.length !== SIGNATURE_LENGTH * 4) throw new Error('story-signature: signature has the wrong length');
  const sig = new Uint32Array(SIGNATURE_LENGTH);
  for (let i = 0; i < SIGNATURE_LENGTH; i++) sig[i] = bytes.readUInt32LE(i * 4);
  return sig;
}
