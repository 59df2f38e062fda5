import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { storyInputs } from '../src/pipeline/analyse-items.ts';
import { ItemStore } from '../src/storage/item-store.ts';
import { createKeys } from '../src/storage/keys.ts';
import { SIMILARITY_THRESHOLD } from '../src/tagging/story-signature.ts';
import { dropPrefix, testRedisUrl, uniquePrefix } from './helpers/redis-prefix.ts';

// Story clustering through the LSH band buckets, against a real Redis: near-duplicates meet
// through the packed band hashes, and buckets of the earlier band format are never read.
const prefix = uniquePrefix('story-bands');
const keys = createKeys(prefix);
const redis = new Redis(testRedisUrl);
const store = new ItemStore(redis, keys);

afterAll(async () => {
  redis.disconnect();
  await dropPrefix(prefix);
});

const LEDE = {
  title: 'US and Iran open direct talks in Muscat under Omani mediation',
  summary:
    'The two delegations met in the Omani capital on Saturday for their first formal round in months, with mediators passing written proposals between rooms before a short joint session in the afternoon.',
};
const COPY = { title: LEDE.title, summary: `MUSCAT (Reuters) - ${LEDE.summary} Read more` };
const OTHER = {
  title: 'Oman Air adds a second daily flight to Zanzibar',
  summary: 'The carrier said the extra rotation starts next month, citing strong demand from European tourists connecting through Muscat during the winter season.',
};

const entry = (itemId: string, text: { title: string; summary: string }, publishedAt = 1_000) => ({ itemId, publishedAt, ...storyInputs(text) });

describe('story bands', () => {
  it('puts a syndicated copy into the story of the item it copies, and a different story apart', async () => {
    const now = Date.UTC(2026, 11, 3);
    const [lede, copy, other] = await store.assignStories([entry('a'.repeat(24), LEDE)], SIMILARITY_THRESHOLD, now).then(async (first) => [
      ...first,
      ...(await store.assignStories([entry('b'.repeat(24), COPY), entry('c'.repeat(24), OTHER)], SIMILARITY_THRESHOLD, now)),
    ]);
    expect(lede).toBe('a'.repeat(24));
    expect(copy).toBe('a'.repeat(24));
    expect(other).toBe('c'.repeat(24));
  });

  it('gives an item the story it has on a second call and when it comes twice in one batch (a retried job)', async () => {
    const now = Date.UTC(2026, 8, 3);
    const batch = [entry('1'.repeat(24), LEDE), entry('2'.repeat(24), COPY), entry('1'.repeat(24), LEDE), entry('3'.repeat(24), OTHER)];
    const first = await store.assignStories(batch, SIMILARITY_THRESHOLD, now);
    expect(first).toEqual(['1'.repeat(24), '1'.repeat(24), '1'.repeat(24), '3'.repeat(24)]);
    expect(await store.assignStories(batch, SIMILARITY_THRESHOLD, now)).toEqual(first);
    // A week later the items are found in last week's signatures, still with their stories.
    expect(await store.assignStories(batch.slice(1), SIMILARITY_THRESHOLD, now + 7 * 24 * 3600_000)).toEqual(first.slice(1));
    const members = await redis.zrange(keys.storyMembers('1'.repeat(24)), 0, -1);
    expect(members).toEqual(['2'.repeat(24)]);
  });

  it('never reads a bucket stored under the earlier band format (SHA-1 bands, "bands:" keys)', async () => {
    const now = Date.UTC(2026, 5, 3);
    await store.assignStories([entry('d'.repeat(24), LEDE)], SIMILARITY_THRESHOLD, now);
    const bucketKey = keys.storyBands(Math.floor(now / (7 * 24 * 3600_000)));
    expect(bucketKey).toContain('bands2:');
    expect(await redis.hlen(bucketKey)).toBe(42);
    // The lede's buckets, moved to the name the earlier format used: the copy must not meet them there.
    await redis.rename(bucketKey, bucketKey.replace('bands2:', 'bands:'));
    const [copy] = await store.assignStories([entry('e'.repeat(24), COPY)], SIMILARITY_THRESHOLD, now);
    expect(copy).toBe('e'.repeat(24));
  });
});
