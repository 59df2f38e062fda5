import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

// POST /api/alerts/preview against a real Redis with items from a real feed server.
let app: TestApp;
let feeds: FeedServer;
let userKey: string;

const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toUTCString();
const ITEMS = [
  { title: 'Muscat hosts a new round of talks', link: 'http://wire.example/1', description: 'Envoys met in Oman.', pubDate: hoursAgo(1) },
  { title: 'Talks resume in Muscat', link: 'http://wire.example/2', description: 'A second day.', pubDate: hoursAgo(30) },
  { title: 'Sanctions debate in Brussels', link: 'http://wire.example/3', description: 'Talks far away from any Gulf capital; Muscat was not mentioned until now.', pubDate: hoursAgo(50) },
  { title: 'Old Muscat talks recalled', link: 'http://wire.example/4', description: 'History.', pubDate: hoursAgo(24 * 10) },
];

type Preview = { count: number; hits: Array<{ itemId: string; title: string; link: string; publishedAt: string }>; volume: Array<{ t: string; count: number }> };
const preview = (body: object) => app.json<Preview>('/api/alerts/preview', { method: 'POST', token: userKey, body: JSON.stringify(body) });

beforeAll(async () => {
  feeds = await startFeedServer();
  app = await startTestApp(uniquePrefix('preview'), { VOLUME_QUERY_MAX_ITEMS: '100' });
  userKey = (await app.json<{ key: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: 'analyst' }) })).body.key;
});

afterAll(async () => {
  await app?.stop();
  await feeds?.close();
});

async function publish(name: string, items: typeof ITEMS): Promise<string> {
  const slug = name.toLowerCase().replace(/\W+/g, '-');
  feeds.route(`/feeds/${slug}.xml`, (_q, r) => r.end(rssOf(name, items)));
  const { body } = await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: feeds.url(`/feeds/${slug}.xml`), title: name }) });
  await waitFor(async () => {
    const page = await app.json<{ items: Array<{ score: number | null }> }>(`/api/items?feedId=${body.id}&limit=200`);
    return page.body.items.length === items.length && page.body.items.every((i) => i.score !== null);
  });
  return body.id;
}

describe('POST /api/alerts/preview', () => {
  it('matches what a live alert with the same query matches, saves nothing, and counts per day', async () => {
    const live = await app.json<{ id: string }>('/api/alerts', { method: 'POST', token: userKey, body: JSON.stringify({ name: 'live', query: 'title:(Muscat NEAR/6 talks)' }) });
    await publish('Gulf Wire', ITEMS);
    const hits = await waitFor(async () => {
      const res = await app.json<{ hits: Array<{ itemId: string }> }>(`/api/alerts/${live.body.id}/hits`, { token: userKey });
      return res.body.hits.length >= 3 ? res.body.hits : null;
    });

    const res = await preview({ query: 'title:(Muscat NEAR/6 talks)', from: new Date(Date.now() - 30 * 24 * 3600_000).toISOString() });
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(3);
    expect(res.body.hits.map((h) => h.itemId).sort()).toEqual(hits.map((h) => h.itemId).sort());
    expect(res.body.hits.map((h) => h.link)).toEqual(['http://wire.example/1', 'http://wire.example/2', 'http://wire.example/4']);

    // The default range is the last 7 days: the 10-day-old item is out; a day per bucket.
    const week = await preview({ query: 'title:(Muscat NEAR/6 talks)' });
    expect(week.body.count).toBe(2);
    expect(week.body.volume.length).toBeGreaterThanOrEqual(7);
    expect(week.body.volume.reduce((n, v) => n + v.count, 0)).toBe(2);
    expect(week.body.volume.every((v, i, all) => i === 0 || Date.parse(v.t) - Date.parse(all[i - 1]!.t) === 24 * 3600_000)).toBe(true);

    // The summary item only matches without the title scope, and source: reads the feed's title.
    expect((await preview({ query: 'Muscat NEAR/12 talks' })).body.count).toBe(3);
    expect((await preview({ query: 'source:"gulf wire" sanctions' })).body.hits.map((h) => h.title)).toEqual(['Sanctions debate in Brussels']);
    expect((await preview({ query: 'source:reuters' })).body.count).toBe(0);
    expect((await preview({ query: 'Muscat', limit: 1 })).body).toMatchObject({ count: 3, hits: [{ link: 'http://wire.example/1' }] });

    // Nothing was saved: the same alerts, no new hits.
    const alerts = await app.json<{ alerts: unknown[] }>('/api/alerts', { token: userKey });
    expect(alerts.body.alerts).toHaveLength(1);
  });

  it('answers 400 with the position of a syntax error, an unknown entity or a range past the bound', async () => {
    const syntax = await preview({ query: 'Muscat NEAR/0 talks' });
    expect(syntax.status).toBe(400);
    expect(syntax.headers.get('content-type')).toMatch(/problem\+json/);
    expect(syntax.body).toMatchObject({ position: 12 });
    const entity = await preview({ query: 'title:entity:nobody' });
    expect(entity.status).toBe(400);
    expect((entity.body as unknown as { detail: string }).detail).toMatch(/nobody/);
    expect((await preview({ query: 'x', from: 'yesterday' })).status).toBe(400);
    expect((await preview({ query: 'x', unknown: 1 })).status).toBe(400);

    await publish('Bulk', Array.from({ length: 101 }, (_, i) => ({ title: `Filler ${i}`, link: `http://bulk.example/${i}`, description: 'x', pubDate: hoursAgo(2) })));
    const bound = await preview({ query: 'NOT zzz' });
    expect(bound.status).toBe(400);
    expect((bound.body as unknown as { detail: string }).detail).toContain('VOLUME_QUERY_MAX_ITEMS');
  });
});
