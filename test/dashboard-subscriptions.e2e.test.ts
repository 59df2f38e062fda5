import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startSmtpReceiver, type SmtpReceiver } from './helpers/smtp-receiver.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

// The alert form's live preview and the digest subscription form, in Debian's headless
// Chromium against the real API and workers, with a real SMTP server taking the e-mails.
const CHROMIUM = '/usr/bin/chromium';
declare const window: any;
const hasChromium = existsSync(CHROMIUM);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const writeScreenshot = process.env.WRITE_SCREENSHOT === '1';

let app: TestApp;
let feeds: FeedServer;
let smtp: SmtpReceiver;
let browser: Browser;

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toUTCString();
const ITEMS = [
  { title: 'Araghchi and Witkoff open a new round of talks in Muscat', link: 'http://gulf.example/1', description: 'Iranian Foreign Minister Abbas Araghchi and US envoy Steve Witkoff held indirect talks in Muscat on the nuclear programme.', pubDate: minutesAgo(50) },
  { title: 'Oman mediates as Iran and the US weigh sanctions relief', link: 'http://gulf.example/2', description: 'Omani mediators shuttled between the Iranian and American delegations as sanctions relief and enrichment limits were discussed.', pubDate: minutesAgo(40) },
  { title: 'Muscat format will continue, Araghchi tells reporters', link: 'http://gulf.example/3', description: 'After a third session, Araghchi said the Muscat talks would go on, while Witkoff briefed Washington on Iran.', pubDate: minutesAgo(30) },
];

async function openPage(allowed: RegExp[] = []): Promise<{ page: Page; errors: string[]; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() !== 'error') return;
    const text = `${msg.text()} @ ${msg.location().url}`;
    if (!allowed.some((re) => re.test(text))) errors.push(text);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  await page.goto(`${app.base}/?access_token=${encodeURIComponent(app.token)}`);
  await page.waitForFunction(() => (window as any).__aw?.ready === true, null, { timeout: 15_000 });
  return { page, errors, close: () => context.close() };
}

describe.skipIf(!hasChromium)(`alert preview and digest e-mails in headless Chromium${hasChromium ? '' : ` (skipped: ${CHROMIUM} is not installed)`}`, () => {
  beforeAll(async () => {
    feeds = await startFeedServer();
    smtp = await startSmtpReceiver();
    app = await startTestApp(uniquePrefix('dash-subs'), { SMTP_URL: smtp.url, MAIL_FROM: 'Anchorwatch <digest@anchorwatch.test>' });
    feeds.route('/gulf.xml', (_q, r) => r.end(rssOf('Gulf Wire', ITEMS)));
    await app.json('/api/feeds', { method: 'POST', body: JSON.stringify({ url: feeds.url('/gulf.xml'), title: 'Gulf Wire' }) });
    // Every item tagged (what enters the digest is the relevance model's call, not this test's),
    // and the digest holds at least the two that name the story's principals.
    await waitFor(async () => {
      const all = await app.json<{ items: Array<{ relevant: boolean }> }>('/api/items?anchorId=muscat-talks&limit=50');
      return all.body.items.length === ITEMS.length && all.body.items.filter((i) => i.relevant).length >= 2;
    }, 20_000);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await feeds?.close();
    await smtp?.close();
  });

  it('shows the preview count and the newest hits as the query is typed, and the error of a bad one', async () => {
    const { page, errors, close } = await openPage([/status of 400 .*@ .*\/api\/alerts\/preview$/]);
    const query = 'Muscat NEAR/8 talks';
    const expected = await app.json<{ count: number; hits: Array<{ title: string }> }>('/api/alerts/preview', { method: 'POST', body: JSON.stringify({ query, limit: 5 }) });
    expect(expected.body.count).toBeGreaterThan(0);
    await page.locator('#alert-query').pressSequentially(query, { delay: 20 });
    await expect.poll(() => page.locator('#alert-preview').getAttribute('data-count'), { timeout: 10_000 }).toBe(String(expected.body.count));
    expect(await page.locator('#alert-preview-summary').textContent()).toContain(`${expected.body.count} item`);
    expect(await page.locator('#alert-preview-hits li a').allTextContents()).toEqual(expected.body.hits.map((h) => h.title));

    await page.fill('#alert-query', 'Muscat NEAR/0 talks');
    await expect.poll(() => page.locator('#alert-preview').getAttribute('data-state'), { timeout: 10_000 }).toBe('error');
    expect(await page.locator('#alert-preview-summary').textContent()).toMatch(/position 12/);
    // Typing nothing hides it; nothing was saved.
    await page.fill('#alert-query', '');
    await expect.poll(() => page.locator('#alert-preview').isHidden()).toBe(true);
    expect((await app.json<{ alerts: unknown[] }>('/api/alerts')).body.alerts).toHaveLength(0);
    expect(errors).toEqual([]);
    await close();
  });

  it('subscribes an address from the form, sends now, and the e-mail arrives', async () => {
    const { page, errors, close } = await openPage();
    await page.fill('#subscription-email', 'desk@news.test');
    await page.selectOption('#subscription-every', 'hour');
    await page.fill('#subscription-at', '09:15');
    await page.fill('#subscription-tz', 'Europe/Berlin');
    await page.click('#subscription-form button[type="submit"]');
    const row = page.locator('#subscription-list .subscription', { hasText: 'desk@news.test' });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.textContent()).toContain('hourly at :15 (Europe/Berlin)');
    const { body } = await app.json<{ subscriptions: Array<{ id: string; email: string; every: string; at: string; tz: string }> }>('/api/subscriptions');
    expect(body.subscriptions).toMatchObject([{ email: 'desk@news.test', every: 'hour', at: '09:15', tz: 'Europe/Berlin' }]);

    await page.click('button[aria-label="Send the digest to desk@news.test now"]');
    const [mail] = await smtp.waitForMails(1, 'desk@news.test');
    // The e-mail lists exactly the stories of the digest.
    const digest = await app.json<{ items: Array<{ title: string }> }>('/api/digests/muscat-talks?limit=50');
    expect(digest.body.items.length).toBeGreaterThanOrEqual(2);
    for (const item of digest.body.items) expect(mail!.parsed.text).toContain(item.title);
    for (const item of ITEMS.filter((i) => !digest.body.items.some((d) => d.title === i.title))) expect(mail!.parsed.text).not.toContain(item.title);

    if (writeScreenshot) {
      // The digest e-mail's HTML as a mail client shows it: rendered in Chromium, scripts off.
      const context = await browser.newContext({ viewport: { width: 680, height: 760 }, javaScriptEnabled: false });
      const mailPage = await context.newPage();
      await mailPage.setContent(String(mail!.parsed.html));
      mkdirSync('docs', { recursive: true });
      await mailPage.screenshot({ path: 'docs/digest-email.png', fullPage: true });
      await context.close();
    }

    await page.click('button[aria-label="Delete the subscription of desk@news.test"]');
    await expect.poll(() => row.count()).toBe(0);
    expect((await app.json<{ subscriptions: unknown[] }>('/api/subscriptions')).body.subscriptions).toHaveLength(0);
    expect(errors).toEqual([]);
    await close();
  });
});
