import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

// The anchors compile once on the event loop (at start-up, and again when one changes) and the
// pipeline thread is handed them compiled: an anchor created or edited after start-up must reach
// the thread before the batch that names it (else the thread knows no such anchor and the tag
// job fails, or it tags with the old entities).
const prefix = uniquePrefix('anchor-threads');
let app: TestApp;
let server: FeedServer;

type Anchor = { id: string; version: number; entities: Array<{ key: string; name: string; kind: string; aliases: string[] }> };
type Items = { items: Array<{ title: string; entities: Array<{ key: string }> }> };

beforeAll(async () => {
  server = await startFeedServer();
  app = await startTestApp(prefix, { PIPELINE_THREADS: '1' });
  // The thread has loaded and holds the anchors compiled at start-up: tagging runs there from now on.
  await app.running.workers!.ready();
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await server?.close();
});

describe('anchors on the pipeline threads', () => {
  it('tag with an anchor created after start-up, and with its new entities once edited', async () => {
    const created = await app.json<Anchor>('/api/anchors', {
      method: 'POST',
      body: JSON.stringify({
        title: 'Paris summit on Ukraine',
        text: 'French President Emmanuel Macron hosted Ukrainian President Volodymyr Zelensky in Paris on Monday. The North Atlantic Treaty Organization pledged more air defence systems.',
      }),
    });
    expect(created.status).toBe(201);
    const anchor = created.body;
    const macron = anchor.entities.find((e) => e.name === 'Emmanuel Macron')!.key;
    expect(anchor.entities.some((e) => e.name === 'Kaja Kallas')).toBe(false);

    const stories = [{ title: 'Macron and Zelensky meet in Paris', link: 'http://paris.example/1', guid: 'p1', description: 'Emmanuel Macron welcomed Volodymyr Zelensky to the Elysee.' }];
    server.route('/paris.xml', (_q, r) => r.end(rssOf('Paris wire', stories)));
    const feed = await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url('/paris.xml') }) });
    expect(feed.status).toBe(201);
    const tagged = async (key: string) => {
      const { body } = await app.json<Items>(`/api/items?feedId=${feed.body.id}&anchorId=${anchor.id}`);
      return body.items.filter((i) => i.entities.some((e) => e.key === key)).map((i) => i.title);
    };
    expect(await waitFor(async () => (await tagged(macron)).length === 1 && tagged(macron), 30_000)).toEqual(['Macron and Zelensky meet in Paris']);

    // An edit after start-up: a new entity, so a new version the thread has not been handed yet.
    const entities = anchor.entities.map((e) => ({ name: e.name, kind: e.kind, aliases: e.aliases })).concat([{ name: 'Kaja Kallas', kind: 'person', aliases: ['Kallas'] }]);
    const put = await app.json<Anchor>(`/api/anchors/${anchor.id}/entities`, { method: 'PUT', body: JSON.stringify({ entities }) });
    expect(put.status).toBe(200);
    const kallas = put.body.entities.find((e) => e.name === 'Kaja Kallas')!.key;
    stories.push({ title: 'Kallas joins the Paris talks', link: 'http://paris.example/2', guid: 'p2', description: 'Kaja Kallas said Europe would fund more air defence for Ukraine, as Macron looked on.' });
    expect((await app.api(`/api/feeds/${feed.body.id}/poll`, { method: 'POST' })).status).toBe(202);
    expect(await waitFor(async () => (await tagged(kallas)).length === 1 && tagged(kallas), 30_000)).toEqual(['Kallas joins the Paris talks']);
    expect(await tagged(macron)).toEqual(expect.arrayContaining(['Macron and Zelensky meet in Paris', 'Kallas joins the Paris talks']));
  }, 120_000);
});
