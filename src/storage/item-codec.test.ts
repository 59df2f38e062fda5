import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { NormalizedItem } from '../model/item.ts';
import type { ItemTags } from '../model/tags.ts';
import { decodeItem, encodeNewItem, encodeTags, ITEM_FIELD, packValue, unpackValue } from './item-codec.ts';

const item = (over: Partial<NormalizedItem> = {}): NormalizedItem => ({
  id: '0123456789abcdef01234567',
  link: 'https://news.example/world/2026/talks-in-muscat?id=7',
  guid: 'urn:x:7',
  title: 'Envoys meet in Muscat — “talks” resume',
  summary: 'Envoy Steve Witkoff and Foreign Minister Abbas Araghchi sat down in the Omani capital. '.repeat(8),
  author: 'Staff Writer',
  publishedAt: 1_764_633_600_123,
  hasPublishedDate: true,
  ...over,
});

/** What a Lua script does to a record it rewrites: positions set, the array packed again (cmsgpack packs an empty table as []). */
function setField(raw: Buffer, position: number, value: Parameters<typeof packValue>[0]): Buffer {
  const fields = unpackValue(raw, true) as Array<Parameters<typeof packValue>[0]>;
  fields[position - 1] = value;
  return packValue(fields);
}

describe('item record', () => {
  it('round-trips a new item, deflating a long body and keeping text exact', () => {
    const raw = encodeNewItem(item(), 'feed-1', 1_764_633_700_000);
    const plainBytes = Buffer.byteLength(item().title + item().summary);
    expect(raw.length).toBeLessThan(plainBytes);
    expect(decodeItem('0123456789abcdef01234567', raw)).toEqual({
      id: '0123456789abcdef01234567',
      feedId: 'feed-1',
      link: item().link,
      title: item().title,
      summary: item().summary,
      author: 'Staff Writer',
      publishedAt: 1_764_633_600_123,
      hasPublishedDate: true,
      firstSeenAt: 1_764_633_700_000,
      fullText: false,
      sources: { 'feed-1': item().link },
      tags: {},
    });
  });

  it('reads a record whose body was deflated with zlib defaults (as records stored before the smaller window were)', () => {
    const fresh = unpackValue(encodeNewItem(item(), 'feed-1', 1_764_633_700_000), true) as Array<Parameters<typeof packValue>[0]>;
    expect(fresh[3]).toBe(1);
    const plain = Buffer.from(item().title + item().summary, 'utf8');
    fresh[5] = deflateRawSync(plain, { level: 1 });
    const decoded = decodeItem('0123456789abcdef01234567', packValue(fresh));
    expect(decoded?.title).toBe(item().title);
    expect(decoded?.summary).toBe(item().summary);
  });

  it('stores a short body as it is, and null link and author as absent', () => {
    const raw = encodeNewItem(item({ summary: '', link: null, author: null, title: 'Ωmega', hasPublishedDate: false }), 'f', 5);
    const got = decodeItem('x', raw)!;
    expect(got).toMatchObject({ title: 'Ωmega', summary: '', link: null, author: null, hasPublishedDate: false, sources: { f: '' } });
    expect(raw.includes(Buffer.from('Ωmega'))).toBe(true);
  });

  it('reads back tags, sources, story and signature as a script writes them', () => {
    const tags: ItemTags = {
      entities: [
        { key: 'place:muscat', count: 2 },
        { key: 'person:witkoff', count: 1 },
      ],
      score: 0.123456789012345,
      relevant: true,
      version: 3,
      why: { threshold: 0.3, evidence: [{ kind: 'entity', name: 'Muscat', weight: 0.0625 }, { kind: 'scope', name: 'outside scope', weight: -1 }, { kind: 'term', name: 'talks', weight: 0.1 }] },
      judged: false,
    };
    let raw = encodeNewItem(item(), 'feed-1', 1);
    raw = setField(raw, ITEM_FIELD.tags, { 'muscat-talks': unpackValue(encodeTags(tags)), other: unpackValue(encodeTags({ ...tags, why: undefined, judged: null, entities: [] })) });
    raw = setField(raw, ITEM_FIELD.sources, { 'feed-2': 'https://mirror.example/a' });
    raw = setField(raw, ITEM_FIELD.story, 'leader-id');
    raw = setField(raw, ITEM_FIELD.fullText, true);
    // A binary signature with bytes that are not UTF-8, as ASSIGN_STORIES stores it.
    raw = setField(raw, ITEM_FIELD.signature, Buffer.from([0xff, 0xfe, 0x00, 0x80]));
    const got = decodeItem('id', raw)!;
    expect(got.tags['muscat-talks']).toEqual(tags);
    expect(got.tags.other).toEqual({ entities: [], score: tags.score, relevant: true, version: 3, judged: null });
    expect(got.sources).toEqual({ 'feed-1': item().link, 'feed-2': 'https://mirror.example/a' });
    expect(got.fullText).toBe(true);
    expect(got.summary).toBe(item().summary);
  });

  it('treats empty maps packed as arrays as empty, and rejects what is not a record', () => {
    const raw = encodeNewItem(item(), 'f', 1);
    expect(decodeItem('id', setField(raw, ITEM_FIELD.tags, []))!.tags).toEqual({});
    expect(decodeItem('id', Buffer.from('{"d":1}'))).toBeNull();
    expect(decodeItem('id', packValue([2, 'f']))).toBeNull();
    expect(() => decodeItem('id', raw.subarray(0, raw.length - 3))).toThrow(/truncated/);
  });

  it('packs numbers the way cmsgpack reads them: integers exact, floats as doubles', () => {
    for (const n of [0, 1, 127, 128, -1, -32, -33, 65_535, 2 ** 32 - 1, 2 ** 32, 1_764_633_600_123, -1_764_633_600_123, 0.1, -2.5e-9]) {
      expect(unpackValue(packValue(n))).toBe(n);
    }
    const long = 'x'.repeat(70_000);
    expect(unpackValue(packValue([long, 'y'.repeat(300)]))).toEqual([long, 'y'.repeat(300)]);
  });
});
