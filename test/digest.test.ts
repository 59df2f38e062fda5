import { Parser } from 'htmlparser2';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAnchorSources } from '../src/tagging/anchor-file.ts';
import { compileAnchor, tagItem } from '../src/tagging/compile-anchor.ts';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { asFeedItem, labelledItems, type LabelledItem } from './helpers/labelled-items.ts';
import { testRedisUrl, uniquePrefix } from './helpers/redis-prefix.ts';
import { openSse } from './helpers/sse-client.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';
import { createKeys } from '../src/storage/keys.ts';

// The live digest end to end: real Redis, real feed server, the real API and workers,
// and a second API process on the same prefix.
const prefix = uniquePrefix('digest');
let app: TestApp;
let second: TestApp;
let server: FeedServer;
let redis: Redis;
// The stream tests are about delivery, not judgement: use items the tagger itself finds relevant.
const [anchorSource] = await loadAnchorSources('config/anchors');
const compiled = compileAnchor(anchorSource!);
const judged = labelledItems().map((i) => ({ item: i, relevant: tagItem(compiled, i).relevant }));
const relevant = judged.filter((j) => j.relevant).map((j) => j.item);
const irrelevant = judged.filter((j) => !j.relevant).map((j) => j.item);
let next = 0;
const take = (n: number) => relevant.slice(next, (next += n));

/** Items the /live.xml feed serves; tests append to it and poll. */
const liveItems: LabelledItem[] = [];
let liveFeedId: string;

type DigestItem = { id: string; title: string; link: string; alsoReportedBy: Array<{ feedId: string; link: string }>; entities: Array<{ key: string; count: number }> };

beforeAll(async () => {
  server = await startFeedServer();
  redis = new Redis(testRedisUrl);
  app = await startTestApp(prefix);
  second = await startTestApp(prefix, {}, { api: true, workers: false });
  server.route('/live.xml', (_q, r) => r.end(rssOf('Live Wire', liveItems.map((i) => asFeedItem(i)))));
  const res = await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url('/live.xml') }) });
  liveFeedId = res.body.id;
});

afterAll(async () => {
  await second?.running.stop();
  await app?.stop();
  await server?.close();
  redis?.disconnect();
});

async function digestIds(): Promise<string[]> {
  const { body } = await app.json<{ items: DigestItem[] }>('/api/digests/muscat-talks?limit=200');
  return body.items.map((i) => i.id);
}

/** Appends items to the live feed, polls it and waits until the digest holds `expectCount` entries. */
async function publish(items: LabelledItem[], expectCount: number): Promise<void> {
  liveItems.push(...items);
  expect((await app.api(`/api/feeds/${liveFeedId}/poll`, { method: 'POST' })).status).toBe(202);
  await waitFor(async () => (await digestIds()).length >= expectCount, 20_000);
}

const streamUrl = (t: TestApp, extra = '') => `${t.base}/api/digests/muscat-talks/stream?access_token=${t.token}${extra}`;

describe('the digest stream', () => {
  it('resumes after a disconnect with exactly the missed items, in order, then goes live; two API processes agree', async () => {
    await publish(take(2), 2);
    const a = await openSse(streamUrl(app));
    const b = await openSse(streamUrl(second));
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toMatch(/text\/event-stream/);
    expect(a.headers['x-accel-buffering']).toBe('no');

    const firstBatch = take(2);
    await publish(firstBatch, 4);
    const seenA = await a.waitForEvents(2);
    const seenB = await b.waitForEvents(2);
    expect(seenA.map((e) => e.id)).toEqual(seenB.map((e) => e.id));
    expect(seenA.map((e) => (JSON.parse(e.data) as DigestItem).title).sort()).toEqual(firstBatch.map((i) => i.title).sort());
    expect(a.retry).toBeGreaterThan(0);
    const lastSeen = seenA.at(-1)!.id!;
    a.close();

    const missed = take(3);
    await publish(missed, 7);
    const resumed = await openSse(streamUrl(app), { 'last-event-id': lastSeen });
    const caughtUp = await resumed.waitForEvents(3);
    expect(caughtUp).toHaveLength(3);
    expect(caughtUp.map((e) => (JSON.parse(e.data) as DigestItem).title).sort()).toEqual(missed.map((i) => i.title).sort());
    const ids = caughtUp.map((e) => e.id!);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => id > lastSeen)).toBe(true);

    // The second process, resumed by query parameter, gives the same events.
    const viaSecond = await openSse(streamUrl(second, `&lastEventId=${lastSeen}`));
    expect((await viaSecond.waitForEvents(3)).map((e) => e.id)).toEqual(ids);

    const liveOne = take(1);
    await publish(liveOne, 8);
    const after = await resumed.waitForEvents(4);
    expect(after).toHaveLength(4);
    expect(JSON.parse(after[3]!.data).title).toBe(liveOne[0]!.title);
    expect((await viaSecond.waitForEvents(4))[3]!.id).toBe(after[3]!.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(resumed.events.filter((e) => e.event === 'item')).toHaveLength(4);
    for (const c of [b, resumed, viaSecond]) c.close();
  });

  it('tells a client whose id was trimmed away to reload, then streams live items', async () => {
    const client = await openSse(streamUrl(app));
    await publish(take(1), 9);
    const [first] = await client.waitForEvents(1);
    client.close();
    await publish(take(1), 10);
    // Simulate the cap having trimmed everything the client missed.
    await redis.xtrim(createKeys(prefix).digestStream('muscat-talks'), 'MAXLEN', 0);
    const stale = await openSse(streamUrl(app), { 'last-event-id': first!.id! });
    const [reload] = await stale.waitForEvents(1, 'reload');
    expect(JSON.parse(reload!.data).reason).toBe('trimmed');
    await publish(take(1), 11);
    await stale.waitForEvents(1, 'item');
    stale.close();
  });

  it('answers 400 for a malformed Last-Event-ID and 404 for an unknown anchor', async () => {
    expect((await app.api('/api/digests/muscat-talks/stream?lastEventId=yesterday')).status).toBe(400);
    expect((await app.api('/api/digests/nope/stream')).status).toBe(404);
  });
});

describe('digest pages', () => {
  it('shows only relevant items, tags them, and marks exactly those relevant in /api/items', async () => {
    liveItems.push(...irrelevant.slice(0, 5));
    await app.api(`/api/feeds/${liveFeedId}/poll`, { method: 'POST' });
    await waitFor(async () => {
      const { body } = await app.json<{ items: unknown[] }>(`/api/items?feedId=${liveFeedId}&limit=200`);
      return body.items.length === liveItems.length;
    });
    const digest = new Set(await digestIds());
    const { body } = await app.json<{ items: Array<DigestItem & { relevant: boolean }> }>(`/api/items?feedId=${liveFeedId}&limit=200`);
    for (const item of body.items) expect(item.relevant, item.title).toBe(digest.has(item.id));
    const byTitle = new Map(body.items.map((i) => [i.title, i]));
    for (const labelled of irrelevant.slice(0, 5)) expect(byTitle.get(labelled.title)?.relevant, labelled.title).toBe(false);
  });

  it('filters by entity and since', async () => {
    const { body } = await app.json<{ items: DigestItem[] }>('/api/digests/muscat-talks?entity=iran&limit=200');
    expect(body.items.length).toBeGreaterThan(0);
    for (const item of body.items) expect(item.entities.some((e) => e.key === 'iran')).toBe(true);
    const since = new Date(Date.now() - 2 * 3600_000).toISOString();
    const recent = await app.json<{ items: Array<{ publishedAt: string }> }>(`/api/digests/muscat-talks?since=${encodeURIComponent(since)}&limit=200`);
    for (const item of recent.body.items) expect(Date.parse(item.publishedAt)).toBeGreaterThanOrEqual(Date.parse(since));
    expect((await app.api('/api/digests/muscat-talks?entity=no-such-entity')).status).toBe(400);
    expect((await app.api('/api/digests/muscat-talks?since=last-week')).status).toBe(400);
  });

  it('merges a syndicated story carried by three feeds into one entry with two alsoReportedBy', async () => {
    const story = relevant[relevant.length - 1]!;
    const copy = (n: number, dateline: string, tail: string) =>
      rssOf(`Syndicator ${n}`, [
        {
          title: story.title,
          link: `http://syndicator-${n}.example/wire/${story.id}`,
          description: `${dateline}${story.summary}${tail}`,
          pubDate: new Date(Date.now() - 60_000 * n).toUTCString(),
        },
      ]);
    server.route('/syn-1.xml', (_q, r) => r.end(copy(1, '', '')));
    server.route('/syn-2.xml', (_q, r) => r.end(copy(2, 'MUSCAT, Oman (AP) — ', ' Read more')));
    server.route('/syn-3.xml', (_q, r) => r.end(copy(3, 'WASHINGTON (Reuters) - ', '')));
    const feedIds: string[] = [];
    for (const n of [1, 2, 3]) {
      const res = await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url(`/syn-${n}.xml`) }) });
      feedIds.push(res.body.id);
      await waitFor(async () => (await app.json<{ lastPolledAt: string | null; itemCount: number }>(`/api/feeds/${res.body.id}`)).body.itemCount === 1);
    }
    await waitFor(async () => {
      const { body } = await app.json<{ items: DigestItem[] }>('/api/digests/muscat-talks?limit=200');
      const entries = body.items.filter((i) => i.title === story.title);
      return entries.length === 1 && entries[0]!.alsoReportedBy.length === 2 ? entries : null;
    });
    const { body } = await app.json<{ items: Array<DigestItem & { source: { feedId: string } }> }>('/api/digests/muscat-talks?limit=200');
    const entry = body.items.find((i) => i.title === story.title)!;
    expect([entry.source.feedId, ...entry.alsoReportedBy.map((r) => r.feedId)].sort()).toEqual([...feedIds].sort());
    expect(entry.alsoReportedBy.map((r) => r.link).sort()).toEqual(
      feedIds.filter((id) => id !== entry.source.feedId).map((id) => `http://syndicator-${feedIds.indexOf(id) + 1}.example/wire/${story.id}`).sort(),
    );
    // Each copy is still its own item (per-item counts), and all three are relevant.
    const all = await app.json<{ items: Array<{ title: string; relevant: boolean }> }>('/api/items?limit=200');
    expect(all.body.items.filter((i) => i.title === story.title && i.relevant)).toHaveLength(3);
  });

  it('pages without repeats or gaps while items arrive', async () => {
    const base = Date.now() - 50 * 3600_000;
    const bulk = Array.from({ length: 90 }, (_, i) => ({
      title: `Paging item ${i}`,
      link: `http://paging.example/${i}`,
      // Groups of three share a timestamp, so ties must be ordered too.
      pubDate: new Date(base + Math.floor(i / 3) * 60_000).toUTCString(),
    }));
    const extra: typeof bulk = [];
    server.route('/paging.xml', (_q, r) => r.end(rssOf('Paging', [...bulk, ...extra])));
    const res = await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url('/paging.xml') }) });
    const feedId = res.body.id;
    await waitFor(async () => (await app.json<{ itemCount: number }>(`/api/feeds/${feedId}`)).body.itemCount === 90);
    const before = new Set<string>();
    {
      let cursor: string | null = null;
      do {
        const page: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await app.json(`/api/items?feedId=${feedId}&limit=50${cursor ? `&cursor=${cursor}` : ''}`);
        for (const i of page.body.items) before.add(i.id);
        cursor = page.body.nextCursor;
      } while (cursor);
    }
    expect(before.size).toBe(90);

    const seen: string[] = [];
    let cursor: string | null = null;
    let round = 0;
    do {
      const page: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await app.json(`/api/items?feedId=${feedId}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.items.map((i) => i.id));
      cursor = page.body.nextCursor;
      if (round++ % 3 === 0) {
        // Insert items newer, older and interleaved with the ones being paged.
        for (let k = 0; k < 5; k++) {
          const n = extra.length;
          extra.push({ title: `Late item ${n}`, link: `http://paging.example/late-${n}`, pubDate: new Date(base + ((n * 7919) % 40) * 60_000 - 30_000).toUTCString() });
        }
        await app.api(`/api/feeds/${feedId}/poll`, { method: 'POST' });
      }
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before) expect(seen).toContain(id);
  });
});

describe('feeds out', () => {
  function parseXml(xml: string) {
    const root: { name: string; attrs: Record<string, string>; children: any[]; text: string } = { name: '#root', attrs: {}, children: [], text: '' };
    const stack = [root];
    new Parser(
      {
        onopentag(name, attrs) {
          const node = { name, attrs, children: [], text: '' };
          stack.at(-1)!.children.push(node);
          stack.push(node);
        },
        ontext(text) {
          stack.at(-1)!.text += text;
        },
        onclosetag() {
          stack.pop();
        },
      },
      { xmlMode: true, decodeEntities: true },
    ).end(xml);
    return root;
  }

  it('serves the digest as valid Atom 1.0 with the required elements, to a token in the query', async () => {
    const res = await fetch(`${app.base}/api/digests/muscat-talks/feed.atom?access_token=${app.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/atom\+xml/);
    const doc = parseXml(await res.text());
    const feed = doc.children.find((c) => c.name === 'feed')!;
    expect(feed.attrs.xmlns).toBe('http://www.w3.org/2005/Atom');
    const child = (node: any, name: string) => node.children.find((c: any) => c.name === name);
    for (const name of ['id', 'title', 'updated']) expect(child(feed, name)?.text, name).toBeTruthy();
    expect(child(feed, 'author') ?? null).not.toBeNull();
    expect(feed.children.some((c: any) => c.name === 'link' && c.attrs.rel === 'self')).toBe(true);
    const entries = feed.children.filter((c: any) => c.name === 'entry');
    expect(entries.length).toBeGreaterThan(0);
    const ids = new Set<string>();
    for (const entry of entries) {
      for (const name of ['id', 'title', 'updated']) expect(child(entry, name)?.text, name).toBeTruthy();
      expect(Number.isNaN(Date.parse(child(entry, 'updated').text))).toBe(false);
      ids.add(child(entry, 'id').text);
      const link = entry.children.find((c: any) => c.name === 'link');
      expect(link.attrs.href).toMatch(/^https?:\/\//);
      expect(child(entry, 'content').attrs.type).toBe('html');
    }
    expect(ids.size).toBe(entries.length);
    expect((await fetch(`${app.base}/api/digests/muscat-talks/feed.atom`)).status).toBe(401);
  });

  it('serves the digest as JSON Feed 1.1', async () => {
    const res = await fetch(`${app.base}/api/digests/muscat-talks/feed.json?access_token=${app.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/feed\+json/);
    const feed = (await res.json()) as any;
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(typeof feed.title).toBe('string');
    // The URL the reader subscribed to, token included (issue 11, point 9).
    expect(feed.feed_url).toBe(`${app.base}/api/digests/muscat-talks/feed.json?access_token=${app.token}`);
    expect(feed.items.length).toBeGreaterThan(0);
    for (const item of feed.items) {
      expect(typeof item.id).toBe('string');
      expect(typeof item.content_html === 'string' || typeof item.content_text === 'string').toBe(true);
      expect(Number.isNaN(Date.parse(item.date_published))).toBe(false);
      if (item.url) expect(item.url).toMatch(/^https?:\/\//);
    }
  });
});
