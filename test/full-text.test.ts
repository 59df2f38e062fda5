import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { articlePage } from './helpers/article-pages.ts';
import { startArticleServer, type ArticleServer } from './helpers/article-server.ts';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

const prefix = uniquePrefix('full-text');
let app: TestApp;
let feeds: FeedServer;
let pages: ArticleServer;

type Item = { id: string; title: string; link: string; snippet: string; fullText: boolean; score: number | null; relevant: boolean; entities: Array<{ key: string }> };

// Headlines that name none of the anchor's entities: only the article bodies do.
const STORY_TITLE = 'Envoys meet again as a deadline nears';
const STORY_BODY =
  'Foreign Minister Abbas Araghchi met the American envoy Steve Witkoff in Muscat on Sunday, Omani officials said. ' +
  'The two delegations discussed the nuclear dossier and the sanctions that Iran wants lifted before any new agreement. ' +
  'Oman has carried messages between the sides for months and hosted three earlier rounds of indirect talks. ' +
  'Diplomats described the session as serious and said experts would meet again within days to draft a text. ' +
  'In Washington, officials said the carrier group in the region would stay in place while the talks continue.';
const OTHER_TITLE = 'Weekend weather turns colder';
const OTHER_BODY =
  'Forecasters expect the first frost of the season across the northern valleys this weekend, with clear skies at night. ' +
  'Farmers were advised to protect late crops, and gardeners to bring tender plants indoors before Saturday evening. ' +
  'Temperatures should recover by the middle of next week as milder air arrives from the west, the weather service said.';

const nowRfc = () => new Date(Date.now() - 600_000).toUTCString();

beforeAll(async () => {
  feeds = await startFeedServer();
  pages = await startArticleServer();
  pages.pages.set('/talks', articlePage(STORY_TITLE, STORY_BODY, 'semantic').html);
  pages.pages.set('/weather', articlePage(OTHER_TITLE, OTHER_BODY, 'div-soup').html);
  const headlines = (paths: string[]) =>
    rssOf('Headlines', [
      { title: STORY_TITLE, link: `${pages.url}/talks?utm_source=rss`, guid: 'talks', pubDate: nowRfc() },
      { title: OTHER_TITLE, link: `${pages.url}/weather`, guid: 'weather', pubDate: nowRfc() },
      ...paths.map((p) => ({ title: `Broken page ${p}`, link: `${pages.url}${p}`, guid: p, pubDate: nowRfc() })),
    ]);
  const broken = ['/never-ends', '/fifty-megabytes', '/to-private', '/a.pdf'];
  feeds.route('/headlines.xml', (_req, res) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(headlines(broken)));
  feeds.route('/never.xml', (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rssOf('Never', [{ title: 'Short one', link: `${pages.url}/talks-never`, guid: 'n1', pubDate: nowRfc() }])),
  );
  pages.pages.set('/talks-never', articlePage(STORY_TITLE, STORY_BODY, 'boxed').html);
  app = await startTestApp(prefix, { ARTICLE_TIMEOUT_MS: '1500' });
});

afterAll(async () => {
  await app?.stop();
  await feeds?.close();
  await pages?.close();
});

async function itemsOf(feedId: string, expected: number): Promise<Item[]> {
  return waitFor(async () => {
    const { body } = await app.json<{ items: Item[] }>(`/api/items?feedId=${feedId}&anchorId=muscat-talks`);
    return body.items.length >= expected && body.items.every((i) => i.score !== null) ? body.items : null;
  }, 30_000);
}

describe('article text for headline-only items (FULL_TEXT=auto)', () => {
  let feedId: string;

  it('reads the article pages of short items and tags them with the body; the snippet stays the short summary', async () => {
    const created = await app.json<{ id: string; fullText: string | null }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: feeds.url('/headlines.xml') }) });
    expect(created.status).toBe(201);
    expect(created.body.fullText).toBeNull();
    feedId = created.body.id;
    const talks = await waitFor(async () => {
      const items = await itemsOf(feedId, 6);
      const found = items.find((i) => i.title === STORY_TITLE);
      // fullText is marked when the text is read, the tags a moment later: wait for both.
      return found && found.fullText && found.score !== null ? found : null;
    }, 30_000);
    const keys = talks.entities.map((e) => e.key);
    for (const key of ['araghchi', 'witkoff', 'muscat', 'oman', 'iran']) expect(keys).toContain(key);
    expect(talks.relevant).toBe(true);
    expect(talks.snippet).toBe('');
    expect(talks.snippet).not.toContain('Araghchi');

    const { body } = await app.json<{ items: Array<{ id: string; fullText: boolean }> }>('/api/digests/muscat-talks');
    expect(body.items.find((i) => i.id === talks.id)?.fullText).toBe(true);
  });

  it('tags the items whose page failed (never ends, 50 MB, private redirect, not HTML) with what they have', async () => {
    const items = await itemsOf(feedId, 6);
    const broken = items.filter((i) => i.title.startsWith('Broken page'));
    expect(broken).toHaveLength(4);
    for (const item of broken) {
      expect(item.fullText).toBe(false);
      expect(item.relevant).toBe(false);
    }
    const weather = items.find((i) => i.title === OTHER_TITLE)!;
    expect(weather.fullText).toBe(true);
    expect(weather.relevant).toBe(false);
    // The redirect to a private address was never followed.
    expect(pages.hits.get('/story') ?? 0).toBe(0);
  });

  it('fetches no article again on a re-poll, nor on a re-tag against a new anchor, which still reads the body', async () => {
    const before = new Map(pages.hits);
    const polled = feeds.requests.filter((r) => r.path === '/headlines.xml').length;
    expect((await app.api(`/api/feeds/${feedId}/poll`, { method: 'POST' })).status).toBe(202);
    await waitFor(async () => feeds.requests.filter((r) => r.path === '/headlines.xml').length > polled);
    const anchor = await app.json<{ id: string }>('/api/anchors', { method: 'POST', body: JSON.stringify({ title: 'Envoys in Muscat', text: STORY_BODY }) });
    expect(anchor.status).toBe(201);
    const retagged = await waitFor(async () => {
      const { body } = await app.json<{ items: Item[] }>(`/api/items?feedId=${feedId}&anchorId=${anchor.body.id}`);
      const talks = body.items.find((i) => i.title === STORY_TITLE);
      return talks && talks.entities.length > 0 ? talks : null;
    }, 30_000);
    expect(retagged.entities.map((e) => e.key).join(' ')).toMatch(/araghchi/);
    expect(new Map(pages.hits)).toEqual(before);
  });

  it('reads nothing for a feed whose fullText is never', async () => {
    const created = await app.json<{ id: string; fullText: string }>('/api/feeds', {
      method: 'POST',
      body: JSON.stringify({ url: feeds.url('/never.xml'), fullText: 'never' }),
    });
    expect(created.body.fullText).toBe('never');
    const [item] = await itemsOf(created.body.id, 1);
    expect(item!.fullText).toBe(false);
    expect(item!.entities).toEqual([]);
    expect(pages.hits.get('/talks-never') ?? 0).toBe(0);
  });

  it('refuses an unknown fullText value', async () => {
    const res = await app.api('/api/feeds', { method: 'POST', body: JSON.stringify({ url: feeds.url('/x.xml'), fullText: 'sometimes' }) });
    expect(res.status).toBe(400);
  });
});
