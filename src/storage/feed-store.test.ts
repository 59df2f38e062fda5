import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPrefix, testRedisUrl, uniquePrefix } from '../../test/helpers/redis-prefix.ts';
import { FeedStore } from './feed-store.ts';
import { createKeys } from './keys.ts';

// The poll path's writes (grouped feed updates), the scheduler's gathering claim and the bulk
// host slots, against a real Redis.
const prefix = uniquePrefix('feed-store');
const keys = createKeys(prefix);
const redis = new Redis(testRedisUrl);
const store = new FeedStore(redis, keys);

afterAll(async () => {
  redis.disconnect();
  await dropPrefix(prefix);
});

async function feed(url: string, now = 1000): Promise<string> {
  return (await store.create({ url, title: null, intervalSeconds: null, now })).feed.id;
}

describe('feed store', () => {
  it('applies updates made together as if one after another: the last one of a feed decides its fields and schedule', async () => {
    const a = await feed('https://a.example/feed');
    const b = await feed('https://b.example/feed');
    const c = await feed('https://c.example/feed');
    await Promise.all([
      store.update(a, { lastStatus: 200, nextPollAt: 5000, weekItems: { count: 3, at: 900 } }),
      store.update(b, { status: 'disabled', lastStatus: 410, nextPollAt: null }),
      store.update(a, { lastStatus: 304, nextPollAt: 7000 }),
      store.update(c, { status: 'disabled', nextPollAt: null }),
      store.update(c, { status: 'active', nextPollAt: 9000 }),
    ]);
    const [fa, fb, fc] = await store.getMany([a, b, c]);
    expect(fa).toMatchObject({ lastStatus: 304, nextPollAt: 7000, weekItems: { count: 3, at: 900 } });
    expect(fb).toMatchObject({ status: 'disabled', lastStatus: 410 });
    expect(fc).toMatchObject({ status: 'active', nextPollAt: 9000 });
    expect(await redis.zscore(keys.schedule, a)).toBe('7000');
    expect(await redis.zscore(keys.schedule, b)).toBeNull();
    expect(await redis.zscore(keys.schedule, c)).toBe('9000');
  });

  it('claims a few due feeds only once the oldest has waited long enough, and a full batch at once', async () => {
    const ids = await Promise.all([1, 2, 3].map((n) => feed(`https://due-${n}.example/feed`, 10_000)));
    // A schedule of its own: the feeds of the previous test are due too.
    await redis.zrem(keys.schedule, ...(await redis.zrange(keys.schedule, 0, -1)).filter((id) => !ids.includes(id)));
    const gather = { minBatch: 5, maxWaitMs: 1000 };
    expect(await store.claimDue(10_500, 60_000, 100, gather)).toEqual([]);
    const claimed = await store.claimDue(11_000, 60_000, 100, gather);
    expect(claimed.map((c) => c.id).sort()).toEqual([...ids].sort());
    // Claimed: pushed on by the lease, so the next check finds nothing.
    expect(await store.claimDue(11_000, 60_000, 100, { minBatch: 1, maxWaitMs: 0 })).toEqual([]);
    expect(await store.claimDue(71_000, 60_000, 100, { minBatch: 3, maxWaitMs: 1000 })).toHaveLength(3);
  });

  it('leases host slots in bulk up to the limit, renews the ones still held, and gives them back in one call', async () => {
    const key = keys.hostSlots('bulk.example');
    // Real times: the key expires with its latest lease.
    const t = Date.now();
    expect(await store.acquireHostSlots('bulk.example', ['a', 'b', 'c'], 2, 1000, t)).toBe(2);
    expect(await redis.zrange(key, 0, -1)).toEqual(['a', 'b']);
    expect(await store.acquireHostSlots('bulk.example', ['d'], 2, 1000, t + 500)).toBe(0);
    // Past their lease, a's and b's slots go to whoever asks.
    expect(await store.acquireHostSlots('bulk.example', ['d'], 2, 1000, t + 1001)).toBe(1);
    expect(await store.renewHostSlots('bulk.example', ['a', 'd'], 60_000, t + 1100)).toEqual(['a']);
    expect(Number(await redis.zscore(key, 'd'))).toBe(t + 61_100);
    await store.releaseHostSlots('bulk.example', ['d', 'a']);
    expect(await redis.exists(key)).toBe(0);
  });
});
