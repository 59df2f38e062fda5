import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../errors.ts';
import { readFeed } from './read-feed.ts';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);
const ctx = { feedId: 'feed-1', baseUrl: 'https://news.example.com/rss.xml', now: NOW };

const rss = (items: string, channelExtra = '') =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>News</title><link>https://news.example.com/</link>${channelExtra}${items}</channel></rss>`;

async function refusal(body: Buffer | string, contentType: string | null = null): Promise<AppError> {
  const err = await readFeed(typeof body === 'string' ? Buffer.from(body) : body, contentType, ctx).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('readFeed', () => {
  it('decodes, parses and normalises a feed', async () => {
    const result = await readFeed(
      Buffer.from(
        rss(
          '<item><title>Hello &amp; welcome</title><link>/a?utm_source=rss</link><pubDate>Sat, 01 Jun 2024 10:00:00 GMT</pubDate><description>&lt;p&gt;Body&lt;/p&gt;</description></item>',
          '<ttl>30</ttl>',
        ),
      ),
      'application/rss+xml',
      ctx,
    );
    expect(result.feed).toEqual({ format: 'rss', title: 'News', link: 'https://news.example.com/', ttlSeconds: 1800 });
    expect(result.items).toHaveLength(1);
    expect(result.items[0]).toMatchObject({
      link: 'https://news.example.com/a',
      title: 'Hello & welcome',
      summary: 'Body',
      publishedAt: Date.UTC(2024, 5, 1, 10),
      hasPublishedDate: true,
    });
    expect(result.itemErrors).toEqual([]);
  });

  it('reads a JSON Feed', async () => {
    const body = JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'J', items: [{ id: '1', url: 'https://j.example/1', title: 'One' }] });
    const result = await readFeed(Buffer.from(body), 'application/feed+json', ctx);
    expect(result.feed.format).toBe('json');
    expect(result.items[0]).toMatchObject({ title: 'One', link: 'https://j.example/1' });
  });

  it('refuses malformed XML with a parse error', async () => {
    const err = await refusal(rss('<item><title>Broken</item>'));
    expect(err.code).toBe(ErrorCodes.parseError);
  });

  it('refuses an HTML page as not a feed', async () => {
    const err = await refusal('<!doctype html>\n<html lang="en"><head><title>Home</title></head><body>Welcome</body></html>', 'text/html');
    expect(err.code).toBe(ErrorCodes.notAFeed);
    expect(err.message).toBe('The document is an HTML page, not a feed');
  });

  it('refuses an empty body', async () => {
    expect((await refusal(Buffer.alloc(0))).code).toBe(ErrorCodes.emptyBody);
    expect((await refusal('   \r\n  ')).code).toBe(ErrorCodes.emptyBody);
  });

  it('refuses billion-laughs entities without expanding them', async () => {
    const levels = Array.from({ length: 10 }, (_, i) =>
      i === 0 ? '<!ENTITY lol0 "lol">' : `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`,
    ).join('\n');
    const body = `<?xml version="1.0"?>\n<!DOCTYPE rss [\n${levels}\n]>\n${rss('<item><title>&lol9;</title></item>')}`;
    const before = process.memoryUsage().heapUsed;
    const err = await refusal(body);
    expect(err.code).toBe(ErrorCodes.unsafeXml);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
  });

  it('refuses a DTD with an external SYSTEM entity and never reads the file', async () => {
    const body = `<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n${rss('<item><title>&xxe;</title></item>')}`;
    const err = await refusal(body);
    expect(err.code).toBe(ErrorCodes.unsafeXml);
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain('root:');
  });

  it('ignores an external DTD reference without entity declarations', async () => {
    const body = `<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "file:///etc/passwd">\n${rss('<item><title>Safe</title></item>')}`;
    const result = await readFeed(Buffer.from(body), null, ctx);
    expect(result.items.map((i) => i.title)).toEqual(['Safe']);
    expect(JSON.stringify(result)).not.toContain('root:');
  });

  it('refuses <rss version="2.0"> without <channel> with a parse error, not a TypeError', async () => {
    const err = await refusal('<?xml version="1.0"?><rss version="2.0"></rss>');
    expect(err.code).toBe(ErrorCodes.parseError);
    expect(err.message).toMatch(/no <channel>/);
  });

  it('refuses a gzip-compressed body with a clear message', async () => {
    const err = await refusal(gzipSync(rss('')));
    expect(err.code).toBe(ErrorCodes.parseError);
    expect(err.message).toMatch(/gzip/);
  });

  it('reads every item of a feed of 10,000 items', async () => {
    const items = Array.from(
      { length: 10_000 },
      (_, i) =>
        `<item><title>Story ${i} &amp; more</title><link>https://news.example.com/s/${i}?utm_medium=rss</link><guid>g${i}</guid>` +
        `<pubDate>Sat, 01 Jun 2024 10:00:00 GMT</pubDate><description>&lt;p&gt;Paragraph &lt;b&gt;${i}&lt;/b&gt; of a story.&lt;/p&gt;</description></item>`,
    ).join('');
    const body = Buffer.from(rss(items));
    // Its speed is a benchmark figure (npm run bench -- big-feed), not a test assertion.
    const result = await readFeed(body, 'application/rss+xml; charset=utf-8', ctx);
    expect(result.items).toHaveLength(10_000);
    expect(result.itemErrors).toEqual([]);
    expect(new Set(result.items.map((i) => i.id)).size).toBe(10_000);
    expect(result.items[9999]).toMatchObject({ title: 'Story 9999 & more', summary: 'Paragraph 9999 of a story.' });
  });

  it('keeps items without link, guid, title or date, and drops only the empty one', async () => {
    const result = await readFeed(
      Buffer.from(
        rss(
          '<item><title>No link</title><guid>only-guid</guid></item>' +
            '<item><link>https://news.example.com/no-title</link></item>' +
            '<item><description>Only a description, nothing else</description></item>' +
            '<item><title>No date</title><link>https://news.example.com/no-date</link></item>' +
            '<item><category>nothing to show</category></item>',
        ),
      ),
      null,
      ctx,
    );
    expect(result.items.map((i) => i.title)).toEqual([
      'No link',
      'https://news.example.com/no-title',
      'Only a description, nothing else',
      'No date',
    ]);
    expect(result.items.every((i) => i.publishedAt === NOW && !i.hasPublishedDate)).toBe(true);
    expect(result.itemErrors).toEqual([{ index: 4, message: 'Item has no title, summary or link' }]);
  });

  it('replaces dates in the future with the poll time', async () => {
    const result = await readFeed(
      Buffer.from(
        rss(
          '<item><title>Future</title><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>' +
            `<item><title>Near</title><pubDate>${new Date(NOW + 60_000).toUTCString()}</pubDate></item>`,
        ),
      ),
      null,
      ctx,
    );
    expect(result.items[0]).toMatchObject({ publishedAt: NOW, hasPublishedDate: false });
    expect(result.items[1]).toMatchObject({ publishedAt: NOW + 60_000, hasPublishedDate: true });
  });

  it('drops javascript: and data: links but keeps the items', async () => {
    const result = await readFeed(
      Buffer.from(
        rss(
          '<item><title>JS</title><link>javascript:alert(document.cookie)</link></item>' +
            '<item><title>Data</title><link>data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==</link></item>',
        ),
      ),
      null,
      ctx,
    );
    expect(result.items.map((i) => [i.title, i.link])).toEqual([
      ['JS', null],
      ['Data', null],
    ]);
  });

  const cp1252Title = '“Smart” quotes – €100 … ‘ok’';

  it('decodes a windows-1252 body declared in the prolog (bytes 0x80–0x9F)', async () => {
    const body = iconv.encode(
      `<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>${cp1252Title}</title><item><title>${cp1252Title}</title></item></channel></rss>`,
      'windows-1252',
    );
    expect(body.includes(0x93)).toBe(true);
    const result = await readFeed(body, 'application/rss+xml', ctx);
    expect(result.feed.title).toBe(cp1252Title);
    expect(result.items[0]?.title).toBe(cp1252Title);
  });

  it('decodes a windows-1252 body declared in the Content-Type', async () => {
    const body = iconv.encode(`<rss version="2.0"><channel><item><title>${cp1252Title}</title></item></channel></rss>`, 'windows-1252');
    const result = await readFeed(body, 'text/xml; charset=windows-1252', ctx);
    expect(result.items[0]?.title).toBe(cp1252Title);
  });

  it('decodes an ISO-8859-2 body', async () => {
    const body = iconv.encode(
      '<?xml version="1.0" encoding="ISO-8859-2"?><rss version="2.0"><channel><item><title>Wiadomości z Łodzi: żółw</title></item></channel></rss>',
      'iso-8859-2',
    );
    expect((await readFeed(body, null, ctx)).items[0]?.title).toBe('Wiadomości z Łodzi: żółw');
  });

  it('decodes a UTF-16LE body with BOM', async () => {
    const body = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      iconv.encode('<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><item><title>Ελληνικά 日本</title></item></channel></rss>', 'utf-16le'),
    ]);
    expect((await readFeed(body, 'application/xml', ctx)).items[0]?.title).toBe('Ελληνικά 日本');
  });

  it('decodes an EUC-KR body', async () => {
    const body = iconv.encode(
      '<?xml version="1.0" encoding="EUC-KR"?><rss version="2.0"><channel><item><title>서울 뉴스 속보</title></item></channel></rss>',
      'euc-kr',
    );
    expect((await readFeed(body, null, ctx)).items[0]?.title).toBe('서울 뉴스 속보');
  });
});
