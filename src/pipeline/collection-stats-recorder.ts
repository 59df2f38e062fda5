import type { Logger } from 'pino';
import { collectionTermsOf } from '../tagging/collection-terms.ts';
import type { CollectionStatsStore } from '../storage/collection-stats-store.ts';
import { TermTally, type TermCounts } from './term-tally.ts';

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
  /** Items recorded since the last flush began (counted here or in a thread): the size trigger. */
  private recorded = 0;
  /** Terms counted on this event loop. */
  private pending = new TermTally();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<CollectionStatsStore, 'add'>,
    private readonly log: Pick<Logger, 'warn'>,
    private readonly options: {
      flushItems?: number;
      flushMs?: number;
      /**
       * Counts the items' terms elsewhere (pipeline threads): null when counted there, else
       * the term lists to count here; `drain` hands over (and restarts) what was counted
       * there. Absent: collectionTermsOf on this event loop.
       */
      counter?: {
        count(items: ReadonlyArray<{ title: string; summary: string }>): Promise<string[][] | null>;
        drain(): Promise<TermCounts[]>;
      };
    } = {},
  ) {}

  /** Counts still under way in a thread: a flush waits for them. */
  private readonly finding = new Set<Promise<void>>();

  /** Counts the terms of newly stored items; flushes when the batch is full. */
  record(items: ReadonlyArray<{ title: string; summary: string }>): void {
    if (items.length === 0) return;
    const counter = this.options.counter;
    if (!counter) {
      for (const item of items) this.pending.add(collectionTermsOf(item));
    } else {
      const found: Promise<void> = counter
        .count(items)
        .then((lists) => lists?.forEach((terms) => this.pending.add(terms)))
        .catch((err: unknown) => this.log.warn({ err, documents: items.length }, 'collection statistics not counted'))
        .finally(() => this.finding.delete(found));
      this.finding.add(found);
    }
    this.recorded += items.length;
    if (this.recorded >= (this.options.flushItems ?? FLUSH_ITEMS)) void this.flushNow();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushMs ?? FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes what is counted so far, with the terms still being counted (one pipeline); resolves when it is written. */
  async flush(): Promise<void> {
    if (this.finding.size > 0) await Promise.all(this.finding);
    return this.flushNow();
  }

  private flushNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.recorded = 0;
    const counter = this.options.counter;
    // A thread's counts are posted to it before this drain, so they are in its tally.
    const drained = counter ? counter.drain() : Promise.resolve([]);
    const batch = this.pending;
    this.pending = new TermTally();
    this.flushing = this.flushing
      .then(async () => {
        for (const tally of await drained) batch.merge(tally);
        if (batch.documents > 0) await this.store.add(batch.documents, batch.frequencies);
      })
      .catch((err: unknown) => this.log.warn({ err, documents: batch.documents }, 'collection statistics not written'));
    return this.flushing;
  }
}
