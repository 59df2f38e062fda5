import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** A prefix no other test file or run shares, so suites can run side by side on one Redis. */
export function uniquePrefix(name: string): string {
  return `test-${name}-${randomBytes(4).toString('hex')}`;
}

/** The Redis URL tests use. */
export const testRedisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** Deletes every key under a prefix (both the hash-tagged and plain forms). */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: 1 });
  try {
    for (const pattern of [`{${prefix}}*`, `${prefix}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
