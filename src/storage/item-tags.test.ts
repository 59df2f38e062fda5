import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPrefix, testRedisUrl, uniquePrefix } from '../../test/helpers/redis-prefix.ts';
import type { NormalizedItem } from '../model/item.ts';
import type { ItemTags } from '../model/tags.ts';
import { ItemStore } from './item-store.ts';
import { createKeys } from './keys.ts';

// The tag step patches an item's record in place (its leader and tag map): every other field,
// a second feed's link, other anchors' tags and the version rule must come through it intact.
const prefix = uniquePrefix('item-tags');
const keys = createKeys(prefix);
const redis = new Redis(testRedisUrl);
const store = new ItemStore(redis, keys);

afterAll(async () => {
  redis.disconnect();
  await dropPrefix(prefix);
});

function item(id: string, words: number): NormalizedItem {
  return {
    id,
    link: `https://news.example/${id}`,
    guid: null,
    title: `Talks in Muscat ${id}`,
    summary: Array.from({ length: words }, (_, i) => `word${i % 17}`).join(' '),
    author: 'A. Writer',
    publishedAt: 1_700_000_000_123,
    hasPublishedDate: true,
  };
}

function tags(version: number, score: number, entityKeys: string[]): ItemTags {
  return {
    entities: entityKeys.map((key, i) => ({ key, count: i + 1 })),
    score,
    relevant: score > 0.5,
    version,
    why: { threshold: 0.5, evidence: [{ kind: 'entity', name: 'Oman', weight: 0.25 }, { kind: 'term', name: 'talks', weight: 0.125 }] },
    judged: null,
  };
}

describe('item tag writes', () => {
  it('writes tags per anchor, keeps the newer version, sets the story once and leaves every other field as stored', async () => {
    const long = item('aaaaaaaaaaaaaaaaaaaaaaaa', 300);
    const short = item('bbbbbbbbbbbbbbbbbbbbbbbb', 3);
    await store.ingest('feed-1', [long, short], 5000);
    // A second feed carrying the long item: its record is then re-packed by the store script.
    await store.ingest('feed-2', [{ ...long, link: 'https://mirror.example/a' }], 6000);
    const before = await store.getMany([long.id, short.id]);

    await store.writeTags([
      { anchorId: 'anchor-one', itemId: long.id, tags: tags(1, 0.75, ['oman', 'muscat']), leader: short.id },
      { anchorId: 'anchor-one', itemId: short.id, tags: tags(1, 0.25, []) },
      { anchorId: 'anchor-two', itemId: long.id, tags: tags(3, 0.5, ['iran']) },
    ]);
    // A newer version replaces; an older one is refused; a second story hint is ignored.
    await store.writeTags([{ anchorId: 'anchor-one', itemId: long.id, tags: tags(2, 0.9, ['oman']), leader: 'cccccccccccccccccccccccc' }]);
    await store.writeTags([{ anchorId: 'anchor-two', itemId: long.id, tags: tags(2, 0.1, []) }]);
    // A gone item stays gone.
    await store.writeTags([{ anchorId: 'anchor-one', itemId: 'dddddddddddddddddddddddd', tags: tags(1, 0.9, []) }]);

    const [a, b] = await store.getMany([long.id, short.id, 'dddddddddddddddddddddddd']);
    const { tags: aTags, ...aRest } = a!;
    const { tags: _beforeTags, ...aBefore } = before[0]!;
    expect(aRest).toEqual(aBefore);
    expect(a!.sources).toEqual({ 'feed-1': long.link, 'feed-2': 'https://mirror.example/a' });
    expect(aTags).toEqual({ 'anchor-one': tags(2, 0.9, ['oman']), 'anchor-two': tags(3, 0.5, ['iran']) });
    expect(b!.tags).toEqual({ 'anchor-one': tags(1, 0.25, []) });
    expect(b!.summary).toBe(short.summary);
    const raw = await redis.getBuffer(keys.item(long.id));
    // The leader (position 13) was set from the first hint only.
    expect(raw!.includes(Buffer.from(short.id, 'hex')) || raw!.includes(Buffer.from(short.id))).toBe(true);
    expect(raw!.includes(Buffer.from('cccccccccccccccccccccccc'))).toBe(false);
  });
});
