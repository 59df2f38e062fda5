import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { testRedisUrl, uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';
import { createKeys } from '../src/storage/keys.ts';

const prefix = uniquePrefix('anchors');
let app: TestApp;
let server: FeedServer;
let redis: Redis;

type Anchor = { id: string; title: string; url: string | null; entities: Array<{ key: string; name: string; kind: string; aliases: string[]; weight: number }> };

beforeAll(async () => {
  server = await startFeedServer();
  redis = new Redis(testRedisUrl);
  app = await startTestApp(prefix);
});

afterAll(async () => {
  await app?.stop();
  await server?.close();
  redis?.disconnect();
});

describe('anchors', () => {
  it('loads the default source piece with its entities', async () => {
    const { status, body } = await app.json<{ anchors: Anchor[] }>('/api/anchors');
    expect(status).toBe(200);
    const anchor = body.anchors[0]!;
    expect(anchor.id).toBe('muscat-talks');
    const keys = anchor.entities.map((e) => e.key);
    for (const key of ['witkoff', 'araghchi', 'trump', 'merz', 'erdogan', 'muscat', 'oman', 'iran', 'isw', 'carrier-group']) expect(keys).toContain(key);
    const byKey = new Map(anchor.entities.map((e) => [e.key, e]));
    expect(byKey.get('araghchi')!.name).toBe('Abbas Araghchi');
    expect(byKey.get('araghchi')!.kind).toBe('person');
    expect(byKey.get('araghchi')!.aliases).toContain('Araqchi');
    expect(byKey.get('muscat')!.weight).toBeGreaterThan(byKey.get('us')!.weight);
    expect((await app.json<Anchor>('/api/anchors/muscat-talks')).body.title).toBe(anchor.title);
    expect((await app.api('/api/anchors/nope')).status).toBe(404);
  });

  it('creates an anchor from posted text, extracting entities off the API loop', async () => {
    const res = await app.json<Anchor>('/api/anchors', {
      method: 'POST',
      body: JSON.stringify({
        title: 'Paris summit on Ukraine',
        url: 'https://example.com/paris-summit',
        text: 'French President Emmanuel Macron hosted Ukrainian President Volodymyr Zelensky in Paris on Monday. The North Atlantic Treaty Organization pledged more air defence systems.',
      }),
    });
    expect(res.status).toBe(201);
    expect(res.body.id).toBe('paris-summit-on-ukraine');
    const names = res.body.entities.map((e) => e.name);
    expect(names).toContain('Emmanuel Macron');
    expect(names).toContain('Paris');
    const again = await app.json<Anchor>('/api/anchors', { method: 'POST', body: JSON.stringify({ title: 'Paris summit on Ukraine', text: 'Macron met Zelensky in Paris.' }) });
    expect(again.body.id).toBe('paris-summit-on-ukraine-2');
    expect((await app.api('/api/anchors', { method: 'POST', body: JSON.stringify({ title: '' }) })).status).toBe(400);
  });

  it('replaces entities and re-tags stored items in the background, counting nothing twice', async () => {
    server.route('/retag.xml', (_q, r) =>
      r.end(
        rssOf('Retag', [
          { title: 'Araghchi meets Omani mediators in Muscat', link: 'http://retag.example/1', description: 'The Iranian foreign minister held talks.' },
          { title: 'Tehran weighs the US offer', link: 'http://retag.example/2', description: 'Officials in Tehran studied the proposal on enrichment.' },
        ]),
      ),
    );
    const feed = await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url('/retag.xml') }) });
    const itemsWith = async (key: string) => {
      const { body } = await app.json<{ items: Array<{ title: string; entities: Array<{ key: string }> }> }>(`/api/items?feedId=${feed.body.id}&anchorId=muscat-talks`);
      return body.items.filter((i) => i.entities.some((e) => e.key === key)).map((i) => i.title);
    };
    await waitFor(async () => (await itemsWith('araghchi')).length === 1);
    const entityKey = (k: string) => createKeys(prefix).entityItems('muscat-talks', k);
    const before = await redis.zcard(entityKey('araghchi'));

    const anchor = (await app.json<Anchor>('/api/anchors/muscat-talks')).body;
    const entities = anchor.entities
      .filter((e) => e.key !== 'araghchi')
      .map((e) => ({ name: e.name, kind: e.kind, aliases: e.aliases }))
      .concat([{ name: 'Foreign Minister', kind: 'topic', aliases: ['foreign minister'] }]);
    const put = await app.json<Anchor>('/api/anchors/muscat-talks/entities', { method: 'PUT', body: JSON.stringify({ entities }) });
    expect(put.status).toBe(200);
    expect(put.body.entities.some((e) => e.key === 'araghchi')).toBe(false);

    await waitFor(async () => (await itemsWith('araghchi')).length === 0 && (await itemsWith('foreign-minister')).length === 1, 20_000);
    expect(await redis.zcard(entityKey('araghchi'))).toBe(before - 1);
    const tehranCount = await redis.zcard(entityKey('tehran'));
    // A second identical PUT re-tags again: still one index entry per item.
    await app.json('/api/anchors/muscat-talks/entities', { method: 'PUT', body: JSON.stringify({ entities }) });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await redis.zcard(entityKey('tehran'))).toBe(tehranCount);
    expect(await redis.zcard(entityKey('foreign-minister'))).toBe(1);
  });

  it('only lets the admin change anchors', async () => {
    const key = await app.json<{ key: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: 'reader' }) });
    expect((await app.api('/api/anchors', { token: key.body.key })).status).toBe(200);
    expect((await app.api('/api/anchors', { method: 'POST', token: key.body.key, body: JSON.stringify({ title: 't', text: 'x' }) })).status).toBe(403);
    expect((await app.api('/api/anchors/muscat-talks/entities', { method: 'PUT', token: key.body.key, body: JSON.stringify({ entities: [] }) })).status).toBe(403);
  });
});
