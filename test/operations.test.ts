import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

let app: TestApp;
let server: FeedServer;

beforeAll(async () => {
  server = await startFeedServer();
  app = await startTestApp(uniquePrefix('ops'));
});

afterAll(async () => {
  await app?.stop();
  await server?.close();
});

/** The value of one sample of a Prometheus text exposition, or 0 when absent. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('health and readiness', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${app.base}/healthz`)).status).toBe(200);
    expect((await fetch(`${app.base}/readyz`)).status).toBe(200);
  });
});

describe('metrics', () => {
  it('move when work happens', async () => {
    const before = await (await fetch(`${app.base}/metrics`)).text();
    expect(before).toContain('# TYPE aw_polls_total counter');
    server.route('/m.xml', (_q, r) => r.end(rssOf('M', [{ title: 'Witkoff lands in Muscat for talks with Araghchi', link: 'http://m.example/1', description: 'Iran and the US resume talks.', pubDate: new Date(Date.now() - 60_000).toUTCString() }])));
    const feed = await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url('/m.xml') }) });
    await waitFor(async () => (await app.json<{ items: Array<{ score: number | null }> }>(`/api/items?feedId=${feed.body.id}`)).body.items[0]?.score != null);
    const sse = await fetch(`${app.base}/api/digests/muscat-talks/stream?access_token=${app.token}`);
    const after = await (await fetch(`${app.base}/metrics`)).text();
    expect(sample(after, 'aw_polls_total', 'outcome="ok"')).toBeGreaterThan(sample(before, 'aw_polls_total', 'outcome="ok"'));
    expect(sample(after, 'aw_items_ingested_total')).toBeGreaterThan(sample(before, 'aw_items_ingested_total'));
    expect(sample(after, 'aw_items_tagged_total')).toBeGreaterThan(sample(before, 'aw_items_tagged_total'));
    expect(sample(after, 'aw_fetch_duration_seconds_count', 'outcome="ok"')).toBeGreaterThan(0);
    expect(sample(after, 'aw_freshness_seconds_count', 'stage="fetched"')).toBeGreaterThan(0);
    expect(sample(after, 'aw_freshness_seconds_count', 'stage="tagged"')).toBeGreaterThan(0);
    expect(sample(after, 'aw_sse_clients')).toBe(1);
    expect(after).toMatch(/aw_queue_jobs\{queue="poll",state="completed"\} [1-9]/);
    await sse.body?.cancel();
  });
});

describe('security basics', () => {
  it('sends security headers and a request id', async () => {
    const res = await fetch(`${app.base}/healthz`, { headers: { 'x-request-id': 'req-123' } });
    expect(res.headers.get('x-request-id')).toBe('req-123');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBeTruthy();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('opens the queue dashboard to the admin only, trading the query token for a cookie', async () => {
    expect((await fetch(`${app.base}/admin/queues`, { redirect: 'manual' })).status).toBe(401);
    const key = await app.json<{ key: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: 'reader' }) });
    expect((await fetch(`${app.base}/admin/queues`, { headers: { authorization: `Bearer ${key.body.key}` }, redirect: 'manual' })).status).toBe(403);
    const login = await fetch(`${app.base}/admin/queues?access_token=${app.token}`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).not.toContain(app.token);
    const page = await fetch(`${app.base}/admin/queues`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const api = await fetch(`${app.base}/admin/queues/api/queues`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: Array<{ name: string }> };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['deliver', 'digest', 'poll', 'poll-live', 'retag', 'schedule', 'tag', 'tag-live', 'websub']);
  });

  it('limits writes per key with 429 problem+json', async () => {
    const key = await app.json<{ key: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: 'noisy' }) });
    let limited: Response | null = null;
    for (let i = 0; i < 700 && !limited; i++) {
      const res = await app.api('/api/alerts', { method: 'POST', token: key.body.key, body: JSON.stringify({ name: 'x', query: '(' }) });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(400);
    }
    expect(limited).not.toBeNull();
    expect(limited!.headers.get('content-type')).toMatch(/problem\+json/);
    // Another key is not affected, and reads are not limited.
    expect((await app.api('/api/alerts', { method: 'POST', body: JSON.stringify({ name: 'x', query: '(' }) })).status).toBe(400);
    expect((await app.api('/api/alerts', { token: key.body.key })).status).toBe(200);
  });
});
