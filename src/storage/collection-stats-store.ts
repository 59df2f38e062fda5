import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';

/** Document frequencies as read from Redis: how many items were counted, and per term in how many it occurred. */
export interface CollectionSnapshot {
  documents: number;
  frequencies: Map<string, number>;
}

/**
 * Collection statistics of everything ingested, from every feed: the number of items counted
 * and, per term, the number of items it occurs in. Writers add whole batches (one pipeline
 * of HINCRBYs per flush); readers take a snapshot now and then.
 */
export class CollectionStatsStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Adds a batch: `documents` more items, and per term the items of the batch that contain it. One round trip. */
  async add(documents: number, frequencies: ReadonlyMap<string, number>): Promise<void> {
    if (documents === 0) return;
    const pipeline = this.redis.pipeline();
    pipeline.incrby(this.keys.collectionDocs, documents);
    for (const [term, n] of frequencies) pipeline.hincrby(this.keys.collectionDf, term, n);
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
  }

  /** The counts as they are now. */
  async snapshot(): Promise<CollectionSnapshot> {
    const docs = await this.redis.get(this.keys.collectionDocs);
    const frequencies = new Map<string, number>();
    // HSCAN in pages rather than one HGETALL: the vocabulary of a large collection is big, and
    // one huge reply would hold Redis up for every other client.
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.collectionDf, cursor, 'COUNT', 5000);
      for (let i = 0; i + 1 < flat.length; i += 2) frequencies.set(flat[i]!, Number(flat[i + 1]));
      cursor = next;
    } while (cursor !== '0');
    return { documents: Number(docs ?? 0), frequencies };
  }
}
