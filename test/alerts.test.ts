import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { openSse } from './helpers/sse-client.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

// Alerts end to end: real Redis, real feed server, real webhook receivers on 127.0.0.1.
let app: TestApp;
let server: FeedServer;
let receiver: FeedServer;
let userKey: string;
let otherKey: string;

type Item = { title: string; link: string; description?: string; pubDate?: string };
const feedItems = new Map<string, Item[]>();
const feedIds = new Map<string, string>();

/** Serves `items` at `/feeds/NAME.xml`, registering the feed on first use, and waits until they are stored. */
async function publish(name: string, items: Item[]): Promise<void> {
  const list = feedItems.get(name) ?? [];
  list.push(...items);
  feedItems.set(name, list);
  if (!feedIds.has(name)) {
    server.route(`/feeds/${name}.xml`, (_q, r) => r.end(rssOf(name, feedItems.get(name)!)));
    const res = await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url(`/feeds/${name}.xml`) }) });
    feedIds.set(name, res.body.id);
  } else {
    await app.api(`/api/feeds/${feedIds.get(name)}/poll`, { method: 'POST' });
  }
  await waitFor(async () => (await app.json<{ itemCount: number }>(`/api/feeds/${feedIds.get(name)}`)).body.itemCount >= list.length);
  // Tagging (and alert matching) follows storing; give the tag queue a moment to drain.
  await waitFor(async () => {
    const { body } = await app.json<{ items: Array<{ score: number | null }> }>(`/api/items?feedId=${feedIds.get(name)}&limit=200`);
    return body.items.every((i) => i.score !== null);
  });
}

const now = () => new Date().toUTCString();

beforeAll(async () => {
  server = await startFeedServer();
  receiver = await startFeedServer();
  app = await startTestApp(uniquePrefix('alerts'), {}, { api: true, workers: true }, { webhookRetryDelaysMs: [200, 200, 200], spikeEveryMs: 300 });
  userKey = (await app.json<{ key: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: 'analyst' }) })).body.key;
  otherKey = (await app.json<{ key: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: 'other' }) })).body.key;
});

afterAll(async () => {
  await app?.stop();
  await server?.close();
  await receiver?.close();
});

describe('creating alerts', () => {
  it('answers 400 naming the position of a syntax error', async () => {
    const res = await app.json('/api/alerts', { method: 'POST', token: userKey, body: JSON.stringify({ name: 'bad', query: 'Iran AND (talks OR' }) });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect(res.body.detail).toMatch(/position 18/);
    expect(res.body.position).toBe(18);
    expect(res.body.expected).toBeTruthy();
    const unknown = await app.json('/api/alerts', { method: 'POST', token: userKey, body: JSON.stringify({ name: 'bad', query: 'entity:nobody' }) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toMatch(/nobody/);
  });

  it('keeps each key to its own alerts: another key gets 404', async () => {
    const mine = await app.json<{ id: string }>('/api/alerts', { method: 'POST', token: userKey, body: JSON.stringify({ name: 'mine', query: 'Muscat' }) });
    expect(mine.status).toBe(201);
    expect((await app.api(`/api/alerts/${mine.body.id}`, { token: otherKey })).status).toBe(404);
    expect((await app.api(`/api/alerts/${mine.body.id}/hits`, { token: otherKey })).status).toBe(404);
    expect((await app.api(`/api/alerts/${mine.body.id}/deliveries`, { token: otherKey })).status).toBe(404);
    expect((await app.api(`/api/alerts/${mine.body.id}`, { method: 'DELETE', token: otherKey })).status).toBe(404);
    const otherList = await app.json<{ alerts: Array<{ id: string }> }>('/api/alerts', { token: otherKey });
    expect(otherList.body.alerts.map((a) => a.id)).not.toContain(mine.body.id);
    const myList = await app.json<{ alerts: Array<{ id: string }> }>('/api/alerts', { token: userKey });
    expect(myList.body.alerts.map((a) => a.id)).toContain(mine.body.id);
    expect((await app.api(`/api/alerts/${mine.body.id}`, { method: 'DELETE', token: userKey })).status).toBe(204);
    expect((await app.api(`/api/alerts/${mine.body.id}`, { token: userKey })).status).toBe(404);
  });

  it('returns a generated secret once and never a supplied one; refuses private webhook URLs', async () => {
    const generated = await app.json<{ id: string; webhook: { url: string; secret?: string } }>('/api/alerts', {
      method: 'POST',
      token: userKey,
      body: JSON.stringify({ name: 'gen', query: 'Oman', webhook: { url: receiver.url('/gen') } }),
    });
    expect(generated.status).toBe(201);
    expect(generated.body.webhook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const fetched = await app.json<{ webhook: { secret?: string } }>(`/api/alerts/${generated.body.id}`, { token: userKey });
    expect(fetched.body.webhook.secret).toBeUndefined();
    const supplied = await app.json<{ webhook: { secret?: string } }>('/api/alerts', {
      method: 'POST',
      token: userKey,
      body: JSON.stringify({ name: 'sup', query: 'Oman', webhook: { url: receiver.url('/sup'), secret: `whsec_${Buffer.from('my-own-secret-of-32-bytes-length').toString('base64')}` } }),
    });
    expect(supplied.body.webhook.secret).toBeUndefined();
    for (const url of [`http://127.0.0.2:${receiver.port}/x`, 'http://localhost:9/x', 'ftp://example.com/x']) {
      const res = await app.json('/api/alerts', { method: 'POST', token: userKey, body: JSON.stringify({ name: 'x', query: 'Oman', webhook: { url } }) });
      expect(res.status, url).toBe(400);
    }
  });
});

describe('hits and deliveries', () => {
  it('fires once per story, through entity: with the Araqchi spelling, on the stream and by a signed webhook retried until it succeeds', async () => {
    let calls = 0;
    const received: Array<{ headers: Record<string, string>; body: string }> = [];
    receiver.route('/flaky', async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      calls++;
      received.push({ headers: req.headers as Record<string, string>, body });
      res.statusCode = calls <= 2 ? 503 : 200;
      res.end();
    });
    const created = await app.json<{ id: string; webhook: { secret: string } }>('/api/alerts', {
      method: 'POST',
      token: userKey,
      body: JSON.stringify({ name: 'Araghchi watch', query: 'entity:araghchi AND (talks OR Muscat)', webhook: { url: receiver.url('/flaky') } }),
    });
    expect(created.status).toBe(201);
    const stream = await openSse(`${app.base}/api/alerts/stream?access_token=${userKey}`);

    await publish('wire', [
      { title: 'Araqchi arrives in Muscat for talks', link: 'http://wire.example/araqchi', description: 'The Iranian foreign minister landed on Sunday.', pubDate: now() },
      { title: 'Araghchi visits Beijing', link: 'http://wire.example/beijing', description: 'A trade visit.', pubDate: now() },
    ]);
    await waitFor(async () => calls >= 3, 15_000);
    const hits = await app.json<{ hits: Array<{ itemId: string; title: string }> }>(`/api/alerts/${created.body.id}/hits`, { token: userKey });
    expect(hits.body.hits.map((h) => h.title)).toEqual(['Araqchi arrives in Muscat for talks']);

    // Every attempt carries the same webhook-id, and a Standard Webhooks verifier accepts the signature.
    const ids = new Set(received.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const verifier = new Webhook(created.body.webhook.secret);
    const last = received.at(-1)!;
    const payload = verifier.verify(last.body, {
      'webhook-id': last.headers['webhook-id']!,
      'webhook-timestamp': last.headers['webhook-timestamp']!,
      'webhook-signature': last.headers['webhook-signature']!,
    }) as { type: string; alert: { id: string }; item: { title: string; entities: Array<{ key: string }> } };
    expect(payload.type).toBe('alert.hit');
    expect(payload.alert.id).toBe(created.body.id);
    expect(payload.item.title).toBe('Araqchi arrives in Muscat for talks');
    expect(payload.item.entities.map((e) => e.key)).toContain('araghchi');

    const deliveries = await app.json<{ deliveries: Array<{ webhookId: string; status: string; attempts: number; lastStatus: number }> }>(
      `/api/alerts/${created.body.id}/deliveries`,
      { token: userKey },
    );
    expect(deliveries.body.deliveries).toHaveLength(1);
    expect(deliveries.body.deliveries[0]).toMatchObject({ webhookId: [...ids][0], status: 'delivered', attempts: 3, lastStatus: 200 });

    const [event] = await stream.waitForEvents(1, 'hit');
    expect(JSON.parse(event!.data)).toMatchObject({ alert: { id: created.body.id }, title: 'Araqchi arrives in Muscat for talks' });

    // A re-poll and a syndicated copy (other feed, other link, same words) fire nothing new.
    await publish('wire', []);
    await publish('syndicator', [
      { title: 'Araqchi arrives in Muscat for talks', link: 'http://syndicator.example/copy', description: 'MUSCAT (Reuters) - The Iranian foreign minister landed on Sunday.', pubDate: now() },
    ]);
    await new Promise((r) => setTimeout(r, 1000));
    const after = await app.json<{ hits: unknown[] }>(`/api/alerts/${created.body.id}/hits`, { token: userKey });
    expect(after.body.hits).toHaveLength(1);
    expect(calls).toBe(3);
    expect(stream.events.filter((e) => e.event === 'hit')).toHaveLength(1);

    // The other key's stream never sees this key's hits.
    const foreign = await openSse(`${app.base}/api/alerts/stream?access_token=${otherKey}&lastEventId=0-0`);
    await new Promise((r) => setTimeout(r, 500));
    expect(foreign.events.filter((e) => e.event === 'hit')).toHaveLength(0);
    foreign.close();
    stream.close();
  });

  it('disables the webhook when the receiver answers 410, and fails other 4xx for good', async () => {
    receiver.route('/gone', (_q, r) => {
      r.statusCode = 410;
      r.end();
    });
    let badCalls = 0;
    receiver.route('/bad', (_q, r) => {
      badCalls++;
      r.statusCode = 400;
      r.end();
    });
    const gone = await app.json<{ id: string }>('/api/alerts', { method: 'POST', token: userKey, body: JSON.stringify({ name: 'gone', query: '"Sultanate of Oman"', webhook: { url: receiver.url('/gone') } }) });
    const bad = await app.json<{ id: string }>('/api/alerts', { method: 'POST', token: userKey, body: JSON.stringify({ name: 'bad', query: '"Sultanate of Oman"', webhook: { url: receiver.url('/bad') } }) });
    await publish('gulf', [{ title: 'Sultanate of Oman hosts envoys', link: 'http://gulf.example/1', description: 'Mediation continues.', pubDate: now() }]);
    await waitFor(async () => {
      const { body } = await app.json<{ webhook: { disabled: boolean } }>(`/api/alerts/${gone.body.id}`, { token: userKey });
      return body.webhook.disabled;
    });
    const goneDeliveries = await app.json<{ deliveries: Array<{ status: string; lastStatus: number }> }>(`/api/alerts/${gone.body.id}/deliveries`, { token: userKey });
    expect(goneDeliveries.body.deliveries[0]).toMatchObject({ status: 'failed', lastStatus: 410 });
    await waitFor(async () => {
      const { body } = await app.json<{ deliveries: Array<{ status: string; lastStatus: number; attempts: number }> }>(`/api/alerts/${bad.body.id}/deliveries`, { token: userKey });
      return body.deliveries[0]?.status === 'failed' ? body.deliveries[0] : null;
    });
    await new Promise((r) => setTimeout(r, 700));
    expect(badCalls).toBe(1);
  });

  it('fires a spike alert once on a burst and not on a flat series', async () => {
    const burst = await app.json<{ id: string }>('/api/alerts', {
      method: 'POST',
      token: userKey,
      body: JSON.stringify({ name: 'Witkoff spike', spike: { entity: 'witkoff', windowMinutes: 60, baselineHours: 24, factor: 3, minCount: 4 } }),
    });
    const flat = await app.json<{ id: string }>('/api/alerts', {
      method: 'POST',
      token: userKey,
      body: JSON.stringify({ name: 'Merz flat', spike: { entity: 'merz', windowMinutes: 60, baselineHours: 24, factor: 3, minCount: 4 } }),
    });
    expect(burst.status).toBe(201);
    const t = Date.now();
    const hoursAgo = (h: number) => new Date(t - h * 3600_000).toUTCString();
    await publish('spikes', [
      // Witkoff: 2 items over the last day, then 6 in the last hour.
      { title: 'Witkoff recalls Gaza plan', link: 'http://spike.example/w-old-1', pubDate: hoursAgo(20) },
      { title: 'Witkoff meets donors', link: 'http://spike.example/w-old-2', pubDate: hoursAgo(10) },
      ...Array.from({ length: 6 }, (_, i) => ({ title: `Witkoff update number ${i} on talks`, link: `http://spike.example/w-new-${i}`, pubDate: hoursAgo(0.1 + i * 0.05) })),
      // Merz: 4 items every hour for 25 hours, flat.
      ...Array.from({ length: 100 }, (_, i) => ({ title: `Merz statement ${i} on the budget`, link: `http://spike.example/m-${i}`, pubDate: hoursAgo(i / 4 + 0.01) })),
    ]);
    await waitFor(async () => (await app.json<{ hits: unknown[] }>(`/api/alerts/${burst.body.id}/hits`, { token: userKey })).body.hits.length > 0);
    await new Promise((r) => setTimeout(r, 1500));
    const burstHits = await app.json<{ hits: Array<{ itemId: string; matchedAt: string }> }>(`/api/alerts/${burst.body.id}/hits`, { token: userKey });
    expect(burstHits.body.hits).toHaveLength(6);
    expect(new Set(burstHits.body.hits.map((h) => h.matchedAt)).size).toBe(1);
    const flatHits = await app.json<{ hits: unknown[] }>(`/api/alerts/${flat.body.id}/hits`, { token: userKey });
    expect(flatHits.body.hits).toHaveLength(0);
  });
});
