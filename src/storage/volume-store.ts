import type { Redis } from 'ioredis';
import { defineScript } from './define-script.ts';
import type { Keys } from './keys.ts';

// Counts members of a ZSET scored by publication time in consecutive half-open buckets
// [b[i], b[i+1]) in one round trip: the series read the very index the digest uses, so
// they can never drift from it.
const BUCKET_COUNTS = `
local out = {}
for i = 1, #ARGV - 1 do
  out[i] = redis.call('ZCOUNT', KEYS[1], ARGV[i], '(' .. ARGV[i + 1])
end
return out
`;

/** Reads of the per-item indexes for coverage volume. */
export class VolumeStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    defineScript(redis, 'awBucketCounts', BUCKET_COUNTS, 1);
  }

  /** Items per bucket of each entity of an anchor, and of all items (for shares), in one pipeline. */
  async counts(anchorId: string, entityKeys: string[], bounds: number[], withTotal: boolean): Promise<{ byEntity: number[][]; total: number[] | null }> {
    const pipeline = this.redis.pipeline();
    const args = bounds.map(String);
    for (const key of entityKeys) pipeline.awBucketCounts(this.keys.entityItems(anchorId, key), ...args);
    if (withTotal) pipeline.awBucketCounts(this.keys.items, ...args);
    const results = (await pipeline.exec()) ?? [];
    const series = results.map(([err, counts]) => {
      if (err) throw err;
      return (counts as number[]).map(Number);
    });
    return { byEntity: series.slice(0, entityKeys.length), total: withTotal ? series[entityKeys.length]! : null };
  }

  /** Items of an anchor's entity between two times (ms, [from, to)). */
  async entityCount(anchorId: string, entityKey: string, fromMs: number, toMs: number): Promise<number> {
    return this.redis.zcount(this.keys.entityItems(anchorId, entityKey), fromMs, `(${toMs}`);
  }

  /** Ids with their publication times in a ZSET between two times, [from, to). */
  private async idsBetween(key: string, fromMs: number, toMs: number, limit: number): Promise<Array<{ id: string; at: number }>> {
    const raw = await this.redis.zrange(key, fromMs, `(${toMs}`, 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES');
    const out: Array<{ id: string; at: number }> = [];
    for (let i = 0; i < raw.length; i += 2) out.push({ id: raw[i]!, at: Number(raw[i + 1]) });
    return out;
  }

  /** Every item published between two times, up to `limit`. */
  allItemsBetween(fromMs: number, toMs: number, limit: number) {
    return this.idsBetween(this.keys.items, fromMs, toMs, limit);
  }

  /** The items of an anchor's entity published between two times, up to `limit`. */
  entityItemsBetween(anchorId: string, entityKey: string, fromMs: number, toMs: number, limit: number) {
    return this.idsBetween(this.keys.entityItems(anchorId, entityKey), fromMs, toMs, limit);
  }

  /** The digest items of an anchor published between two times, up to `limit`. */
  digestItemsBetween(anchorId: string, fromMs: number, toMs: number, limit: number) {
    return this.idsBetween(this.keys.digest(anchorId), fromMs, toMs, limit);
  }
}
