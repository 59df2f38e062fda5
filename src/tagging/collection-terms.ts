/**
 * The terms the collection counts: Porter stems of an item's content words, plus adjacent
 * content-word pairs ("peace_talk"), so document frequencies say what "talks", "peace",
 * "president" weigh against the story's distinctive words. The pipeline counts these per
 * ingested item; the relevance model reads the same function, so both sides agree.
 */
import { stemmer } from 'stemmer';
import { tokenize, type ItemTokens, type Token } from './text-normalize.ts';

/** At most this many distinct terms are counted per item (unigrams first). */
export const MAX_COLLECTION_TERMS = 60;

// Function words: never terms.
const STOPWORDS = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both
  but by can could did do does doing down during each few for from further had has have having he her here hers herself
  him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or
  other our ours ourselves out over own same she should so some such than that the their theirs them themselves then
  there these they this those through to too under until up very was we were what when where which while who whom why
  will with would you your yours yourself yourselves yet may might must shall upon via per whether though although
  since within without among amid onto toward towards behind beyond across around along ever every many much one two
  three four five six seven eight nine ten`.split(/\s+/),
);

const stemCache = new Map<string, string>();
const STEM_CACHE_LIMIT = 50_000;

/** The term of one folded word ('' for a function word, a number or a one- or two-letter word). */
export function termOfWord(folded: string): string {
  let term = stemCache.get(folded);
  if (term !== undefined) return term;
  const c = folded.charCodeAt(0);
  term = folded.length < 3 || STOPWORDS.has(folded) || (c >= 48 && c <= 57) ? '' : stemmer(folded);
  if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
  stemCache.set(folded, term);
  return term;
}

/** termOfWord of a token's folded word, kept on the token (see Token.term) for the next step that asks. */
export function wordTerm(t: Token): string {
  const known = t.term;
  if (known !== undefined) return known;
  return (t.term = termOfWord(t.folded));
}

/**
 * The term "prev_term" of two adjacent words, built once per pair: the same pair string for
 * every item, so counting, tallying and looking it up hash it once (not a new string per use).
 */
const pairStrings = new Map<string, Map<string, string>>();
let pairsKept = 0;
const PAIR_CACHE_LIMIT = 100_000;

export function pairTerm(prev: string, term: string): string {
  let row = pairStrings.get(prev);
  let pair = row?.get(term);
  if (pair !== undefined) return pair;
  // Emptied when full, like the stem cache: it only holds what text repeats.
  if (pairsKept >= PAIR_CACHE_LIMIT) {
    pairStrings.clear();
    pairsKept = 0;
    row = undefined;
  }
  if (row === undefined) pairStrings.set(prev, (row = new Map<string, string>()));
  pair = `${prev}_${term}`;
  row.set(term, pair);
  pairsKept++;
  return pair;
}

/** The term of a phrase: its words' terms joined by "_" ('' when a word is a function word). */
export function termOfPhrase(phrase: string): string {
  const terms = tokenize(phrase).map((t) => termOfWord(t.folded));
  return terms.length === 0 || terms.includes('') ? '' : terms.join('_');
}

/** The term a token counts as: "US", "UK", "EU" (two-letter acronyms) are entities, not function words. */
function termOfToken(t: Token): string {
  return t.shape === 'upper' && t.folded.length === 2 ? t.folded : wordTerm(t);
}

/** Unigram and adjacent-pair terms of tokenised fields, in order of first appearance, deduplicated. */
export function termsOfTokens(fields: Token[][]): { unigrams: string[]; pairs: string[] } {
  const unigrams = new Set<string>();
  const pairs = new Set<string>();
  for (const field of fields) {
    let prev = '';
    for (const t of field) {
      const term = termOfToken(t);
      if (term !== '') unigrams.add(term);
      if (term !== '' && prev !== '' && !t.gapBefore) pairs.add(pairTerm(prev, term));
      prev = term;
    }
  }
  return { unigrams: [...unigrams], pairs: [...pairs] };
}

/**
 * The distinct terms the pipeline counts for one ingested item (≤ MAX_COLLECTION_TERMS):
 * termsOfTokens' unigrams, then its pairs, cut at the limit. Pairs are only built while
 * there is room for them (an item of 120 words often has enough unigrams alone); `tokens`:
 * its title and summary already tokenised (the same terms).
 */
export function collectionTermsOf(item: { title: string; summary: string }, tokens?: ItemTokens): string[] {
  const fields = [tokens?.title ?? tokenize(item.title), tokens?.summary ?? tokenize(item.summary)];
  const out: string[] = [];
  const seen = new Set<string>();
  const termsByField: string[][] = [];
  for (const field of fields) {
    const terms: string[] = new Array<string>(field.length);
    for (let i = 0; i < field.length; i++) {
      const term = termOfToken(field[i]!);
      terms[i] = term;
      if (term === '' || seen.has(term)) continue;
      seen.add(term);
      out.push(term);
      if (out.length === MAX_COLLECTION_TERMS) return out;
    }
    termsByField.push(terms);
  }
  const pairs = new Set<string>();
  for (const [f, field] of fields.entries()) {
    const terms = termsByField[f]!;
    for (let i = 1; i < field.length; i++) {
      const term = terms[i]!;
      const prev = terms[i - 1]!;
      if (term === '' || prev === '' || field[i]!.gapBefore) continue;
      const pair = pairTerm(prev, term);
      if (pairs.has(pair)) continue;
      pairs.add(pair);
      out.push(pair);
      if (out.length === MAX_COLLECTION_TERMS) return out;
    }
  }
  return out;
}
