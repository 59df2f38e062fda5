/** Document frequencies over everything ingested: a read-only snapshot the pipeline fills from Redis. */

/** How many documents the collection holds, and in how many of them a term (see collectionTermsOf) occurs. */
export interface CollectionStats {
  documents: number;
  documentFrequency(term: string): number;
}

/** The empty collection: a cold start, where the tagger's word-frequency prior takes over. */
export const EMPTY_COLLECTION_STATS: CollectionStats = Object.freeze({
  documents: 0,
  documentFrequency: () => 0,
});
