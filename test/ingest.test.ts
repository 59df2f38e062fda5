import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

// End to end: real Redis, real HTTP feed server on 127.0.0.1, the real API and workers.
let app: TestApp;
let server: FeedServer;

beforeAll(async () => {
  server = await startFeedServer();
  app = await startTestApp(uniquePrefix('ingest'), { FETCH_TOTAL_TIMEOUT_MS: '2500', FETCH_MAX_BYTES: String(4 * 1024 * 1024), MAX_ITEMS_PER_FEED: '10000' });
});

afterAll(async () => {
  await app?.stop();
  await server?.close();
});

type Feed = { id: string; url: string; status: string; lastError: string | null; lastStatus: number | null; lastPolledAt: string | null; nextPollAt: string | null; itemCount: number; title: string | null };

async function addFeed(path: string, extra: Record<string, unknown> = {}): Promise<Feed> {
  const res = await app.json<Feed>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url(path), ...extra }) });
  expect(res.status).toBe(201);
  return res.body;
}

/** Waits until the feed has been polled `times` times since `after` (by lastPolledAt moving). */
async function polled(id: string, after: string | null = null): Promise<Feed> {
  return waitFor(async () => {
    const { body } = await app.json<Feed>(`/api/feeds/${id}`);
    return body.lastPolledAt && body.lastPolledAt !== after ? body : null;
  });
}

async function itemsOf(feedId: string) {
  const { body } = await app.json<{ items: Array<{ id: string; title: string; link: string | null; publishedAt: string; firstSeenAt: string; alsoReportedBy: unknown[] }> }>(
    `/api/items?feedId=${feedId}&limit=200`,
  );
  return body.items;
}

const now = () => new Date().toUTCString();

describe('a healthy feed', () => {
  it('is stored once, polled with conditional GET, and re-polls add nothing', async () => {
    const xml = rssOf('Gulf Wire', [
      { title: 'Talks open in Muscat', link: 'http://news.example/a?utm_source=rss#top', guid: 'a', description: '<p>Envoys <b>meet</b> &amp; talk</p>', pubDate: now() },
      { title: 'Second story', link: 'http://news.example/b', guid: 'b', description: 'More', pubDate: now() },
    ]);
    server.route('/healthy.xml', (req, res) => {
      if (req.headers['if-none-match'] === '"v1"') {
        res.statusCode = 304;
        res.end();
        return;
      }
      res.setHeader('content-type', 'application/rss+xml');
      res.setHeader('etag', '"v1"');
      res.setHeader('last-modified', 'Tue, 01 Dec 2026 10:00:00 GMT');
      res.end(xml);
    });
    const feed = await addFeed('/healthy.xml');
    const first = await polled(feed.id);
    expect(first.status).toBe('active');
    expect(first.lastStatus).toBe(200);
    expect(first.title).toBe('Gulf Wire');
    expect(first.itemCount).toBe(2);
    const items = await itemsOf(feed.id);
    expect(items.map((i) => i.title).sort()).toEqual(['Second story', 'Talks open in Muscat']);
    const a = items.find((i) => i.title === 'Talks open in Muscat')!;
    expect(a.link).toBe('http://news.example/a');

    const poll = await app.api(`/api/feeds/${feed.id}/poll`, { method: 'POST' });
    expect(poll.status).toBe(202);
    const second = await polled(feed.id, first.lastPolledAt);
    expect(second.lastStatus).toBe(304);
    const conditional = server.requests.filter((r) => r.path === '/healthy.xml').at(-1)!;
    expect(conditional.headers['if-none-match']).toBe('"v1"');
    expect(conditional.headers['if-modified-since']).toBe('Tue, 01 Dec 2026 10:00:00 GMT');
    expect(conditional.headers['user-agent']).toMatch(/Anchorwatch/);
    expect((await itemsOf(feed.id)).length).toBe(2);
  });

  it('records one item for a link carried by two feeds, with the other feed in alsoReportedBy', async () => {
    const shared = { title: 'Wire copy: envoy lands in Oman', link: 'http://wire.example/story-1', description: 'Syndicated', pubDate: now() };
    server.route('/wire-a.xml', (_req, res) => res.end(rssOf('Wire A', [shared])));
    server.route('/wire-b.xml', (_req, res) => res.end(rssOf('Wire B', [{ ...shared, link: 'http://WIRE.example:80/story-1?utm_medium=x' }])));
    const a = await addFeed('/wire-a.xml');
    await polled(a.id);
    const b = await addFeed('/wire-b.xml');
    await polled(b.id);
    const fromA = await itemsOf(a.id);
    const fromB = await itemsOf(b.id);
    expect(fromA).toHaveLength(1);
    expect(fromB).toHaveLength(1);
    expect(fromB[0]!.id).toBe(fromA[0]!.id);
    const { body } = await app.json<{ items: Array<{ id: string; source: { feedId: string }; alsoReportedBy: Array<{ feedId: string }> }> }>('/api/items?limit=200');
    const matches = body.items.filter((i) => i.id === fromA[0]!.id);
    expect(matches).toHaveLength(1);
    expect(matches[0]!.source.feedId).toBe(a.id);
    expect(matches[0]!.alsoReportedBy.map((r) => r.feedId)).toEqual([b.id]);
  });

  it('follows a permanent redirect and stores the new URL', async () => {
    server.route('/old.xml', (_req, res) => {
      res.statusCode = 301;
      res.setHeader('location', '/new.xml');
      res.end();
    });
    server.route('/new.xml', (_req, res) => res.end(rssOf('Moved', [{ title: 'Moved item', link: 'http://news.example/moved', pubDate: now() }])));
    const feed = await addFeed('/old.xml');
    const after = await polled(feed.id);
    expect(after.status).toBe('active');
    expect(after.url).toBe(server.url('/new.xml'));
  });

  it('reads gzip bodies and windows-1252 text', async () => {
    const body = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>Legacy</title><item><title>', 'latin1'),
      Buffer.from([0x93]),
      Buffer.from('Good faith', 'latin1'),
      Buffer.from([0x94]),
      Buffer.from(' talks cost ', 'latin1'),
      Buffer.from([0x80]),
      Buffer.from('5m</title><link>http://news.example/legacy</link></item></channel></rss>', 'latin1'),
    ]);
    server.route('/legacy.xml', (_req, res) => {
      res.setHeader('content-encoding', 'gzip');
      res.setHeader('content-type', 'text/xml');
      res.end(gzipSync(body));
    });
    const feed = await addFeed('/legacy.xml');
    await polled(feed.id);
    const [item] = await itemsOf(feed.id);
    expect(item!.title).toBe('\u201cGood faith\u201d talks cost \u20ac5m');
  });

  it('keeps the good items of a feed with items lacking link, guid, title or date, future dates and unsafe links', async () => {
    const future = new Date(Date.now() + 30 * 24 * 3600 * 1000).toUTCString();
    server.route('/mixed.xml', (_req, res) =>
      res.end(
        rssOf('Mixed', [
          { title: 'No link, has guid', guid: 'g-1', description: 'x', pubDate: now() },
          { title: 'No guid, no link, no date', description: 'y' },
          { link: 'http://news.example/untitled', description: 'Untitled item text' },
          { title: 'From the future', link: 'http://news.example/future', pubDate: future },
          { title: 'Bad date', link: 'http://news.example/bad-date', pubDate: 'not a date at all' },
          { title: 'Script link', link: 'javascript:alert(1)', guid: 'js', pubDate: now() },
          { title: 'Data link', link: 'data:text/html,<b>x</b>', guid: 'data', pubDate: now() },
        ]),
      ),
    );
    const before = Date.now();
    const feed = await addFeed('/mixed.xml');
    const after = await polled(feed.id);
    expect(after.status).toBe('active');
    const items = await itemsOf(feed.id);
    expect(items).toHaveLength(7);
    const byTitle = new Map(items.map((i) => [i.title, i]));
    const futureItem = byTitle.get('From the future')!;
    expect(Date.parse(futureItem.publishedAt)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(futureItem.publishedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(futureItem.publishedAt).toBe(futureItem.firstSeenAt);
    expect(byTitle.get('Bad date')!.publishedAt).toBe(byTitle.get('Bad date')!.firstSeenAt);
    expect(byTitle.get('Script link')!.link).toBeNull();
    expect(byTitle.get('Data link')!.link).toBeNull();
    expect(byTitle.has('Untitled item text')).toBe(true);
  });

  it('takes a feed of 10,000 items', async () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({ title: `Bulk item ${i}`, link: `http://bulk.example/${i}`, pubDate: now() }));
    const xml = rssOf('Bulk', items);
    server.route('/bulk.xml', (_req, res) => res.end(xml));
    const feed = await addFeed('/bulk.xml');
    const after = await waitFor(async () => {
      const { body } = await app.json<Feed>(`/api/feeds/${feed.id}`);
      return body.itemCount === 10_000 ? body : null;
    }, 60_000);
    expect(after.status).toBe('active');
  }, 90_000);
});

describe('bad input: a clear per-feed error, nothing else harmed', () => {
  const cases: Array<{ name: string; path: string; handler: Parameters<FeedServer['route']>[1]; error: RegExp; status?: string; lastStatus?: number | null }> = [
    { name: 'malformed XML', path: '/bad/malformed.xml', handler: (_q, r) => r.end('<rss version="2.0"><channel><title>x</title><item><title>unclosed'), error: /./ },
    { name: 'an HTML page', path: '/bad/page.html', handler: (_q, r) => { r.setHeader('content-type', 'text/html'); r.end('<!doctype html><html><head><title>Home</title></head><body><p>Hello</p></body></html>'); }, error: /HTML/i },
    { name: 'an empty body', path: '/bad/empty.xml', handler: (_q, r) => r.end(''), error: /empty/i },
    { name: '404', path: '/bad/404.xml', handler: (_q, r) => { r.statusCode = 404; r.end('nope'); }, error: /404/, lastStatus: 404 },
    { name: '500', path: '/bad/500.xml', handler: (_q, r) => { r.statusCode = 500; r.end('boom'); }, error: /500/, lastStatus: 500 },
    { name: '503', path: '/bad/503.xml', handler: (_q, r) => { r.statusCode = 503; r.end(); }, error: /503/, lastStatus: 503 },
    { name: 'a redirect loop', path: '/bad/loop.xml', handler: (_q, r) => { r.statusCode = 302; r.setHeader('location', '/bad/loop.xml'); r.end(); }, error: /redirect/i },
    { name: 'a redirect to a private address', path: '/bad/to-private.xml', handler: (_q, r) => { r.statusCode = 302; r.setHeader('location', `http://127.0.0.2:${server.port}/healthy.xml`); r.end(); }, error: /public|refused/i },
    { name: 'a redirect to localhost', path: '/bad/to-localhost.xml', handler: (_q, r) => { r.statusCode = 302; r.setHeader('location', `http://localhost.:${server.port}/healthy.xml`); r.end(); }, error: /public|refused/i },
    {
      name: 'billion-laughs entities',
      path: '/bad/laughs.xml',
      handler: (_q, r) =>
        r.end(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]><rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>`),
      error: /entit|DTD|unsafe/i,
    },
    {
      name: 'a DTD with an external entity',
      path: '/bad/xxe.xml',
      handler: (_q, r) => r.end(`<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><title>x</title><item><title>&xxe;</title></item></channel></rss>`),
      error: /entit|DTD|unsafe/i,
    },
    { name: 'RSS without a channel', path: '/bad/nochannel.xml', handler: (_q, r) => r.end('<?xml version="1.0"?><rss version="2.0"></rss>'), error: /channel|feed|parse/i },
    {
      name: 'a body over the size cap',
      path: '/bad/huge.xml',
      handler: (_q, r) => {
        // 64 MiB of padding, streamed: the cap (4 MiB) must cut it off early.
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        let sent = 0;
        r.write('<?xml version="1.0"?><rss version="2.0"><channel><title>');
        const pump = () => {
          while (sent < 64) {
            sent++;
            if (!r.write(chunk)) {
              r.once('drain', pump);
              return;
            }
          }
          r.end('</title></channel></rss>');
        };
        r.on('error', () => {});
        pump();
      },
      error: /large|size|cap/i,
    },
    {
      name: 'a server that sends a byte every second',
      path: '/bad/slow.xml',
      handler: (req, r) => {
        r.writeHead(200, { 'content-type': 'application/rss+xml' });
        const timer = setInterval(() => r.write(' '), 1000);
        req.on('close', () => clearInterval(timer));
        r.on('close', () => clearInterval(timer));
      },
      error: /time/i,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: the feed is failing with a clear lastError`, async () => {
      server.route(c.path, c.handler);
      const feed = await addFeed(c.path);
      const after = await polled(feed.id);
      expect(after.status).toBe(c.status ?? 'failing');
      expect(after.lastError).toMatch(c.error);
      if (c.lastStatus !== undefined) expect(after.lastStatus).toBe(c.lastStatus);
      expect(after.nextPollAt).not.toBeNull();
      expect(Date.parse(after.nextPollAt!)).toBeGreaterThan(Date.parse(after.lastPolledAt!));
    });
  }

  it('410 Gone disables the feed', async () => {
    server.route('/bad/410.xml', (_q, r) => {
      r.statusCode = 410;
      r.end();
    });
    const feed = await addFeed('/bad/410.xml');
    const after = await polled(feed.id);
    expect(after.status).toBe('disabled');
    expect(after.lastStatus).toBe(410);
    expect(after.nextPollAt).toBeNull();
  });

  it('429 with Retry-After is not retried before the server allows', async () => {
    server.route('/bad/429.xml', (_q, r) => {
      r.statusCode = 429;
      r.setHeader('retry-after', '7200');
      r.end();
    });
    const feed = await addFeed('/bad/429.xml');
    const after = await polled(feed.id);
    expect(after.status).toBe('failing');
    expect(after.lastStatus).toBe(429);
    expect(Date.parse(after.nextPollAt!) - Date.parse(after.lastPolledAt!)).toBeGreaterThanOrEqual(7200 * 1000 - 5000);
  });

  it('a failing feed does not stop a healthy one from being polled and stored', async () => {
    server.route('/bad/hang-forever.xml', (_q, r) => {
      r.writeHead(200);
    });
    server.route('/good-neighbour.xml', (_q, r) => r.end(rssOf('Neighbour', [{ title: 'Neighbour item', link: 'http://news.example/neighbour', pubDate: now() }])));
    const bad = await addFeed('/bad/hang-forever.xml');
    const good = await addFeed('/good-neighbour.xml');
    const goodAfter = await polled(good.id);
    expect(goodAfter.status).toBe('active');
    expect(goodAfter.itemCount).toBe(1);
    const badAfter = await polled(bad.id);
    expect(badAfter.status).toBe('failing');
  });
});

describe('the feed routes', () => {
  it('refuses bad feed URLs with 400 and a known URL with 409 naming the feed', async () => {
    for (const url of ['ftp://example.com/feed', 'http://user:pw@example.com/feed', 'file:///etc/passwd', 'javascript:alert(1)', `http://127.0.0.2:${server.port}/x`, `http://localhost:${server.port}/x`, `http://0x7f000002/x`, 'not a url']) {
      const res = await app.json('/api/feeds', { method: 'POST', body: JSON.stringify({ url }) });
      expect(res.status, url).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body.title).toBeTruthy();
      expect(res.body.detail).toBeTruthy();
    }
    server.route('/dup.xml', (_q, r) => r.end(rssOf('Dup', [])));
    const feed = await addFeed('/dup.xml');
    const again = await app.json('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url('/dup.xml') }) });
    expect(again.status).toBe(409);
    expect(again.body.id).toBe(feed.id);
  });

  it('registers a URL once when ten requests race for it', async () => {
    server.route('/race.xml', (_q, r) => r.end(rssOf('Race', [])));
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url('/race.xml') }) })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(9);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
  });

  it('needs a token, and only the admin may write', async () => {
    expect((await app.api('/api/feeds', { token: null })).status).toBe(401);
    expect((await app.api('/api/feeds', { token: 'wrong-token' })).status).toBe(401);
    expect((await app.api(`/api/feeds?access_token=${app.token}`, { token: null })).status).toBe(200);
    const key = await app.json<{ key: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: 'analyst' }) });
    expect(key.status).toBe(201);
    expect((await app.api('/api/feeds', { token: key.body.key })).status).toBe(200);
    const write = await app.api('/api/feeds', { method: 'POST', token: key.body.key, body: JSON.stringify({ url: server.url('/x.xml') }) });
    expect(write.status).toBe(403);
  });

  it('answers problem+json for bad bodies, unknown parameters and bad limits', async () => {
    const badJson = await app.api('/api/feeds', { method: 'POST', body: '{"url": ' });
    expect(badJson.status).toBe(400);
    const big = await app.api('/api/feeds', { method: 'POST', body: JSON.stringify({ url: 'http://x.example/', pad: 'x'.repeat(1024 * 1024 + 10) }) });
    expect(big.status).toBe(413);
    expect((await app.api('/api/items?limit=0')).status).toBe(400);
    expect((await app.api('/api/items?limit=201')).status).toBe(400);
    expect((await app.api('/api/items?limit=abc')).status).toBe(400);
    expect((await app.api('/api/items?bogus=1')).status).toBe(400);
    expect((await app.api('/api/items?cursor=garbage')).status).toBe(400);
    expect((await app.api('/api/feeds/nope')).status).toBe(404);
    expect((await app.api('/api/nothing-here')).status).toBe(404);
  });

  it('imports OPML (skipping known and bad outlines) and exports it', async () => {
    server.route('/opml-1.xml', (_q, r) => r.end(rssOf('O1', [])));
    server.route('/opml-2.xml', (_q, r) => r.end(rssOf('O2', [])));
    const opml = `<?xml version="1.0"?><opml version="2.0"><head><title>subs</title></head><body>
      <outline text="News"><outline text="One" xmlUrl="${server.url('/opml-1.xml')}"/><outline text="Two &amp; more" xmlUrl="${server.url('/opml-2.xml')}"/></outline>
      <outline text="Again" xmlUrl="${server.url('/opml-1.xml')}"/>
      <outline text="Bad" xmlUrl="ftp://example.com/x"/>
    </body></opml>`;
    const res = await app.json('/api/feeds/import', { method: 'POST', body: opml, headers: { 'content-type': 'text/x-opml' } });
    expect(res.status).toBe(200);
    expect(res.body.added).toBe(2);
    expect(res.body.skipped).toBe(2);
    const exported = await app.api('/api/feeds/export');
    expect(exported.status).toBe(200);
    const text = await exported.text();
    expect(text).toContain('<opml version="2.0">');
    expect(text).toContain(`xmlUrl="${server.url('/opml-1.xml')}"`);
    expect(text).toContain('Two &amp; more');
    const notOpml = await app.api('/api/feeds/import', { method: 'POST', body: '<html></html>', headers: { 'content-type': 'text/xml' } });
    expect(notOpml.status).toBe(400);
  });

  it('deletes a feed', async () => {
    server.route('/del.xml', (_q, r) => r.end(rssOf('Del', [])));
    const feed = await addFeed('/del.xml');
    expect((await app.api(`/api/feeds/${feed.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await app.api(`/api/feeds/${feed.id}`)).status).toBe(404);
    expect((await app.api(`/api/feeds/${feed.id}`, { method: 'DELETE' })).status).toBe(404);
  });
});
