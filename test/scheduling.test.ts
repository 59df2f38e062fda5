import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { dropPrefix, uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

let server: FeedServer;
let feedsFile: string;

beforeAll(async () => {
  server = await startFeedServer();
  const dir = await mkdtemp(join(tmpdir(), 'aw-feeds-'));
  feedsFile = join(dir, 'feeds.json');
  await writeFile(
    feedsFile,
    JSON.stringify([
      { url: server.url('/file-a.xml'), title: 'File A' },
      { url: server.url('/file-b.xml') },
    ]),
  );
  server.route('/file-a.xml', (_q, r) => r.end(rssOf('A', [{ title: 'a1', link: 'http://a.example/1' }])));
  server.route('/file-b.xml', (_q, r) => r.end(rssOf('B', [{ title: 'b1', link: 'http://b.example/1' }])));
});

afterAll(async () => {
  await server?.close();
});

describe('FEEDS_FILE', () => {
  it('registers the listed feeds at start, and a restart registers nothing twice', async () => {
    const prefix = uniquePrefix('feedsfile');
    const first = await startTestApp(prefix, { FEEDS_FILE: feedsFile });
    const { body } = await first.json<{ feeds: Array<{ id: string; url: string; title: string | null }> }>('/api/feeds');
    expect(body.feeds.map((f) => f.url).sort()).toEqual([server.url('/file-a.xml'), server.url('/file-b.xml')]);
    expect(body.feeds.find((f) => f.url.endsWith('/file-a.xml'))!.title).toBe('File A');
    await first.running.stop();
    const second = await startTestApp(prefix, { FEEDS_FILE: feedsFile });
    try {
      const again = await second.json<{ feeds: Array<{ id: string }> }>('/api/feeds');
      expect(again.body.feeds.map((f) => f.id).sort()).toEqual(body.feeds.map((f) => f.id).sort());
    } finally {
      await second.stop();
    }
  });

  it('refuses to start with a clear message when the file is not a feed list', async () => {
    const bad = join(await mkdtemp(join(tmpdir(), 'aw-feeds-')), 'bad.json');
    await writeFile(bad, JSON.stringify({ url: 'x' }));
    const prefix = uniquePrefix('badfile');
    await expect(startTestApp(prefix, { FEEDS_FILE: bad })).rejects.toThrow(/FEEDS_FILE .*not a JSON array/);
    await dropPrefix(prefix);
  });
});

describe('scheduling', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(uniquePrefix('sched'), { POLL_INTERVAL_SECONDS: '1', POLL_MIN_INTERVAL_SECONDS: '1', HOST_CONCURRENCY: '2' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('polls each feed again at its own interval without being asked', async () => {
    let hits = 0;
    server.route('/tick.xml', (_q, r) => {
      hits++;
      r.end(rssOf('Tick', [{ title: `tick ${hits}`, link: `http://tick.example/${hits}` }]));
    });
    const res = await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url('/tick.xml') }) });
    expect(res.status).toBe(201);
    await waitFor(async () => hits >= 3, 15_000);
    const feed = await app.json<{ itemCount: number }>(`/api/feeds/${res.body.id}`);
    expect(feed.body.itemCount).toBeGreaterThanOrEqual(2);
  });

  it('keeps at most HOST_CONCURRENCY requests in flight to one host', async () => {
    let inFlight = 0;
    let peak = 0;
    for (let i = 0; i < 6; i++) {
      server.route(`/host-${i}.xml`, async (_q, r) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((done) => setTimeout(done, 300));
        inFlight--;
        r.end(rssOf(`H${i}`, []));
      });
    }
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url(`/host-${i}.xml`) }) });
      ids.push(res.body.id);
    }
    await waitFor(async () => {
      const { body } = await app.json<{ feeds: Array<{ id: string; lastPolledAt: string | null }> }>('/api/feeds');
      return ids.every((id) => body.feeds.find((f) => f.id === id)?.lastPolledAt);
    }, 20_000);
    expect(peak).toBeGreaterThanOrEqual(1);
    expect(peak).toBeLessThanOrEqual(2);
  });
});
