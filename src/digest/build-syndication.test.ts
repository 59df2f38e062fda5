import { describe, expect, it } from 'vitest';
import { buildAtomFeed, buildJsonFeed, entryTime, feedUpdated, type SyndicationInput } from './build-syndication.ts';
import type { DigestItem } from '../model/digest-item.ts';

const item = (id: string, publishedAt: string | null, firstSeenAt: string | null): DigestItem => ({
  id,
  title: `Story ${id}`,
  link: `https://news.example/${id}`,
  source: { feedId: 'f1', title: 'Wire' },
  publishedAt,
  firstSeenAt,
  score: 1,
  entities: [],
  snippet: 'Text.',
  why: null,
  alsoReportedBy: [],
  fullText: false,
});

const input = (items: DigestItem[], changedAt = '2026-03-01T08:00:00.000Z'): SyndicationInput => ({
  anchor: { id: 'a', title: 'Anchor', url: null },
  items,
  selfUrl: 'https://watch.example.org/api/digests/a/feed.atom',
  homeUrl: 'https://watch.example.org/',
  changedAt,
});

describe('entry and feed times', () => {
  it('an entry is dated by its publication, or when it was seen where it has none or one in the future', () => {
    expect(entryTime(item('1', '2026-03-01T09:00:00.000Z', '2026-03-01T09:30:00.000Z'))).toBe('2026-03-01T09:00:00.000Z');
    expect(entryTime(item('2', '2026-03-02T09:00:00.000Z', '2026-03-01T09:30:00.000Z'))).toBe('2026-03-01T09:30:00.000Z');
    expect(entryTime(item('3', null, '2026-03-01T09:30:00.000Z'))).toBe('2026-03-01T09:30:00.000Z');
  });

  it('the feed is as new as its newest entry or the last change of the digest', () => {
    const items = [item('1', '2026-03-01T09:00:00.000Z', '2026-03-01T09:30:00.000Z'), item('2', '2026-03-01T07:00:00.000Z', '2026-03-01T09:30:00.000Z')];
    expect(feedUpdated(input(items))).toBe('2026-03-01T09:00:00.000Z');
    expect(feedUpdated(input(items, '2026-03-01T10:00:00.000Z'))).toBe('2026-03-01T10:00:00.000Z');
    expect(feedUpdated(input([]))).toBe('2026-03-01T08:00:00.000Z');
  });

  it('the same digest gives the same bytes, whenever it is built', async () => {
    const items = [item('1', '2026-03-01T09:00:00.000Z', '2026-03-01T09:30:00.000Z')];
    const atom = buildAtomFeed(input(items));
    const json = JSON.stringify(buildJsonFeed(input(items)));
    await new Promise((r) => setTimeout(r, 5));
    expect(buildAtomFeed(input(items))).toBe(atom);
    expect(JSON.stringify(buildJsonFeed(input(items)))).toBe(json);
    expect(atom).toContain('<updated>2026-03-01T09:00:00.000Z</updated>');
  });
});
