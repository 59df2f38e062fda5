import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

// A known feed's poll someone asked for (its news) has poll workers of its own: it is taken
// while every bulk poll slot is held by new feeds' first polls (their archives).
const prefix = uniquePrefix('poll-lanes');
let app: TestApp;
let news: FeedServer;
let archives: FeedServer;
const held: ServerResponse[] = [];

const item = (n: number) => ({ title: `Harbour report ${n}`, link: `http://news.example/${n}`, guid: `news-${n}`, description: `Ships in port, bulletin ${n}.`, pubDate: new Date().toUTCString() });
let newsItems = [item(1)];

beforeAll(async () => {
  // Two servers: two hosts, so the held request takes none of the news host's slots.
  news = await startFeedServer();
  archives = await startFeedServer();
  news.route('/news.xml', (_q, r) => r.end(rssOf('Harbour News', newsItems)));
  // A new feed whose first fetch does not finish until the test lets it go.
  archives.route('/archive.xml', (_q, r) => void held.push(r));
  // One bulk poll slot, and fetches that outlast the test's waits.
  app = await startTestApp(prefix, { POLL_CONCURRENCY: '1', FETCH_TOTAL_TIMEOUT_MS: '120000' });
});

afterAll(async () => {
  for (const r of held) r.end(rssOf('Archive', []));
  await app?.stop();
  await news?.close();
  await archives?.close();
});

describe('the live poll lane', () => {
  it("polls a known feed asked for while the bulk poll slots are all held by a new feed's first poll", async () => {
    const known = await app.json('/api/feeds', { method: 'POST', body: JSON.stringify({ url: news.url('/news.xml'), intervalSeconds: 3600 }) });
    expect(known.status).toBe(201);
    const feedId = known.body.id as string;
    // Its first poll (bulk) reads the first item.
    await waitFor(async () => (await app.json(`/api/feeds/${feedId}`)).body.lastPoll?.itemsNew === 1);

    // A new feed's first poll now holds the only bulk poll slot.
    const slow = await app.json('/api/feeds', { method: 'POST', body: JSON.stringify({ url: archives.url('/archive.xml'), intervalSeconds: 3600 }) });
    expect(slow.status).toBe(201);
    await waitFor(async () => held.length > 0);

    newsItems = [item(2), item(1)];
    const asked = await app.json(`/api/feeds/${feedId}/poll`, { method: 'POST' });
    expect(asked.status).toBe(202);
    const polled = await waitFor(async () => {
      const feed = (await app.json(`/api/feeds/${feedId}`)).body;
      return feed.itemCount === 2 ? feed : null;
    });
    expect(polled.lastPoll).toMatchObject({ itemsSeen: 2, itemsNew: 1 });
    // The archive's poll is still waiting for its document: the news did not wait for it.
    expect(held.some((r) => !r.writableEnded)).toBe(true);
  });
});
