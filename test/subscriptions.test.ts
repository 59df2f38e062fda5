import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubscription } from '../src/pipeline/create-subscription.ts';
import { isAppError } from '../src/errors.ts';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startSmtpReceiver, type SmtpReceiver } from './helpers/smtp-receiver.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

// Digest subscriptions end to end: real Redis, a real SMTP server, two worker processes.
let app: TestApp;
let second: TestApp;
let feeds: FeedServer;
let smtp: SmtpReceiver;
let userKey: string;
let otherKey: string;
const prefix = uniquePrefix('subscriptions');

type Item = { title: string; link: string; description: string; pubDate: string };
const items: Item[] = [];
let feedId = '';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toUTCString();
const SUMMARIES = [
  'Iranian Foreign Minister Abbas Araghchi and US envoy Steve Witkoff held indirect talks in Muscat on the nuclear programme.',
  'Omani mediators shuttled between the Iranian and American delegations as sanctions relief and enrichment limits were discussed.',
  'After a third session, Araghchi told reporters the Muscat format would continue, while Witkoff briefed Washington on Iran.',
];
const story = (n: number, title: string): Item => ({ title, link: `http://gulf.example/story-${n}`, description: SUMMARIES[n - 1]!, pubDate: minutesAgo(30 - n) });

/** Publishes stories and waits until they are in the digest; returns the digest's titles. */
async function publish(more: Item[]): Promise<string[]> {
  items.push(...more);
  if (!feedId) {
    feeds.route('/gulf.xml', (_q, r) => r.end(rssOf('Gulf Wire', items)));
    feedId = (await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: feeds.url('/gulf.xml'), title: 'Gulf Wire' }) })).body.id;
  } else {
    await app.api(`/api/feeds/${feedId}/poll`, { method: 'POST' });
  }
  return waitFor(async () => {
    const { body } = await app.json<{ items: Array<{ title: string }> }>('/api/digests/muscat-talks?limit=200');
    const titles = body.items.map((i) => i.title);
    return more.every((m) => titles.includes(m.title)) ? titles : null;
  });
}

type Sub = { id: string; email: string; every: string; at: string; tz: string; lastSentAt: string | null; nextSendAt: string };
const subscribe = (body: object, token = userKey) => app.json<Sub>('/api/subscriptions', { method: 'POST', token, body: JSON.stringify(body) });

beforeAll(async () => {
  feeds = await startFeedServer();
  smtp = await startSmtpReceiver();
  const env = { SMTP_URL: smtp.url, MAIL_FROM: 'Digest <digest@anchorwatch.test>', LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' };
  app = await startTestApp(prefix, env, { api: true, workers: true }, { digestEveryMs: 200 });
  // A second worker process on the same prefix: a period must still be sent once. It has no API
  // of its own, so, as in a split deployment, PUBLIC_URL tells it where the API answers (else an
  // e-mail it sends would link to PORT=0).
  second = await startTestApp(prefix, { ...env, PUBLIC_URL: app.base }, { api: false, workers: true }, { digestEveryMs: 200 });
  userKey = (await app.json<{ key: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: 'analyst' }) })).body.key;
  otherKey = (await app.json<{ key: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: 'other' }) })).body.key;
});

afterAll(async () => {
  await second?.running.stop();
  await app?.stop();
  await feeds?.close();
  await smtp?.close();
});

describe('digest subscriptions', () => {
  it('validates: no SMTP_URL, an unknown zone, a bad time or address, another key’s subscription', async () => {
    const refused = await createSubscription({ anchorId: 'muscat-talks', email: 'a@b.test', every: 'day' }, 'admin', {
      mailConfigured: false,
    } as never).catch((e: unknown) => e);
    expect(isAppError(refused) && refused.code).toBe('validation_failed');
    expect((await subscribe({ anchorId: 'muscat-talks', email: 'a@b.test', every: 'day', tz: 'Mars/Olympus' })).status).toBe(400);
    expect((await subscribe({ anchorId: 'muscat-talks', email: 'a@b.test', every: 'day', at: '25:00' })).status).toBe(400);
    expect((await subscribe({ anchorId: 'muscat-talks', email: 'nope', every: 'day' })).status).toBe(400);
    expect((await subscribe({ anchorId: 'nowhere', email: 'a@b.test', every: 'day' })).status).toBe(400);
    const mine = await subscribe({ anchorId: 'muscat-talks', email: 'a@b.test', every: 'week', at: '09:30', tz: 'Europe/Berlin' });
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({ every: 'week', at: '09:30', tz: 'Europe/Berlin', lastSentAt: null });
    expect(new Date(mine.body.nextSendAt).getUTCDay()).toBe(1);
    expect((await app.api(`/api/subscriptions/${mine.body.id}`, { token: otherKey })).status).toBe(404);
    expect((await app.api(`/api/subscriptions/${mine.body.id}/send`, { method: 'POST', token: otherKey })).status).toBe(404);
    expect((await app.api(`/api/subscriptions/${mine.body.id}`, { method: 'DELETE', token: otherKey })).status).toBe(404);
    const list = await app.json<{ subscriptions: Sub[] }>('/api/subscriptions', { token: otherKey });
    expect(list.body.subscriptions).toHaveLength(0);
    expect((await app.api(`/api/subscriptions/${mine.body.id}`, { method: 'DELETE', token: userKey })).status).toBe(204);
  });

  it('sends the stories that entered the digest, newest first, once; sends nothing when nothing is new; unsubscribes once', async () => {
    await publish([story(1, 'Araghchi and Witkoff open talks in Muscat'), story(2, 'Oman mediates second day of Iran–US talks in Muscat')]);
    const sub = await subscribe({ anchorId: 'muscat-talks', email: 'Analyst@News.test', every: 'day', at: '07:00', tz: 'Asia/Muscat' });
    expect(sub.status).toBe(201);
    expect((await app.api(`/api/subscriptions/${sub.body.id}/send`, { method: 'POST', token: userKey })).status).toBe(202);
    const [mail] = await smtp.waitForMails(1, 'analyst@news.test');
    const html = String(mail!.parsed.html);
    const text = mail!.parsed.text!;
    expect(mail!.from).toBe('digest@anchorwatch.test');
    expect(mail!.parsed.subject).toMatch(/: \d+ new stor(y|ies)$/);
    expect(html.indexOf('Oman mediates second day')).toBeLessThan(html.indexOf('Araghchi and Witkoff open talks'));
    expect(html).toContain('href="http://gulf.example/story-1"');
    expect(html).toContain('Gulf Wire');
    expect(html).toMatch(/1 outlet/);
    expect(html).toContain('Araghchi');
    expect(html).not.toMatch(/<script|<style|<link /i);
    expect(html).toContain(`${app.base}/api/digests/muscat-talks/feed.atom`);
    expect(text).toContain('Araghchi and Witkoff open talks in Muscat');
    expect(text).toContain('http://gulf.example/story-2');
    const unsubscribeUrl = /Unsubscribe: (\S+)/.exec(text)![1]!;
    expect(unsubscribeUrl.startsWith(`${app.base}/unsubscribe/`)).toBe(true);
    expect(mail!.raw.replace(/\r?\n[ \t]+/g, ' ')).toContain(`List-Unsubscribe: <${unsubscribeUrl}>`);

    const after = await waitFor(async () => {
      const { body } = await app.json<Sub>(`/api/subscriptions/${sub.body.id}`, { token: userKey });
      return body.lastSentAt ? body : null;
    });
    // A manual send leaves the schedule alone.
    expect(after.nextSendAt).toBe(sub.body.nextSendAt);

    // Nothing new: nothing sent.
    await app.api(`/api/subscriptions/${sub.body.id}/send`, { method: 'POST', token: userKey });
    await new Promise((r) => setTimeout(r, 1200));
    expect(smtp.mails.filter((m) => m.to.includes('analyst@news.test'))).toHaveLength(1);

    // A forged token changes nothing; the real link removes the subscription, once, without a bearer token.
    const forged = await fetch(`${unsubscribeUrl.slice(0, -3)}abc`);
    expect(forged.status).toBe(400);
    expect((await app.api(`/api/subscriptions/${sub.body.id}`, { token: userKey })).status).toBe(200);
    const first = await fetch(unsubscribeUrl);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Unsubscribed');
    expect((await app.api(`/api/subscriptions/${sub.body.id}`, { token: userKey })).status).toBe(404);
    const again = await fetch(unsubscribeUrl);
    expect(await again.text()).toContain('Already unsubscribed');
  });

  it('sends a missed scheduled e-mail once when the workers are back, whatever their number, then schedules the next', async () => {
    const sub = await subscribe({ anchorId: 'muscat-talks', email: 'late@news.test', every: 'hour', at: '00:05' });
    await publish([story(3, 'Muscat round ends with a joint statement by Araghchi and Witkoff')]);
    // The workers were "down" at the scheduled time: it is in the past now. Both processes tick every 200 ms.
    const stores = app.running.stores;
    const record = (await stores.subscriptions.get(sub.body.id))!;
    const missed = Date.now() - 3 * 3600_000;
    await stores.redis.set(stores.keys.subscription(record.id), JSON.stringify({ ...record, nextSendAt: missed }));
    await stores.redis.zadd(stores.keys.subscriptionsDue, missed, record.id);

    const [mail] = await smtp.waitForMails(1, 'late@news.test');
    expect(mail!.parsed.text).toContain('Muscat round ends with a joint statement');
    await new Promise((r) => setTimeout(r, 1500));
    expect(smtp.mails.filter((m) => m.to.includes('late@news.test'))).toHaveLength(1);
    const { body } = await app.json<Sub>(`/api/subscriptions/${sub.body.id}`, { token: userKey });
    expect(Date.parse(body.nextSendAt)).toBeGreaterThan(Date.now());
    expect(Date.parse(body.nextSendAt) - Date.now()).toBeLessThanOrEqual(3600_000);
    expect(new Date(body.nextSendAt).getUTCMinutes()).toBe(5);
  });
});
