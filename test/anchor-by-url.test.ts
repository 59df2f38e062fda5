import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { articlePage } from './helpers/article-pages.ts';
import { startArticleServer, type ArticleServer } from './helpers/article-server.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, type TestApp } from './helpers/start-app.ts';

const prefix = uniquePrefix('anchor-url');
let app: TestApp;
let server: ArticleServer;

const TITLE = 'Mayor Lena Fischer opens the Rotterdam flood barrier inquiry';
const BODY =
  'Mayor Lena Fischer opened a public inquiry into the failure of the Rotterdam flood barrier on Monday. ' +
  'The barrier, built by the engineering firm Delta Works Consortium, stayed open during the storm surge of last week. ' +
  'Fischer said that residents of the harbour district deserved to know why the warning system failed. ' +
  'The inquiry will hear from engineers of Rijkswaterstaat and from the consortium over the next six weeks. ' +
  'Dock workers in Rotterdam described water reaching the warehouses within an hour of the first alarm. ' +
  'The city council has set aside money to repair the damage while the inquiry runs its course.';

beforeAll(async () => {
  server = await startArticleServer();
  server.pages.set('/story', articlePage(TITLE, BODY, 'boxed', '2026-11-28T07:30:00Z').html);
  server.pages.set('/front', `<html><body><nav><ul>${Array.from({ length: 30 }, (_, i) => `<li><a href="/s${i}">Headline ${i}</a></li>`).join('')}</ul></nav></body></html>`);
  app = await startTestApp(prefix, { ARTICLE_TIMEOUT_MS: '1500' });
});

afterAll(async () => {
  await app?.stop();
  await server?.close();
});

const post = (body: unknown) => app.json('/api/anchors', { method: 'POST', body: JSON.stringify(body) });

describe('POST /api/anchors { url }', () => {
  it('reads the title, date and main text from the page, and extracts entities from the body only', async () => {
    const { status, body } = await post({ url: `${server.url}/story?utm_source=x` });
    expect(status).toBe(201);
    expect(body.title).toBe(TITLE);
    expect(body.url).toBe(`${server.url}/story`);
    expect(Date.parse(body.publishedAt)).toBe(Date.parse('2026-11-28T07:30:00Z'));
    const names = body.entities.map((e: { name: string }) => e.name.toLowerCase()).join(' | ');
    expect(names).toContain('fischer');
    expect(names).toContain('rotterdam');
    // The chrome around the article never reaches the piece.
    expect(names).not.toContain('gazette');
    expect(names).not.toContain('facebook');
  });

  it('keeps the old form: title and text posted as before', async () => {
    const { status, body } = await post({ title: 'Pasted piece', text: BODY });
    expect(status).toBe(201);
    expect(body.title).toBe('Pasted piece');
  });

  const refused: Array<[string, string, string]> = [
    ['a page that never ends', '/never-ends', 'timeout'],
    ['a 50 MB page', '/fifty-megabytes', 'response_too_large'],
    ['a redirect to a private address', '/to-private', 'blocked_address'],
    ['a non-HTML answer', '/a.pdf', 'unsupported_media_type'],
    ['a page without an article', '/front', 'no_article'],
    ['a 404', '/gone', 'http_status'],
  ];
  for (const [what, path, reason] of refused) {
    it(`answers 400 problem+json for ${what}`, async () => {
      const res = await app.api('/api/anchors', { method: 'POST', body: JSON.stringify({ url: `${server.url}${path}` }) });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const problem = (await res.json()) as { code: string; detail: string; reason: string; errors: Array<{ field: string }> };
      expect(problem.code).toBe('no_article');
      expect(problem.detail).toMatch(/No article could be read/);
      expect(problem.errors[0]!.field).toBe('url');
      expect(problem.reason).toBe(reason);
    });
  }

  it('answers 400 for a URL that resolves to a refused address, without fetching anything', async () => {
    const res = await post({ url: 'http://127.0.0.2:9/story' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('blocked_address');
  });

  it('answers 400 for a body with neither text nor url, and for text without a title', async () => {
    expect((await post({})).status).toBe(400);
    expect((await post({ text: BODY })).status).toBe(400);
  });
});
