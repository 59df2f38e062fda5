import { describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../errors.ts';
import { parseFeed } from './parse-feed.ts';
import { readFeed } from './read-feed.ts';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);
const HOUR = 3600_000;
const day = (d: number) => new Date(NOW - d * 24 * HOUR).toUTCString();
const limits = (maxItems: number, notBefore: number | null = null) => ({ maxItems, notBefore, now: NOW });

const rss = (items: string) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>News</title><link>https://n.example/</link>${items}<ttl>30</ttl></channel></rss>`;
const item = (title: string, date: string | null, extra = '') =>
  `<item><title>${title}</title>${date === null ? '' : `<pubDate>${date}</pubDate>`}${extra}</item>`;

describe('parseFeed with an item cap', () => {
  it('keeps the newest RSS items, in document order, and the rest of the document', async () => {
    const doc = rss([item('d3', day(3)), item('d1', day(1)), item('d5', day(5)), item('d2', day(2)), item('d4', day(4))].join('\n'));
    const feed = await parseFeed(doc, limits(2, NOW - 3.5 * 24 * HOUR));
    expect(feed.items.map((i) => i.title)).toEqual(['d1', 'd2']);
    expect(feed.title).toBe('News');
    expect(feed.ttlSeconds).toBe(1800);
    // Three left out, of which d4 and d5 are older than the window.
    expect(feed.omitted).toEqual({ count: 3, tooOld: 2 });
  });

  it('reads a document under the cap as it is', async () => {
    const doc = rss([item('a', day(1)), item('b', day(2))].join(''));
    expect(await parseFeed(doc, limits(2))).toEqual(await parseFeed(doc));
    expect((await parseFeed(doc, limits(2))).omitted).toEqual({ count: 0, tooOld: 0 });
  });

  it('counts an undated item as published now, and keeps ties in document order', async () => {
    const doc = rss([item('old', day(9)), item('undated', null), item('tie-1', day(1)), item('tie-2', day(1)), item('future', new Date(NOW + 48 * HOUR).toUTCString())].join(''));
    // "future" and "undated" both count as now; of the two ties only the first fits.
    const feed = await parseFeed(doc, limits(3));
    expect(feed.items.map((i) => i.title)).toEqual(['undated', 'tie-1', 'future']);
  });

  it('reads dates as the parser does: dc:date, case-folded names, CDATA, self-closing items', async () => {
    const doc = `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title>
      <item><title>dc</title><dc:date>${new Date(NOW - HOUR).toISOString()}</dc:date></item>
      <ITEM><TITLE>upper</TITLE><PUBDATE>${day(2)}</PUBDATE></ITEM>
      <item><title><![CDATA[cdata <item> inside]]></title><description><![CDATA[<item><pubDate>${new Date(NOW).toUTCString()}</pubDate></item>]]></description><pubDate>${day(3)}</pubDate></item>
      <item/>
      </channel></rss>`;
    const feed = await parseFeed(doc, limits(3, NOW - 2.5 * 24 * HOUR));
    // The empty <item/> counts as now, so it is kept; the CDATA item is the oldest and goes.
    expect(feed.items.map((i) => i.title)).toEqual(['dc', 'upper', null]);
    expect(feed.omitted).toEqual({ count: 1, tooOld: 1 });
  });

  it('keeps the newest Atom entries by published, else updated', async () => {
    const entry = (t: string, dates: string) => `<entry><title>${t}</title><id>urn:${t}</id>${dates}</entry>`;
    const iso = (d: number) => new Date(NOW - d * 24 * HOUR).toISOString();
    const doc = `<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>${[
      entry('p2', `<published>${iso(2)}</published><updated>${iso(0)}</updated>`),
      entry('u1', `<updated>${iso(1)}</updated>`),
      entry('p3', `<published>${iso(3)}</published>`),
      entry('bad-published', `<published>not a date</published><updated>${iso(0.5)}</updated>`),
    ].join('')}</feed>`;
    const feed = await parseFeed(doc, limits(2));
    expect(feed.items.map((i) => i.title)).toEqual(['u1', 'bad-published']);
    expect(feed.omitted.count).toBe(2);
  });

  it('keeps the newest RSS 1.0 items and only counts those rss-parser reads', async () => {
    const doc = `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="x"><title>R</title><items><rdf:Seq><rdf:li rdf:resource="a"/></rdf:Seq></items></channel>
      ${[3, 1, 2].map((d) => `<item rdf:about="i${d}"><title>r${d}</title><dc:date>${new Date(NOW - d * HOUR).toISOString()}</dc:date></item>`).join('')}
      </rdf:RDF>`;
    const feed = await parseFeed(doc, limits(1));
    expect(feed.items.map((i) => i.title)).toEqual(['r1']);
    expect(feed.omitted.count).toBe(2);
  });

  it('refuses an over-long document whose item is never closed', async () => {
    const doc = rss(`${item('a', day(1))}${item('b', day(2))}<item><title>open</title>`).replace('</channel></rss>', '');
    const err = await parseFeed(doc, limits(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCodes.parseError);
    expect((err as AppError).message).toMatch(/not well-formed.*<item>.*not closed/);
  });

  it('keeps the newest JSON Feed items', async () => {
    const doc = JSON.stringify({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'J',
      items: [3, 1, 4, 2].map((d) => ({ id: `j${d}`, title: `j${d}`, date_published: new Date(NOW - d * 24 * HOUR).toISOString() })),
    });
    const feed = await parseFeed(doc, limits(2, NOW - 3.5 * 24 * HOUR));
    expect(feed.items.map((i) => i.title)).toEqual(['j1', 'j2']);
    expect(feed.omitted).toEqual({ count: 2, tooOld: 1 });
  });
});

describe('readFeed with limits', () => {
  it('stores the newest items only and counts what the document held', async () => {
    const doc = rss(
      [
        item('fresh-1', day(1), '<link>https://n.example/1</link>'),
        '<item><description>   </description></item>',
        item('stale', day(40), '<link>https://n.example/s</link>'),
        item('fresh-2', day(2), '<link>https://n.example/2</link>'),
        item('stale-beyond-cap', day(50), '<link>https://n.example/s2</link>'),
      ].join(''),
    );
    const ctx = { feedId: 'f', baseUrl: 'https://n.example/rss', now: NOW };
    const result = await readFeed(Buffer.from(doc), null, ctx, { maxItems: 4, notBefore: NOW - 30 * 24 * HOUR });
    expect(result.items.map((i) => i.title)).toEqual(['fresh-1', 'fresh-2']);
    // The empty item (no date: "now") is read and rejected; "stale" is read and too old; the
    // oldest is beyond the cap, and too old as well.
    expect(result.counts).toEqual({ itemsSeen: 5, itemsTooOld: 2, itemsRejected: 1 });
    expect(result.itemErrors).toHaveLength(1);
  });

  it('without limits reads every item and counts none too old', async () => {
    const doc = rss([item('a', day(400)), item('b', day(1))].join(''));
    const result = await readFeed(Buffer.from(doc), null, { feedId: 'f', baseUrl: 'https://n.example/rss', now: NOW });
    expect(result.items).toHaveLength(2);
    expect(result.counts).toEqual({ itemsSeen: 2, itemsTooOld: 0, itemsRejected: 0 });
  });
});
