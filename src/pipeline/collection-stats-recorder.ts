import type { Logger } from 'pino';
import { collectionTermsOf } from '../tagging/collection-terms.ts';
import type { CollectionStatsStore } from '../storage/collection-stats-store.ts';

/**
 * Items counted in memory before a flush is forced. Large: a flush costs one HINCRBY per
 * distinct term, and the vocabulary of many items grows far slower than their count (a batch
 * of 500 cost about 9 commands per item, of 5,000 about 3.5 on the ingest bench's varied text).
 */
const FLUSH_ITEMS = 20_000;
/** A partial batch is flushed this long after its first item at most (anchors read a snapshot up to minutes old anyway). */
const FLUSH_MS = 10_000;

/**
 * Counts the document frequencies of newly ingested items in memory and writes them in
 * batches: one pipeline of HINCRBYs per flush, one per distinct term of the batch, so a
 * feed of a hundred new items costs a few hundred commands, not one per term per item.
 * Items are counted once, when the store says they are new; counts that a crash loses
 * before a flush are statistics, and the next items make up for them.
 */
export class CollectionStatsRecorder {
  private documents = 0;
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<CollectionStatsStore, 'add'>,
    private readonly log: Pick<Logger, 'warn'>,
    private readonly options: {
      flushItems?: number;
      flushMs?: number;
      /** Finds the items' terms elsewhere (a pipeline thread); absent: collectionTermsOf on this event loop. */
      termsOf?: (items: ReadonlyArray<{ title: string; summary: string }>) => Promise<string[][]>;
    } = {},
  ) {}

  /** Term lists still being found in a thread: a flush waits for them. */
  private readonly finding = new Set<Promise<void>>();

  /** Counts the terms of newly stored items; flushes when the batch is full. */
  record(items: ReadonlyArray<{ title: string; summary: string }>): void {
    if (items.length === 0) return;
    const termsOf = this.options.termsOf;
    if (!termsOf) {
      this.count(items.map((item) => collectionTermsOf(item)));
      return;
    }
    const found: Promise<void> = termsOf(items)
      .then((lists) => this.count(lists))
      .catch((err: unknown) => this.log.warn({ err, documents: items.length }, 'collection statistics not counted'))
      .finally(() => this.finding.delete(found));
    this.finding.add(found);
  }

  private count(termLists: string[][]): void {
    for (const terms of termLists) {
      for (const term of terms) this.pending.set(term, (this.pending.get(term) ?? 0) + 1);
      this.documents++;
    }
    if (this.documents >= (this.options.flushItems ?? FLUSH_ITEMS)) void this.flushNow();
    else if (this.documents > 0 && !this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushMs ?? FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes what is counted so far, with the terms still being found (one pipeline); resolves when it is written. */
  async flush(): Promise<void> {
    if (this.finding.size > 0) await Promise.all(this.finding);
    return this.flushNow();
  }

  private flushNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.documents === 0) return this.flushing;
    const documents = this.documents;
    const batch = this.pending;
    this.documents = 0;
    this.pending = new Map();
    this.flushing = this.flushing
      .then(() => this.store.add(documents, batch))
      .catch((err: unknown) => this.log.warn({ err, documents }, 'collection statistics not written'));
    return this.flushing;
  }
}
