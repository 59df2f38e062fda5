import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { articlePage } from './helpers/article-pages.ts';
import { startArticleServer, type ArticleServer } from './helpers/article-server.ts';
import { axeViolations } from './helpers/axe.ts';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { asFeedItem, labelledItems } from './helpers/labelled-items.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

// The analyst's controls of the dashboard end to end, in Debian's headless Chromium: judging
// digest items and undoing it, "why is this here?", live removals, and creating, editing
// (entity roles) and deleting a source piece.
const CHROMIUM = '/usr/bin/chromium';
declare const window: any;
type El = any;
const hasChromium = existsSync(CHROMIUM);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ANCHOR = 'muscat-talks';

let app: TestApp;
let server: FeedServer;
let browser: Browser;
let pages: ArticleServer;

type DigestItem = { id: string; title: string; why: { judged: boolean | null; evidence: Array<{ kind: string; name: string }> } };

async function digest(anchorId = ANCHOR): Promise<DigestItem[]> {
  return (await app.json<{ items: DigestItem[] }>(`/api/digests/${anchorId}?limit=200`)).body.items;
}

async function openPage(): Promise<{ page: Page; context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() === 'error') errors.push(`${msg.text()} @ ${msg.location().url}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('dialog', async (dialog) => {
    errors.push(`dialog: ${dialog.message()}`);
    await dialog.dismiss();
  });
  await page.goto(`${app.base}/?access_token=${encodeURIComponent(app.token)}`);
  await page.waitForFunction(() => (window as any).__aw?.ready === true, null, { timeout: 15_000 });
  return { page, context, errors };
}

/** The judged state a row shows ('true', 'false', '' for none), or null when the row is not there. */
const judgedOf = (page: Page, id: string) => page.evaluate((itemId) => (window as any).document.querySelector(`#digest-list .digest-item[data-id="${itemId}"]`)?.dataset.judged ?? null, id);
const shownIds = (page: Page) => page.locator('#digest-list .digest-item').evaluateAll((els) => els.map((e) => (e as El).dataset.id as string));

describe.skipIf(!hasChromium)(`the analyst's controls in headless Chromium${hasChromium ? '' : ` (skipped: ${CHROMIUM} is not installed)`}`, () => {
  beforeAll(async () => {
    server = await startFeedServer();
    pages = await startArticleServer();
    app = await startTestApp(uniquePrefix('dash-story'));
    const items = labelledItems();
    server.route('/wire.xml', (_q, r) => r.end(rssOf('Story Wire', items.map((i) => asFeedItem(i)))));
    expect((await app.json('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url('/wire.xml'), title: 'Story Wire' }) })).status).toBe(201);
    let last = '';
    await waitFor(async () => {
      const now = JSON.stringify((await digest()).map((i) => i.id));
      const stable = now === last && now !== '[]';
      last = now;
      return stable;
    }, 30_000, 700);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await app?.stop();
    await server?.close();
  });

  it('judges an item out and back with undo, confirms another, and explains why an item is there', { timeout: 120_000 }, async () => {
    const { page, context, errors } = await openPage();
    const items = await digest();
    expect(await shownIds(page)).toEqual(items.slice(0, 50).map((i) => i.id));
    const [first, second] = items;
    const row = (id: string) => page.locator(`#digest-list .digest-item[data-id="${id}"]`);

    // "Why is this here?": the score, the threshold and what counted.
    await row(first!.id).locator('details.why summary').click();
    expect(await row(first!.id).locator('.why-score').textContent()).toMatch(/Score \d\.\d\d against a threshold of \d\.\d\d/);
    const entries = row(first!.id).locator('.why-entry');
    expect(await entries.count()).toBe(first!.why.evidence.length);
    expect(await entries.first().getAttribute('data-kind')).toMatch(/^(entity|term|feedback|scope)$/);
    expect(await axeViolations(page)).toEqual([]);

    // Not about this story: out of the digest at once, shown as judged, with an undo.
    await row(first!.id).getByRole('button', { name: `Not about this story: ${first!.title}` }).click();
    await expect.poll(() => judgedOf(page, first!.id)).toBe('false');
    expect(await row(first!.id).locator('.judge-state').textContent()).toContain('not about this story');
    expect((await digest()).map((i) => i.id)).not.toContain(first!.id);
    expect((await app.json<{ feedback: Array<{ itemId: string; relevant: boolean }> }>(`/api/digests/${ANCHOR}/feedback`)).body.feedback).toEqual([
      expect.objectContaining({ itemId: first!.id, relevant: false }),
    ]);
    expect(await axeViolations(page)).toEqual([]);

    // Undo: the verdict is withdrawn and the item, relevant to the model, comes back live.
    await row(first!.id).getByRole('button', { name: `Undo your judgement of ${first!.title}` }).click();
    await expect.poll(async () => (await app.json<{ feedback: unknown[] }>(`/api/digests/${ANCHOR}/feedback`)).body.feedback.length).toBe(0);
    await expect.poll(() => judgedOf(page, first!.id), { timeout: 15_000 }).toBe('');
    await expect.poll(async () => (await digest()).map((i) => i.id)).toContain(first!.id);

    // Belongs here: the item stays, marked as confirmed.
    await row(second!.id).getByRole('button', { name: `Belongs here: ${second!.title}` }).click();
    await expect.poll(() => judgedOf(page, second!.id)).toBe('true');
    expect(await row(second!.id).locator('.judge-state').textContent()).toContain('belonging here');
    expect((await digest()).find((i) => i.id === second!.id)!.why.judged).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('drops an item live when it leaves the digest elsewhere (event: remove)', async () => {
    const { page, context, errors } = await openPage();
    const target = (await digest()).find((i) => i.why.judged === null)!;
    expect(await shownIds(page)).toContain(target.id);
    expect((await app.json(`/api/digests/${ANCHOR}/feedback`, { method: 'POST', body: JSON.stringify({ itemId: target.id, relevant: false }) })).status).toBe(200);
    await expect.poll(() => shownIds(page), { timeout: 15_000 }).not.toContain(target.id);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('creates a source piece from pasted text, edits an entity role, and deletes the piece', { timeout: 120_000 }, async () => {
    const { page, context, errors } = await openPage();
    await page.getByRole('button', { name: 'New source piece' }).click();
    await page.locator('#anchor-form-title').fill('Oman hosts a second round');
    await page.locator('#anchor-form-text').fill(
      'Iranian Foreign Minister Abbas Araghchi and US envoy Steve Witkoff met again in Muscat, Oman, for indirect nuclear talks. Omani mediators carried proposals between the delegations.',
    );
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Add source piece' }).click();
    await expect.poll(() => page.locator('#source-title').textContent(), { timeout: 30_000 }).toBe('Oman hosts a second round');
    const { body: list } = await app.json<{ anchors: Array<{ id: string; title: string }> }>('/api/anchors');
    const created = list.anchors.find((a) => a.title === 'Oman hosts a second round')!;
    expect(created).toBeDefined();
    expect(await page.locator('#anchor-select').inputValue()).toBe(created.id);
    expect(await page.locator('#anchor-select option').count()).toBe(2);

    // Roles are shown on every entity and editable.
    const { body: anchor } = await app.json<{ entities: Array<{ key: string; name: string; role: string }> }>(`/api/anchors/${created.id}`);
    const entity = anchor.entities.find((e) => e.role === 'core') ?? anchor.entities[0]!;
    const li = page.locator(`#entities .entity[data-key="${entity.key}"]`);
    expect(await li.getAttribute('data-role')).toBe(entity.role);
    const next = entity.role === 'core' ? 'context' : 'core';
    await page.click(`button[aria-label="Edit aliases of ${entity.name}"]`);
    await page.getByLabel(`Role of ${entity.name}`).selectOption(next);
    await li.locator('button[type="submit"]').click();
    await expect.poll(() => page.locator(`#entities .entity[data-key="${entity.key}"]`).getAttribute('data-role')).toBe(next);
    expect((await app.json<{ entities: Array<{ key: string; role: string }> }>(`/api/anchors/${created.id}`)).body.entities.find((e) => e.key === entity.key)!.role).toBe(next);

    // The scope: a syntax error is shown under its position; a good one is saved and shown.
    await page.locator('#scope-input').fill('Iran AND (talks OR');
    await page.getByRole('button', { name: 'Save scope' }).click();
    await expect.poll(() => page.locator('#scope-error').textContent()).not.toBe('');
    expect(await page.locator('#scope-caret').textContent()).toContain('^');
    await page.locator('#scope-input').fill('NOT "Oman Air"');
    await page.getByRole('button', { name: 'Save scope' }).click();
    await expect.poll(() => page.locator('.scope-state').textContent()).toBe('Scope: NOT "Oman Air"');
    expect((await app.json<{ scope: string | null }>(`/api/anchors/${created.id}`)).body.scope).toBe('NOT "Oman Air"');
    expect(await axeViolations(page)).toEqual([]);

    // Delete, with an inline confirmation: the piece is gone and the page shows the other one.
    await page.getByRole('button', { name: 'Delete this source piece' }).click();
    await page.locator('.anchor-delete-confirm').click();
    await expect.poll(async () => (await app.api(`/api/anchors/${created.id}`)).status).toBe(404);
    await expect.poll(() => page.locator('#anchor-select').inputValue()).toBe(ANCHOR);
    expect(await page.locator('#anchor-select option').count()).toBe(1);
    // The scope's syntax error is a 400 the page expects; the browser logs it all the same.
    expect(errors.filter((e) => !/status of 400 .*\/scope$/.test(e))).toEqual([]);
    await context.close();
  });
  it('creates a source piece from the address of an article, read from its page', { timeout: 120_000 }, async () => {
    const body =
      'Water ministers of Egypt and Ethiopia met in Khartoum on Monday for talks on the filling of the Grand Ethiopian Renaissance Dam. ' +
      'Sudanese mediators said both delegations had agreed to meet again within a month, while Egyptian officials warned that a drought year would test any deal.';
    pages.pages.set('/dam-talks', articlePage('Egypt and Ethiopia resume dam talks in Khartoum', body, 'boxed').html);
    const { page, context, errors } = await openPage();
    await page.getByRole('button', { name: 'New source piece' }).click();
    await page.locator('#anchor-form-url').fill(`${pages.url}/dam-talks`);
    await page.getByRole('button', { name: 'Add source piece' }).click();
    await expect.poll(() => page.locator('#source-title').textContent(), { timeout: 30_000 }).toBe('Egypt and Ethiopia resume dam talks in Khartoum');
    const { body: list } = await app.json<{ anchors: Array<{ id: string; title: string; url: string | null }> }>('/api/anchors');
    const created = list.anchors.find((a) => a.title === 'Egypt and Ethiopia resume dam talks in Khartoum')!;
    expect(created.url).toBe(`${pages.url}/dam-talks`);
    const { body: anchor } = await app.json<{ entities: Array<{ name: string }> }>(`/api/anchors/${created.id}`);
    expect(anchor.entities.map((e) => e.name)).toEqual(expect.arrayContaining(['Egypt', 'Ethiopia']));
    // A page without an article: the form says why, and nothing is created.
    pages.pages.set('/front-page', `<html><body><nav><ul>${Array.from({ length: 30 }, (_, i) => `<li><a href="/s${i}">Headline ${i}</a></li>`).join('')}</ul></nav></body></html>`);
    await page.getByRole('button', { name: 'New source piece' }).click();
    await page.locator('#anchor-form-url').fill(`${pages.url}/front-page`);
    await page.getByRole('button', { name: 'Add source piece' }).click();
    await expect.poll(() => page.locator('#anchor-form-message').textContent(), { timeout: 30_000 }).toMatch(/article/i);
    expect((await app.json<{ anchors: unknown[] }>('/api/anchors')).body.anchors.length).toBe(list.anchors.length);
    expect(await axeViolations(page)).toEqual([]);
    expect(errors.filter((e) => !/status of 400 .*\/api\/anchors$/.test(e))).toEqual([]);
    await app.api(`/api/anchors/${created.id}`, { method: 'DELETE' });
    await context.close();
  });
});
