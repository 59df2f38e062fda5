import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { buildOpml, normalizeCategory, parseOpml, type OpmlFeed } from './opml.ts';

const head = { title: 'Feeds', now: new Date('2026-03-01T10:00:00Z'), ownerUrl: 'https://watch.example.org/' };

describe('parseOpml', () => {
  it('reads folder paths from nested outlines (text or title) and htmlUrl', () => {
    const feeds = parseOpml(`<opml version="2.0"><body>
      <outline text="Gulf"><outline title="Oman"><outline type="rss" text="Wire" xmlUrl="https://wire.example/rss" htmlUrl="https://wire.example/"/></outline></outline>
      <outline text="Loose" xmlUrl="https://loose.example/rss"/>
    </body></opml>`);
    expect(feeds).toEqual([
      { url: 'https://wire.example/rss', title: 'Wire', htmlUrl: 'https://wire.example/', category: 'Gulf/Oman' },
      { url: 'https://loose.example/rss', title: 'Loose', htmlUrl: null, category: null },
    ]);
  });

  it('takes the first OPML 2.0 category attribute where no folder encloses the feed', () => {
    const [feed] = parseOpml(`<opml version="2.0"><body><outline text="A" xmlUrl="https://a.example/rss" category="/Region/Gulf, /Other"/></body></opml>`);
    expect(feed!.category).toBe('Region/Gulf');
  });

  it('drops an htmlUrl that is not http(s), and is not fooled by a feed outline that nests', () => {
    const feeds = parseOpml(`<opml version="2.0"><body><outline text="Top" xmlUrl="https://top.example/rss" htmlUrl="javascript:alert(1)">
      <outline text="Inner" xmlUrl="https://inner.example/rss"/></outline></body></opml>`);
    expect(feeds.map((f) => [f.url, f.htmlUrl, f.category])).toEqual([
      ['https://top.example/rss', null, null],
      ['https://inner.example/rss', null, null],
    ]);
  });

  it('refuses a document that is not OPML', () => {
    let caught: unknown;
    try {
      parseOpml('<html><body/></html>');
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught)).toBe(true);
  });
});

describe('buildOpml', () => {
  const feeds: OpmlFeed[] = [
    { url: 'https://a.example/rss', title: 'A & B', htmlUrl: 'https://a.example/', category: 'Gulf/Oman' },
    { url: 'https://b.example/rss', title: null, htmlUrl: null, category: null },
    { url: 'https://c.example/rss', title: 'C', htmlUrl: null, category: 'Gulf' },
  ];

  it('nests categories as folders, with the category attribute and ownerId', () => {
    const xml = buildOpml(feeds, head);
    expect(xml).toContain('<ownerId>https://watch.example.org/</ownerId>');
    expect(xml).toMatch(/<outline text="Gulf" title="Gulf">\s*<outline type="rss" text="C"[^>]*category="\/Gulf"\/>\s*<outline text="Oman" title="Oman">\s*<outline type="rss" text="A &amp; B"/);
    expect(xml).toContain('htmlUrl="https://a.example/"');
  });

  it('round-trips through parseOpml unchanged', () => {
    const back = parseOpml(buildOpml(feeds, head));
    const byUrl = new Map(back.map((f) => [f.url, f]));
    for (const feed of feeds) expect(byUrl.get(feed.url)).toEqual({ ...feed, title: feed.title ?? feed.url });
  });
});

describe('normalizeCategory', () => {
  it('trims segments and slashes, and gives null for nothing', () => {
    expect(normalizeCategory(' /Gulf/ Oman / ')).toBe('Gulf/Oman');
    expect(normalizeCategory('///')).toBeNull();
  });
});
