import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { dropPrefix, testRedisUrl, uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';
import { createKeys } from '../src/storage/keys.ts';

// Coverage volume on a fixture with known timestamps: real Redis, real feed, real pipeline.
const prefix = uniquePrefix('volume');
let app: TestApp;
let server: FeedServer;
let redis: Redis;
let feedId: string;

// Around the end of summer time in Berlin (2026-10-25 03:00 CEST → 02:00 CET) and a UTC midnight.
const fixture = [
  { at: '2026-10-24T21:30:00Z', text: 'Muscat talks resume' }, // Berlin: Oct 24 23:30
  { at: '2026-10-24T22:10:00Z', text: 'Muscat mediators meet' }, // Berlin: Oct 25 00:10
  { at: '2026-10-24T23:59:00Z', text: 'Oman hosts Muscat round' }, // Berlin: Oct 25 01:59
  { at: '2026-10-25T00:01:00Z', text: 'Muscat envoys arrive' }, // Berlin: Oct 25 02:01 (CEST)
  { at: '2026-10-25T01:30:00Z', text: 'Oman statement on talks' }, // Berlin: Oct 25 02:30 (CET, the repeated hour)
  { at: '2026-10-25T22:30:00Z', text: 'Muscat talks end' }, // Berlin: Oct 25 23:30
  { at: '2026-10-25T23:15:00Z', text: 'Muscat aftermath' }, // Berlin: Oct 26 00:15
];

type Volume = { interval: string; from: string; to: string; series: Array<{ key: string; name: string; points: Array<{ t: string; count: number; share?: number }> }> };

beforeAll(async () => {
  server = await startFeedServer();
  redis = new Redis(testRedisUrl);
  app = await startTestApp(prefix, { RETENTION_DAYS: '3650' });
  server.route('/volume.xml', (_q, r) =>
    r.end(rssOf('Volume', fixture.map((f, i) => ({ title: f.text, link: `http://volume.example/${i}`, description: 'Coverage of the crisis.', pubDate: new Date(f.at).toUTCString() })))),
  );
  const alert = await app.json<{ id: string }>('/api/alerts', { method: 'POST', body: JSON.stringify({ name: 'talks', query: 'talks OR envoys' }) });
  expect(alert.status).toBe(201);
  alertId = alert.body.id;
  feedId = (await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url('/volume.xml') }) })).body.id;
  await waitFor(async () => (await app.json<{ items: Array<{ score: number | null }> }>(`/api/items?feedId=${feedId}`)).body.items.filter((i) => i.score !== null).length === fixture.length);
});
let alertId: string;

afterAll(async () => {
  await app?.stop();
  await server?.close();
  redis?.disconnect();
});

const volume = (q: string) => app.json<Volume>(`/api/volume?${q}`);
const counts = (v: Volume, key: string) => v.series.find((s) => s.key === key)!.points.map((p) => p.count);

describe('volume series', () => {
  it('counts exactly per hour, every bucket present and zero-filled', async () => {
    const { status, body } = await volume('entities=muscat,oman&interval=hour&from=2026-10-24T21:00:00Z&to=2026-10-25T02:00:00Z');
    expect(status).toBe(200);
    expect(body.interval).toBe('hour');
    expect(body.series.map((s) => s.key)).toEqual(['muscat', 'oman']);
    expect(body.series[0]!.points.map((p) => p.t)).toEqual([
      '2026-10-24T21:00:00.000Z',
      '2026-10-24T22:00:00.000Z',
      '2026-10-24T23:00:00.000Z',
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
    ]);
    expect(counts(body, 'muscat')).toEqual([1, 1, 1, 1, 0]);
    expect(counts(body, 'oman')).toEqual([0, 0, 1, 0, 1]);
  });

  it('reads the same counts from the hourly counts as from the index itself', async () => {
    // Hour buckets come from the hourly counts kept beside each index; minute buckets are
    // counted on the index. Both must agree, hour by hour.
    const range = 'from=2026-10-24T21:00:00Z&to=2026-10-26T00:00:00Z&entities=muscat,oman';
    const hours = (await volume(`${range}&interval=hour`)).body;
    const minutes = (await volume(`${range}&interval=minute`)).body;
    for (const key of ['muscat', 'oman']) {
      const perHour = counts(hours, key);
      const fromMinutes = perHour.map((_, h) => counts(minutes, key).slice(h * 60, h * 60 + 60).reduce((a, b) => a + b, 0));
      expect(perHour).toEqual(fromMinutes);
    }
  });

  it('counts by local day across the DST change, and by UTC day', async () => {
    const berlin = await volume('entities=muscat&interval=day&tz=Europe/Berlin&from=2026-10-24T00:00:00Z&to=2026-10-26T12:00:00Z');
    expect(berlin.body.series[0]!.points.map((p) => p.t)).toEqual(['2026-10-23T22:00:00.000Z', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
    // Oct 24 (Berlin): 21:30Z; Oct 25 (25 hours): 22:10Z, 23:59Z, 00:01Z, 22:30Z; Oct 26: 23:15Z.
    expect(counts(berlin.body, 'muscat')).toEqual([1, 4, 1]);
    const utc = await volume('entities=muscat&interval=day&from=2026-10-24T00:00:00Z&to=2026-10-26T00:00:00Z');
    expect(counts(utc.body, 'muscat')).toEqual([3, 3]);
  });

  it('gives q= series equal to what the alert matcher fired on', async () => {
    const { body } = await volume('q=talks%20OR%20envoys&interval=hour&from=2026-10-24T00:00:00Z&to=2026-10-26T00:00:00Z');
    const series = body.series.find((s) => s.key === 'q')!;
    const hits = await app.json<{ hits: Array<{ publishedAt: string }> }>(`/api/alerts/${alertId}/hits?limit=200`);
    expect(hits.body.hits).toHaveLength(4);
    const expected = series.points.map((p) => hits.body.hits.filter((h) => Date.parse(h.publishedAt) >= Date.parse(p.t) && Date.parse(h.publishedAt) < Date.parse(p.t) + 3600_000).length);
    expect(series.points.map((p) => p.count)).toEqual(expected);
  });

  it('normalises to the share of all items, and answers CSV with a header row', async () => {
    const share = await volume('entities=oman&interval=day&normalize=share&from=2026-10-24T00:00:00Z&to=2026-10-26T00:00:00Z');
    const points = share.body.series[0]!.points;
    expect(points.map((p) => p.count)).toEqual([1, 1]);
    expect(points[0]!.share).toBeCloseTo(1 / 3, 10);
    expect(points[1]!.share).toBeCloseTo(1 / 4, 10);
    const res = await app.api('/api/volume?entities=muscat,oman&interval=hour&from=2026-10-24T21:00:00Z&to=2026-10-25T02:00:00Z&format=csv');
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await res.text()).trim().split(/\r\n/);
    expect(lines[0]).toBe('t,muscat,oman');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toBe('2026-10-24T21:00:00.000Z,1,0');
  });

  it('ranks entities and outlets', async () => {
    const top = await app.json<{ entities: Array<{ key: string; count: number }> }>('/api/volume/top?from=2026-10-24T00:00:00Z&to=2026-10-27T00:00:00Z');
    expect(top.body.entities[0]).toMatchObject({ key: 'muscat', count: 6 });
    expect(top.body.entities.find((e) => e.key === 'oman')!.count).toBe(2);
    const sources = await app.json<{ sources: Array<{ feedId: string; count: number }> }>('/api/volume/top?by=source&from=2026-10-24T00:00:00Z&to=2026-10-27T00:00:00Z');
    expect(sources.status).toBe(200);
    for (const s of sources.body.sources) expect(s.count).toBeGreaterThan(0);
  });

  it('answers 400 for bad parameters and too many buckets', async () => {
    for (const q of [
      'interval=week',
      'from=yesterday',
      'tz=Mars/Base',
      'entities=nobody',
      'interval=minute&from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z',
      'from=2026-10-25T00:00:00Z&to=2026-10-24T00:00:00Z',
      'q=(broken',
      'normalize=percent',
      'format=xml',
    ]) {
      const res = await app.json(`/api/volume?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.detail, q).toBeTruthy();
    }
  });

  it('leaves counts unchanged after re-polls and a re-run of the tag jobs', async () => {
    const before = await volume('entities=muscat,oman&interval=day&from=2026-10-24T00:00:00Z&to=2026-10-26T00:00:00Z');
    await app.api(`/api/feeds/${feedId}/poll`, { method: 'POST' });
    await app.api(`/api/feeds/${feedId}/poll`, { method: 'POST' });
    // A retried tag job: the same ids queued again (new job id), as after a crash.
    const ids = (await app.json<{ items: Array<{ id: string }> }>(`/api/items?feedId=${feedId}`)).body.items.map((i) => i.id);
    await app.running.queues.tag.add('tag', { itemIds: ids }, { jobId: `retry-${Date.now()}` });
    await waitFor(async () => (await app.running.queues.tag.getJobCounts('waiting', 'active')).waiting === 0);
    await new Promise((r) => setTimeout(r, 800));
    const after = await volume('entities=muscat,oman&interval=day&from=2026-10-24T00:00:00Z&to=2026-10-26T00:00:00Z');
    expect(after.body.series).toEqual(before.body.series);
  });
});

describe('retention', () => {
  it('trims old items from every index at once', async () => {
    const p = uniquePrefix('retention');
    const srv = await startFeedServer();
    const daysAgo = (d: number) => new Date(Date.now() - d * 24 * 3600_000).toUTCString();
    srv.route('/r.xml', (_q, r) =>
      r.end(
        rssOf('Retention', [
          { title: 'Old Muscat talks story', link: 'http://r.example/old', description: 'Araghchi and Witkoff in Muscat on the nuclear dossier.', pubDate: daysAgo(10) },
          { title: 'New Muscat talks story', link: 'http://r.example/new', description: 'Araghchi and Witkoff in Muscat on the nuclear dossier, again.', pubDate: daysAgo(1) },
        ]),
      ),
    );
    const first = await startTestApp(p, { RETENTION_DAYS: '30' });
    const feed = (await first.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: srv.url('/r.xml') }) })).body.id;
    await waitFor(async () => (await first.json<{ items: Array<{ score: number | null }> }>(`/api/items?feedId=${feed}`)).body.items.filter((i) => i.score !== null).length === 2);
    const range = `from=${new Date(Date.now() - 20 * 24 * 3600_000).toISOString()}&to=${new Date().toISOString()}&interval=day&entities=muscat`;
    const sum = (v: Volume) => v.series[0]!.points.reduce((a, p) => a + p.count, 0);
    expect(sum((await first.json<Volume>(`/api/volume?${range}`)).body)).toBe(2);
    await first.running.stop();

    const second = await startTestApp(p, { RETENTION_DAYS: '5', FEEDS_FILE: '' }, { api: true, workers: true }, { sweepEveryMs: 300 });
    try {
      await waitFor(async () => sum((await second.json<Volume>(`/api/volume?${range}`)).body) === 1);
      const items = await second.json<{ items: Array<{ title: string }> }>('/api/items?limit=200');
      expect(items.body.items.map((i) => i.title)).toEqual(['New Muscat talks story']);
      const feedAfter = await second.json<{ itemCount: number }>(`/api/feeds/${feed}`);
      expect(feedAfter.body.itemCount).toBe(1);
      expect(await redis.exists(createKeys(p).item('x'))).toBe(0);
      const entityKey = createKeys(p).entityItems('muscat-talks', 'muscat');
      expect(await redis.zcard(entityKey)).toBe(1);
    } finally {
      await second.running.stop();
      await srv.close();
      await dropPrefix(p);
    }
  });
});
