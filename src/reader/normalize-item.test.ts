import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ParsedFeed, ParsedItem } from './feed-types.ts';
import { normalizeItem, normalizeItems } from './normalize-item.ts';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);
const ctx = { feedId: 'feed-1', baseUrl: 'https://example.com/feed.xml', now: NOW };

const raw = (fields: Partial<ParsedItem>): ParsedItem => ({
  title: null,
  link: null,
  guid: null,
  summaryHtml: null,
  contentHtml: null,
  published: null,
  author: null,
  ...fields,
});
const sha = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 24);
const publishedAt = (published: string) => normalizeItem(raw({ title: 't', published }), ctx);

describe('normalizeItem', () => {
  it('cleans every field', () => {
    const item = normalizeItem(
      raw({
        title: ' Big &amp; <b>bold</b> ',
        link: '/news/1?utm_source=rss#top',
        guid: ' g-1 ',
        summaryHtml: '<p>Hello&nbsp;<i>world</i></p><script>x()</script>',
        published: 'Sat, 01 Jun 2024 10:00:00 GMT',
        author: '<span>Ann</span>',
      }),
      ctx,
    );
    expect(item).toEqual({
      id: sha('link:https://example.com/news/1'),
      link: 'https://example.com/news/1',
      guid: 'g-1',
      title: 'Big & bold',
      summary: 'Hello world',
      author: 'Ann',
      publishedAt: Date.UTC(2024, 5, 1, 10, 0, 0),
      hasPublishedDate: true,
    });
  });

  it('derives the id from the guid when there is no usable link, then from title and date', () => {
    expect(normalizeItem(raw({ title: 't', guid: 'abc' }), ctx).id).toBe(sha('guid:feed-1:abc'));
    expect(normalizeItem(raw({ title: 't', guid: 'abc', link: 'javascript:void(0)' }), ctx).id).toBe(sha('guid:feed-1:abc'));
    expect(normalizeItem(raw({ title: 'Hello', published: '2024-01-01' }), ctx).id).toBe(sha('title:feed-1:Hello:2024-01-01'));
    expect(normalizeItem(raw({ title: 'Hello' }), ctx).id).toBe(sha('title:feed-1:Hello:'));
  });

  it('gives the same id to the same link with different tracking parameters', () => {
    const a = normalizeItem(raw({ title: 'a', link: 'https://Example.com/x?utm_campaign=1' }), ctx);
    const b = normalizeItem(raw({ title: 'b', link: 'https://example.com/x#frag' }), ctx);
    expect(a.id).toBe(b.id);
  });

  it('refuses javascript: and data: links', () => {
    expect(normalizeItem(raw({ title: 't', link: 'javascript:alert(document.cookie)' }), ctx).link).toBeNull();
    expect(normalizeItem(raw({ title: 't', link: 'data:text/html;base64,PHNjcmlwdD4=' }), ctx).link).toBeNull();
  });

  it('caps the title at 300 and the summary at 2000 characters', () => {
    const item = normalizeItem(raw({ title: 'word '.repeat(200), summaryHtml: `<p>${'lorem '.repeat(1000)}</p>` }), ctx);
    expect(item.title.length).toBeLessThanOrEqual(300);
    expect(item.title.endsWith('…')).toBe(true);
    expect(item.summary.length).toBeLessThanOrEqual(2000);
    expect(item.summary.endsWith('…')).toBe(true);
  });

  it('takes the summary from the content when the description is empty', () => {
    expect(normalizeItem(raw({ title: 't', summaryHtml: '<img src="x">', contentHtml: '<p>Body</p>' }), ctx).summary).toBe('Body');
  });

  it('falls back to the summary, then the link, for a missing title', () => {
    expect(normalizeItem(raw({ summaryHtml: '<p>Only a summary here</p>' }), ctx).title).toBe('Only a summary here');
    expect(normalizeItem(raw({ link: 'https://example.com/only-link' }), ctx).title).toBe('https://example.com/only-link');
  });

  it('throws for an item with no title, summary or usable link', () => {
    expect(() => normalizeItem(raw({ guid: 'g' }), ctx)).toThrow(/no title, summary or link/);
    expect(() => normalizeItem(raw({ link: 'javascript:x' }), ctx)).toThrow(/no title, summary or link/);
  });

  it('parses RFC 822 dates with and without weekday, obsolete zones and two-digit years', () => {
    expect(publishedAt('Tue, 10 Jun 2003 04:00:00 GMT').publishedAt).toBe(Date.UTC(2003, 5, 10, 4));
    expect(publishedAt('10 Jun 2003 04:00:00 +0200').publishedAt).toBe(Date.UTC(2003, 5, 10, 2));
    expect(publishedAt('Tue, 10 Jun 2003 04:00 EST').publishedAt).toBe(Date.UTC(2003, 5, 10, 9));
    expect(publishedAt('Tue, 10 Jun 2003 04:00:00 PDT').publishedAt).toBe(Date.UTC(2003, 5, 10, 11));
    expect(publishedAt('Tue, 10 Jun 03 04:00:00 UT').publishedAt).toBe(Date.UTC(2003, 5, 10, 4));
    expect(publishedAt('Thu, 01 Jan 99 00:00:00 Z').publishedAt).toBe(Date.UTC(1999, 0, 1));
    expect(publishedAt('Wed, 02 October 2002 13:00:00 GMT').publishedAt).toBe(Date.UTC(2002, 9, 2, 13));
  });

  it('parses ISO 8601 / RFC 3339 and W3C-DTF partial dates', () => {
    expect(publishedAt('2003-12-13T18:30:02Z').publishedAt).toBe(Date.UTC(2003, 11, 13, 18, 30, 2));
    expect(publishedAt('2003-12-13T18:30:02.25+01:00').publishedAt).toBe(Date.UTC(2003, 11, 13, 17, 30, 2, 250));
    expect(publishedAt('2003-12-13T18:30-0500').publishedAt).toBe(Date.UTC(2003, 11, 13, 23, 30));
    expect(publishedAt('2003-12-13').publishedAt).toBe(Date.UTC(2003, 11, 13));
    expect(publishedAt('2003-12').publishedAt).toBe(Date.UTC(2003, 11, 1));
    expect(publishedAt('2003').publishedAt).toBe(Date.UTC(2003, 0, 1));
  });

  it('falls back to now for a missing, unparseable, impossible or pre-1990 date', () => {
    for (const published of [null, '', 'yesterday', '2003-02-30', '32 Jan 2003 00:00 GMT', 'Thu, 01 Jan 1970 00:00:00 GMT']) {
      const item = normalizeItem(raw({ title: 't', published }), ctx);
      expect(item, String(published)).toMatchObject({ publishedAt: NOW, hasPublishedDate: false });
    }
  });

  it('falls back to now for a date more than ten minutes in the future, and keeps one within', () => {
    expect(publishedAt(new Date(NOW + 11 * 60_000).toISOString())).toMatchObject({ publishedAt: NOW, hasPublishedDate: false });
    expect(publishedAt('2099-01-01T00:00:00Z')).toMatchObject({ publishedAt: NOW, hasPublishedDate: false });
    expect(publishedAt(new Date(NOW + 5 * 60_000).toISOString())).toMatchObject({ publishedAt: NOW + 5 * 60_000, hasPublishedDate: true });
  });
});

describe('normalizeItems', () => {
  const feed = (items: ParsedItem[]): ParsedFeed => ({ format: 'rss', title: null, link: null, ttlSeconds: null, items, omitted: { count: 0, tooOld: 0 } });

  it('keeps going past a bad item and records it by index', () => {
    const result = normalizeItems(feed([raw({ title: 'a' }), raw({ guid: 'empty' }), raw({ title: 'c' })]), ctx);
    expect(result.items.map((i) => i.title)).toEqual(['a', 'c']);
    expect(result.errors).toEqual([{ index: 1, message: 'Item has no title, summary or link' }]);
  });

  it('survives an item whose fields are not what the types promise', () => {
    const broken = { ...raw({}), title: 42 } as unknown as ParsedItem;
    const result = normalizeItems(feed([broken, raw({ title: 'ok' })]), ctx);
    expect(result.items.map((i) => i.title)).toEqual(['ok']);
    expect(result.errors).toHaveLength(1);
  });

  it('dedupes by id and keeps the first', () => {
    const result = normalizeItems(
      feed([
        raw({ title: 'first', link: 'https://example.com/a' }),
        raw({ title: 'second', link: 'https://example.com/a?utm_source=x' }),
        raw({ title: 'third', link: 'https://example.com/b' }),
      ]),
      ctx,
    );
    expect(result.items.map((i) => i.title)).toEqual(['first', 'third']);
    expect(result.errors).toEqual([]);
  });
});
