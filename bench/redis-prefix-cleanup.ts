/**
 * The one prefix cleanup of the benchmarks: every key of a run's REDIS_PREFIX (the app's and
 * BullMQ's, which share the hash tag), matched with the pattern the app's key builder gives.
 */
import type { Redis } from 'ioredis';
import { createKeys } from '../src/storage/keys.ts';

/** UNLINKs every key of `prefix`, a SCAN batch at a time; returns how many were removed. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', createKeys(prefix).all, 'COUNT', 1000);
    cursor = next;
    if (batch.length > 0) removed += await redis.unlink(...batch);
  } while (cursor !== '0');
  return removed;
}

/** deletePrefix, then closes the connection whatever happened: the end of a run. */
export async function deletePrefixAndDisconnect(redis: Redis, prefix: string): Promise<number> {
  try {
    return await deletePrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
