/** A tally as plain data (what a thread hands over). */
export interface TermCounts {
  documents: number;
  frequencies: ReadonlyMap<string, number>;
}

/**
 * Document frequencies counted in memory: per term the number of documents it occurs in, and
 * the number of documents. Plain data (a Map and a number), so a tally crosses a thread
 * boundary as it is: a pipeline thread counts new items' terms into its own and hands it over
 * at a flush, and the event loop never holds every item's term list.
 */
export class TermTally {
  documents = 0;
  frequencies = new Map<string, number>();

  /** Counts one document's (distinct) terms. */
  add(terms: readonly string[]): void {
    for (const term of terms) this.frequencies.set(term, (this.frequencies.get(term) ?? 0) + 1);
    this.documents++;
  }

  /** Adds another tally's counts (a structured clone of one is plain data: no methods). */
  merge(other: TermCounts): void {
    for (const [term, n] of other.frequencies) this.frequencies.set(term, (this.frequencies.get(term) ?? 0) + n);
    this.documents += other.documents;
  }
}
