import { describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../errors.ts';
import { parseFeed } from './parse-feed.ts';

async function parseError(text: string): Promise<AppError> {
  const err = await parseFeed(text).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

const rss2 = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Example News</title>
  <link>https://example.com/</link>
  <atom:link href="https://example.com/feed.xml" rel="self"/>
  <ttl>15</ttl>
  <item>
    <title>First &amp; foremost</title>
    <link>https://example.com/1</link>
    <guid isPermaLink="false">id-1</guid>
    <description><![CDATA[<p>Summary <b>one</b></p>]]></description>
    <content:encoded><![CDATA[<p>Full text one</p>]]></content:encoded>
    <pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate>
    <dc:creator>Jane Doe</dc:creator>
  </item>
  <item>
    <title>Second</title>
    <guid>https://example.com/2</guid>
    <dc:date>2003-06-11T05:00:00Z</dc:date>
    <author>joe@example.com (Joe)</author>
  </item>
</channel>
</rss>`;

describe('parseFeed: RSS', () => {
  it('maps RSS 2.0 channel and items', async () => {
    const feed = await parseFeed(rss2);
    expect(feed).toMatchObject({ format: 'rss', title: 'Example News', link: 'https://example.com/', ttlSeconds: 900 });
    expect(feed.items).toHaveLength(2);
    expect(feed.items[0]).toEqual({
      title: 'First & foremost',
      link: 'https://example.com/1',
      guid: 'id-1',
      summaryHtml: '<p>Summary <b>one</b></p>',
      contentHtml: '<p>Full text one</p>',
      published: 'Tue, 10 Jun 2003 04:00:00 GMT',
      author: 'Jane Doe',
    });
    expect(feed.items[1]).toMatchObject({
      title: 'Second',
      link: 'https://example.com/2',
      guid: 'https://example.com/2',
      published: '2003-06-11T05:00:00Z',
      author: 'joe@example.com (Joe)',
    });
  });

  it('does not take a guid marked isPermaLink="false" as the link', async () => {
    const feed = await parseFeed(
      '<rss version="2.0"><channel><item><title>t</title><guid isPermaLink="false">https://example.com/x</guid></item></channel></rss>',
    );
    expect(feed.items[0]?.link).toBeNull();
  });

  it('accepts RSS without a version attribute and RSS 0.91', async () => {
    const bare = await parseFeed('<rss><channel><title>T</title><item><title>A</title></item></channel></rss>');
    expect(bare.items[0]?.title).toBe('A');
    const old = await parseFeed(
      '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>Old</title><item><title>B</title><link>http://x.example/</link></item></channel></rss>',
    );
    expect(old).toMatchObject({ format: 'rss', title: 'Old' });
    expect(old.items[0]?.link).toBe('http://x.example/');
  });

  it('reads RSS 1.0 (RDF), also with a prefixed RSS namespace', async () => {
    const rdf = await parseFeed(`<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://example.com/"><title>RDF feed</title><link>https://example.com/</link></channel>
  <item rdf:about="https://example.com/a"><title>RDF item</title><link>https://example.com/a</link><dc:date>2004-01-01T00:00:00Z</dc:date></item>
</rdf:RDF>`);
    expect(rdf).toMatchObject({ format: 'rdf', title: 'RDF feed' });
    expect(rdf.items[0]).toMatchObject({ title: 'RDF item', link: 'https://example.com/a', guid: 'https://example.com/a', published: '2004-01-01T00:00:00Z' });

    const prefixed = await parseFeed(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rss="http://purl.org/rss/1.0/">
  <rss:channel rdf:about="x"><rss:title>Prefixed</rss:title></rss:channel>
  <rss:item rdf:about="https://example.com/b"><rss:title>Item B</rss:title><rss:link>https://example.com/b</rss:link></rss:item>
</rdf:RDF>`);
    expect(prefixed.title).toBe('Prefixed');
    expect(prefixed.items[0]?.title).toBe('Item B');
  });

  it('reads element names case-insensitively and falls back to media:title', async () => {
    const feed = await parseFeed(
      '<rss xmlns:media="http://search.yahoo.com/mrss/"><channel><TITLE>Upper</TITLE><item><media:title>Media title</media:title><PubDate>Mon, 01 Jan 2024 00:00:00 GMT</PubDate></item></channel></rss>',
    );
    expect(feed.title).toBe('Upper');
    expect(feed.items[0]).toMatchObject({ title: 'Media title', published: 'Mon, 01 Jan 2024 00:00:00 GMT' });
  });

  it('accepts HTML named entities and bare ampersands that strict XML rejects', async () => {
    const feed = await parseFeed(
      '<rss version="2.0"><channel><title>Caf&eacute;&nbsp;news &hellip; AT&T</title><item><title>&mdash;&unknownentity;</title><link>https://example.com/?a=1&b=2</link><description><![CDATA[keep &nbsp; literal & raw]]></description></item></channel></rss>',
    );
    expect(feed.title).toBe('Café\u00a0news … AT&T');
    expect(feed.items[0]).toMatchObject({
      title: '—&unknownentity;',
      link: 'https://example.com/?a=1&b=2',
      summaryHtml: 'keep &nbsp; literal & raw',
    });
  });

  it('maps windows-1252 character references (&#150;) to their intended characters', async () => {
    const feed = await parseFeed('<rss><channel><title>a &#150; b &#147;c&#148;</title></channel></rss>');
    expect(feed.title).toBe('a – b “c”');
  });

  it('strips a comment before the XML declaration', async () => {
    const feed = await parseFeed('<!-- generated by X -->\n<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>');
    expect(feed.title).toBe('T');
  });

  it('refuses <rss version="2.0"> without <channel> with a parse error', async () => {
    const err = await parseError('<rss version="2.0"><item><title>x</title></item></rss>');
    expect(err.code).toBe(ErrorCodes.parseError);
    expect(err.message).toMatch(/no <channel>/);
  });
});

describe('parseFeed: Atom', () => {
  const atom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">Atom &lt;i&gt;feed&lt;/i&gt;</title>
  <link href="https://example.org/" rel="alternate"/>
  <link href="https://example.org/feed.atom" rel="self"/>
  <entry>
    <title>Entry one</title>
    <link rel="alternate" href="https://example.org/1"/>
    <id>urn:uuid:1</id>
    <published>2005-07-31T12:29:29Z</published>
    <updated>2005-08-01T12:29:29Z</updated>
    <author><name>Mark</name></author>
    <summary type="html">&lt;p&gt;Short&lt;/p&gt;</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Long</p></div></content>
  </entry>
  <entry>
    <title>Entry two</title>
    <link href="https://example.org/2"/>
    <id>urn:uuid:2</id>
    <updated>2005-08-02T00:00:00+02:00</updated>
  </entry>
</feed>`;

  it('maps Atom 1.0 feed and entries', async () => {
    const feed = await parseFeed(atom);
    expect(feed).toMatchObject({ format: 'atom', title: 'Atom <i>feed</i>', link: 'https://example.org/', ttlSeconds: null });
    expect(feed.items[0]).toMatchObject({
      title: 'Entry one',
      link: 'https://example.org/1',
      guid: 'urn:uuid:1',
      summaryHtml: '<p>Short</p>',
      published: '2005-07-31T12:29:29Z',
      author: 'Mark',
    });
    expect(feed.items[0]?.contentHtml).toContain('<p>Long</p>');
    expect(feed.items[1]).toMatchObject({ link: 'https://example.org/2', published: '2005-08-02T00:00:00+02:00' });
  });

  it('keeps the other entries when one has an invalid <published>', async () => {
    const feed = await parseFeed(atom.replace('2005-07-31T12:29:29Z', 'not a date'));
    expect(feed.items).toHaveLength(2);
    expect(feed.items[0]?.title).toBe('Entry one');
    // The invalid date is dropped, the valid <updated> stands in.
    expect(feed.items[0]?.published).toBe('2005-08-01T12:29:29Z');
  });

  it('reads Atom 0.3 dates and a link written as text', async () => {
    const feed = await parseFeed(`<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Old Atom</title>
<entry><title>E</title><link>https://example.org/text-link</link><issued>2003-12-13T08:29:29-04:00</issued></entry></feed>`);
    expect(feed.items[0]).toMatchObject({ title: 'E', link: 'https://example.org/text-link', published: '2003-12-13T08:29:29-04:00' });
  });

  it('reads an Atom feed whose elements carry a prefix', async () => {
    const feed = await parseFeed(
      '<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>P</a:title><a:entry><a:title>Q</a:title><a:link href="https://example.org/q"/></a:entry></a:feed>',
    );
    expect(feed).toMatchObject({ format: 'atom', title: 'P' });
    expect(feed.items[0]).toMatchObject({ title: 'Q', link: 'https://example.org/q' });
  });
});

describe('parseFeed: JSON Feed', () => {
  it('reads JSON Feed 1.1', async () => {
    const feed = await parseFeed(
      JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: 'JSON',
        home_page_url: 'https://example.net/',
        items: [
          {
            id: 1,
            url: 'https://example.net/1',
            title: 'One',
            summary: 'a < b',
            content_html: '<p>Hi</p>',
            date_published: '2020-01-01T00:00:00Z',
            authors: [{ name: 'Ann' }],
          },
          { id: 'b', external_url: 'https://elsewhere.example/', content_text: 'x & y', date_modified: '2020-01-02T00:00:00Z' },
          'not an object',
        ],
      }),
    );
    expect(feed).toMatchObject({ format: 'json', title: 'JSON', link: 'https://example.net/', ttlSeconds: null });
    expect(feed.items[0]).toEqual({
      title: 'One',
      link: 'https://example.net/1',
      guid: '1',
      summaryHtml: 'a &lt; b',
      contentHtml: '<p>Hi</p>',
      published: '2020-01-01T00:00:00Z',
      author: 'Ann',
    });
    expect(feed.items[1]).toMatchObject({ link: 'https://elsewhere.example/', contentHtml: 'x &amp; y', published: '2020-01-02T00:00:00Z' });
    expect(feed.items[2]).toMatchObject({ title: null, link: null });
  });

  it('reads the JSON Feed 1.0 author object', async () => {
    const feed = await parseFeed('{"version":"https://jsonfeed.org/version/1","items":[{"id":"1","title":"T","author":{"name":"Bo"}}]}');
    expect(feed.items[0]?.author).toBe('Bo');
  });

  it('refuses invalid JSON with a parse error and other JSON as not a feed', async () => {
    expect((await parseError('{"version": ')).code).toBe(ErrorCodes.parseError);
    expect((await parseError('{"hello": "world"}')).code).toBe(ErrorCodes.notAFeed);
  });
});

describe('parseFeed: refused documents', () => {
  it('refuses an empty or blank body', async () => {
    expect((await parseError('')).code).toBe(ErrorCodes.emptyBody);
    expect((await parseError(' \n\t ')).code).toBe(ErrorCodes.emptyBody);
  });

  it('refuses an HTML page', async () => {
    const err = await parseError('<!DOCTYPE html><html><head><title>Hi</title></head><body><p>x</p></body></html>');
    expect(err.code).toBe(ErrorCodes.notAFeed);
    expect(err.message).toBe('The document is an HTML page, not a feed');
    expect((await parseError('<html><body>Moved</body></html>')).code).toBe(ErrorCodes.notAFeed);
  });

  it('refuses XML that is not a feed', async () => {
    const err = await parseError('<?xml version="1.0"?><catalog><book/></catalog>');
    expect(err.code).toBe(ErrorCodes.notAFeed);
    expect(err.message).toContain('<catalog>');
  });

  it('refuses a DTD that declares entities (billion laughs)', async () => {
    const err = await parseError(`<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><title>&lol2;</title></channel></rss>`);
    expect(err.code).toBe(ErrorCodes.unsafeXml);
  });

  it('turns malformed XML into a parse error with a position', async () => {
    const err = await parseError('<rss version="2.0"><channel><title>x</titl></channel></rss>');
    expect(err.code).toBe(ErrorCodes.parseError);
    expect(err.message).toMatch(/not well-formed XML.*line: \d+/);
  });

  it('turns text that is no markup at all into a parse error', async () => {
    expect((await parseError('just some text')).code).toBe(ErrorCodes.parseError);
  });
});

describe('parseFeed: failures of the XML parser', () => {
  it('tells well-formed XML that rss-parser cannot map from malformed XML', async () => {
    const unmappable = await parseError('<rss version="2.0"><!-- <channel> --><item/></rss>');
    expect(unmappable).toMatchObject({ code: ErrorCodes.parseError, details: { format: 'rss' } });
    expect(unmappable.message).toMatch(/^The feed could not be parsed: /);
    const malformed = await parseError('<rss version="2.0"><channel><item><title>c</title></channel></rss>');
    expect(malformed).toMatchObject({ code: ErrorCodes.parseError, details: { format: 'rss' } });
    expect(malformed.message).toMatch(/^The feed is not well-formed XML: Unexpected close tag \(line: 0, column: \d+\)$/);
  });
});
