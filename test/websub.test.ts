import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';
import { startWebSubHub, type WebSubHub } from './helpers/websub-hub.ts';

const prefix = uniquePrefix('websub');
let app: TestApp;
let feeds: FeedServer;
let hub: WebSubHub;

type Feed = {
  id: string;
  intervalSeconds: number;
  nextPollAt: string;
  push: { hub: string; state: string; leaseExpiresAt: string | null; lastPushAt: string | null; lastError: string | null; rejectedPushes: number } | null;
};

const pub = () => new Date(Date.now() - 60_000).toUTCString();
const LONG = 'Foreign Minister Abbas Araghchi and envoy Steve Witkoff met in Muscat as Oman carried messages between Iran and the United States on the nuclear file, ' +
  'with the delegations agreeing to meet again next week after talks that both sides called serious and useful for the region and the world.';

function documentWith(selfUrl: string, items: Array<{ title: string; guid: string }>): string {
  const rss = rssOf('Pushed Wire', items.map((i) => ({ ...i, link: `https://pushed.example/${i.guid}`, description: LONG, pubDate: pub() })));
  return rss.replace('<channel>', `<channel><atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="hub" href="${hub.url}/"/><atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="self" href="${selfUrl}"/>`);
}

beforeAll(async () => {
  hub = await startWebSubHub(3600);
  feeds = await startFeedServer();
  feeds.route('/pushed.xml', (_req, res) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(documentWith(feeds.url('/pushed.xml'), [{ title: 'First polled story in Muscat', guid: 'p0' }])));
  feeds.route('/linked.xml', (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/rss+xml', link: `<${hub.url}/>; rel="hub", <${feeds.url('/linked-topic')}>; rel="self"` }).end(rssOf('Linked', [{ title: 'x', guid: 'l1', link: 'https://pushed.example/l1', description: LONG }])),
  );
  app = await startTestApp(prefix, { FULL_TEXT: 'never', WEBSUB_PUSHES_PER_MINUTE: '30' });
});

afterAll(async () => {
  await app?.stop();
  await feeds?.close();
  await hub?.close();
});

describe('WebSub', () => {
  let feed: Feed;
  let topic: string;

  it('subscribes at the hub the feed names, with a per-feed secret and a lease, and the callback verifies intent', async () => {
    topic = feeds.url('/pushed.xml');
    const created = await app.json<Feed>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: topic }) });
    expect(created.status).toBe(201);
    // The app marks the feed subscribed while it answers the hub's verification, and the hub
    // records the answer only once it has read it: wait for both, or a loaded machine reads between.
    feed = await waitFor(async () => {
      const { body } = await app.json<Feed>(`/api/feeds/${created.body.id}`);
      const verified = hub.requests_.some((r) => r.topic === topic && r.verified !== null);
      return body.push?.state === 'subscribed' && verified ? body : null;
    });
    const sub = hub.requests_.find((r) => r.topic === topic)!;
    expect(sub.mode).toBe('subscribe');
    expect(sub.callback).toBe(`${app.base}/websub/${feed.id}`);
    expect(sub.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(sub.leaseSeconds).toBeGreaterThan(0);
    expect(sub.verified).toEqual({ status: 200, echoed: true });
    expect(feed.push!.hub).toBe(`${hub.url}/`);
    const lease = Date.parse(feed.push!.leaseExpiresAt!);
    expect(lease).toBeGreaterThan(Date.now() + 3500_000);
    expect(lease).toBeLessThan(Date.now() + 3700_000);
    // The secret never leaves through the API.
    expect(JSON.stringify(feed)).not.toContain(sub.secret!);
    // Polling goes on, at the ceiling interval: a safety net.
    expect(Date.parse(feed.nextPollAt)).toBeGreaterThan(Date.now() + (feed.intervalSeconds - 30) * 1000);
  });

  it('finds the hub and self URL in the Link header too', async () => {
    const created = await app.json<Feed>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: feeds.url('/linked.xml') }) });
    await waitFor(async () => hub.requests_.find((r) => r.topic === feeds.url('/linked-topic') && r.verified?.echoed));
    const { body } = await app.json<Feed>(`/api/feeds/${created.body.id}`);
    expect(body.push?.state).toBe('subscribed');
  });

  it('answers 404 to a verification for a topic never asked for, or for an unknown feed', async () => {
    expect((await hub.verify(`${app.base}/websub/${feed.id}`, 'subscribe', 'https://other.example/feed')).status).toBe(404);
    expect((await hub.verify(`${app.base}/websub/no-such-feed`, 'subscribe', topic)).status).toBe(404);
    expect((await hub.verify(`${app.base}/websub/${feed.id}`, 'unsubscribe', topic)).status).toBe(404);
  });

  it('ingests a signed push like a poll (dedupe, tagging, digest) without fetching the feed, for sha1, sha256 and sha512', async () => {
    const fetchesBefore = feeds.requests.filter((r) => r.path === '/pushed.xml').length;
    for (const [n, algorithm] of (['sha1', 'sha256', 'sha512'] as const).entries()) {
      const title = `Pushed story ${n} on the talks in Muscat`;
      const status = await hub.push(topic, documentWith(topic, [{ title, guid: `push-${n}` }]), { algorithm });
      expect(status).toBe(204);
      // Tagged and in the digest (near-identical stories share one DigestItem there, so /api/items says which are relevant).
      await waitFor(async () => {
        const { body } = await app.json<{ items: Array<{ title: string; relevant: boolean }> }>(`/api/items?feedId=${feed.id}&anchorId=muscat-talks&limit=200`);
        return body.items.some((i) => i.title === title && i.relevant);
      });
    }
    // The same document again adds nothing: the poll's dedupe.
    expect(await hub.push(topic, documentWith(topic, [{ title: 'Pushed story 0 on the talks in Muscat', guid: 'push-0' }]))).toBe(204);
    const { body } = await app.json<{ items: Array<{ title: string }> }>(`/api/items?feedId=${feed.id}&limit=200`);
    expect(body.items.filter((i) => i.title.startsWith('Pushed story 0'))).toHaveLength(1);
    expect(feeds.requests.filter((r) => r.path === '/pushed.xml').length).toBe(fetchesBefore);
    const after = (await app.json<Feed>(`/api/feeds/${feed.id}`)).body;
    expect(after.push!.lastPushAt).not.toBeNull();
  });

  it('changes nothing for a forged or unsigned push, answers 2xx, and counts it', async () => {
    for (const forge of ['bad', 'missing'] as const) {
      expect(await hub.push(topic, documentWith(topic, [{ title: `Forged story ${forge} in Muscat`, guid: `forged-${forge}` }]), { forge })).toBe(202);
    }
    const { body } = await app.json<{ items: Array<{ title: string }> }>(`/api/items?feedId=${feed.id}&limit=200`);
    expect(body.items.some((i) => i.title.startsWith('Forged'))).toBe(false);
    expect((await app.json<Feed>(`/api/feeds/${feed.id}`)).body.push!.rejectedPushes).toBe(2);
    const metrics = await (await app.api('/metrics', { token: null })).text();
    expect(metrics).toMatch(/aw_websub_pushes_total\{outcome="bad-signature"\} 2/);
  });

  it('caps the pushed body and limits pushes per feed', async () => {
    const sub = hub.requests_.find((r) => r.topic === topic)!;
    const big = await fetch(sub.callback, { method: 'POST', headers: { 'content-type': 'application/rss+xml' }, body: 'x'.repeat(6 * 1024 * 1024) });
    expect(big.status).toBe(413);
    let limited = 0;
    for (let i = 0; i < 40; i++) if ((await hub.push(topic, '<rss/>', { forge: 'missing' })) === 429) limited++;
    expect(limited).toBeGreaterThan(0);
  });

  it('unsubscribes when the feed is deleted, and confirms that to the hub', async () => {
    expect((await app.api(`/api/feeds/${feed.id}`, { method: 'DELETE' })).status).toBe(204);
    const unsub = await waitFor(async () => hub.requests_.find((r) => r.mode === 'unsubscribe' && r.topic === topic && r.verified));
    expect(unsub.callback).toBe(`${app.base}/websub/${feed.id}`);
    expect(unsub.verified).toEqual({ status: 200, echoed: true });
  });
});

describe('WebSub lease renewal', () => {
  it('renews a lease before it ends', async () => {
    hub.grantSeconds = 3;
    feeds.route('/short.xml', (_req, res) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(documentWith(feeds.url('/short.xml'), [{ title: 'Short lease', guid: 's1' }])));
    await app.json('/api/feeds', { method: 'POST', body: JSON.stringify({ url: feeds.url('/short.xml') }) });
    const subscribes = () => hub.requests_.filter((r) => r.mode === 'subscribe' && r.topic === feeds.url('/short.xml') && r.verified?.echoed);
    await waitFor(async () => subscribes().length >= 2, 15_000);
    expect(subscribes().length).toBeGreaterThanOrEqual(2);
  });
});
