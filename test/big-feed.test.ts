import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureBigFeed } from '../bench/big-feed.ts';
import { bigRssFeed } from './helpers/big-feed.ts';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

// MAX_ITEMS_PER_FEED end to end: a real feed server serving a 100,000-item document, the real
// API and workers on the real Redis, and the memory of a whole app process reading it.
const MIB = 1024 * 1024;
let app: TestApp;
let server: FeedServer;

type LastPoll = { itemsSeen: number; itemsNew: number; itemsTooOld: number; itemsRejected: number };
type Feed = { id: string; status: string; lastStatus: number | null; lastError: string | null; lastPolledAt: string | null; itemCount: number; lastPoll: LastPoll | null };

beforeAll(async () => {
  server = await startFeedServer();
  // The default cap (1,000); a 30-day window; room for the 12 MB document.
  app = await startTestApp(uniquePrefix('big-feed'), { RETENTION_DAYS: '30', FETCH_MAX_BYTES: String(32 * MIB), FETCH_TOTAL_TIMEOUT_MS: '60000' });
});

afterAll(async () => {
  await app?.stop();
  await server?.close();
});

async function addFeed(path: string): Promise<Feed> {
  const res = await app.json<Feed>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url(path) }) });
  expect(res.status).toBe(201);
  return res.body;
}

async function polled(id: string, after: string | null = null, timeoutMs = 15_000): Promise<Feed> {
  return waitFor(async () => {
    const { body } = await app.json<Feed>(`/api/feeds/${id}`);
    return body.lastPolledAt && body.lastPolledAt !== after ? body : null;
  }, timeoutMs);
}

async function storedLinks(feedId: string): Promise<string[]> {
  const links: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { items: Array<{ link: string }>; nextCursor: string | null } } = await app.json(
      `/api/items?feedId=${feedId}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    const { status, body } = page;
    expect(status).toBe(200);
    links.push(...body.items.map((i) => i.link));
    cursor = body.nextCursor;
  } while (cursor);
  return links;
}

describe('a feed of 100,000 items', () => {
  it('stores its 1,000 newest items and counts the rest in lastPoll, at every re-poll', async () => {
    const feed = bigRssFeed(50_000, 50_000);
    server.route('/big.xml', (_q, r) => {
      r.setHeader('content-type', 'application/rss+xml');
      r.end(feed.xml);
    });
    const added = await addFeed('/big.xml');
    expect(added.lastPoll).toBeNull();
    const first = await polled(added.id, null, 120_000);
    expect(first.lastError).toBeNull();
    expect(first.status).toBe('active');
    expect(first.itemCount).toBe(1000);
    // The 50,000 old items are older than the 30-day window: counted, not stored.
    expect(first.lastPoll).toEqual({ itemsSeen: 100_000, itemsNew: 1000, itemsTooOld: 50_000, itemsRejected: 0 });
    // The newest are at the document's end: these are they, not its first 1,000.
    const links = await storedLinks(added.id);
    expect(links.sort()).toEqual(feed.newestFirst.slice(0, 1000).map((i) => i.link).sort());

    expect((await app.api(`/api/feeds/${added.id}/poll`, { method: 'POST' })).status).toBe(202);
    const second = await polled(added.id, first.lastPolledAt, 120_000);
    expect(second.lastPoll).toEqual({ itemsSeen: 100_000, itemsNew: 0, itemsTooOld: 50_000, itemsRejected: 0 });
    expect(second.itemCount).toBe(1000);
  }, 240_000);

  it('counts too-old and rejected items of a small feed; lastPoll is null until a read succeeds', async () => {
    const day = 24 * 3600_000;
    const items = [
      { title: 'Fresh one', link: 'http://small.example/1', pubDate: new Date(Date.now() - day).toUTCString() },
      { title: 'Fresh two', link: 'http://small.example/2', pubDate: new Date(Date.now() - 2 * day).toUTCString() },
      { title: 'Stale', link: 'http://small.example/3', pubDate: new Date(Date.now() - 45 * day).toUTCString() },
      // Nothing to show: rejected by normalisation.
      { description: '   ' },
      { pubDate: new Date(Date.now() - day).toUTCString() },
    ];
    server.route('/small.xml', (req, r) => {
      if (req.headers['if-none-match'] === '"s1"') {
        r.statusCode = 304;
        r.end();
        return;
      }
      r.setHeader('etag', '"s1"');
      r.end(rssOf('Small', items));
    });
    const small = await addFeed('/small.xml');
    const first = await polled(small.id);
    expect(first.itemCount).toBe(2);
    expect(first.lastPoll).toEqual({ itemsSeen: 5, itemsNew: 2, itemsTooOld: 1, itemsRejected: 2 });
    // Unchanged (304): the same document, nothing new in it.
    expect((await app.api(`/api/feeds/${small.id}/poll`, { method: 'POST' })).status).toBe(202);
    const second = await polled(small.id, first.lastPolledAt);
    expect(second.lastStatus).toBe(304);
    expect(second.lastPoll).toEqual({ itemsSeen: 5, itemsNew: 0, itemsTooOld: 1, itemsRejected: 2 });

    server.route('/gone.xml', (_q, r) => {
      r.statusCode = 404;
      r.end('no');
    });
    const gone = await addFeed('/gone.xml');
    const failed = await polled(gone.id);
    expect(failed.status).toBe('failing');
    expect(failed.lastPoll).toBeNull();
  });

  it('keeps a whole app process under 700 MiB peak RSS while reading it three times', async () => {
    // The measurement of `npm run bench -- big-feed`: a child process running workers/all.ts.
    const result = await measureBigFeed(100_000);
    expect(result.itemCount).toBe(1000);
    expect(result.lastPoll).toEqual({ itemsSeen: 100_000, itemsNew: 0, itemsTooOld: 50_000, itemsRejected: 0 });
    expect(result.peakRssMiB).toBeLessThan(700);
  }, 300_000);
});
