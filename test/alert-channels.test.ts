import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailChannel } from '../src/alerts/channels/email-channel.ts';
import { isAppError } from '../src/errors.ts';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startSmtpReceiver, type SmtpReceiver } from './helpers/smtp-receiver.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

// E-mail and Slack alerts end to end: real Redis, a real SMTP server (smtp-server) and a real
// Slack-format receiver on 127.0.0.1.
let app: TestApp;
let feeds: FeedServer;
let slack: FeedServer;
let smtp: SmtpReceiver;
let userKey: string;

type Item = { title: string; link: string; description?: string; pubDate?: string };
const feedItems = new Map<string, Item[]>();
const feedIds = new Map<string, string>();

async function publish(name: string, items: Item[]): Promise<void> {
  const list = feedItems.get(name) ?? [];
  list.push(...items);
  feedItems.set(name, list);
  if (!feedIds.has(name)) {
    feeds.route(`/feeds/${name}.xml`, (_q, r) => r.end(rssOf(name, feedItems.get(name)!)));
    const res = await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: feeds.url(`/feeds/${name}.xml`) }) });
    feedIds.set(name, res.body.id);
  } else {
    await app.api(`/api/feeds/${feedIds.get(name)}/poll`, { method: 'POST' });
  }
  await waitFor(async () => (await app.json<{ itemCount: number }>(`/api/feeds/${feedIds.get(name)}`)).body.itemCount >= list.length);
}

type Delivery = { webhookId: string; channel: string; status: string; attempts: number; lastStatus: number | null; lastError: string | null };
async function deliveriesOf(alertId: string): Promise<Delivery[]> {
  return (await app.json<{ deliveries: Delivery[] }>(`/api/alerts/${alertId}/deliveries`, { token: userKey })).body.deliveries;
}

const now = () => new Date().toUTCString();

beforeAll(async () => {
  feeds = await startFeedServer();
  slack = await startFeedServer();
  smtp = await startSmtpReceiver();
  app = await startTestApp(uniquePrefix('channels'), { SMTP_URL: smtp.url, MAIL_FROM: 'Anchorwatch Alerts <alerts@anchorwatch.test>' }, { api: true, workers: true }, { webhookRetryDelaysMs: [200, 200, 200] });
  userKey = (await app.json<{ key: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: 'analyst' }) })).body.key;
});

afterAll(async () => {
  await app?.stop();
  await feeds?.close();
  await slack?.close();
  await smtp?.close();
});

describe('e-mail alerts', () => {
  it('refuses an e-mail target where there is no SMTP_URL, and bad addresses with 400', async () => {
    const refused = await emailChannel({ configured: false }).checkTarget({ to: ['a@b.example'] }, { checkUrl: async (u) => new URL(u) }).catch((e: unknown) => e);
    expect(isAppError(refused) && refused.code).toBe('validation_failed');
    const bad = await app.json('/api/alerts', { method: 'POST', token: userKey, body: JSON.stringify({ name: 'x', query: 'Oman', email: { to: ['not-an-address'] } }) });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('sends one message per hit with both parts, retries a 4xx and delivers once per story', async () => {
    let refuse = 2;
    smtp.answer(({ to }) => (to.includes('desk@news.test') && refuse-- > 0 ? { code: 451, message: 'Greylisted, try again later' } : null));
    const created = await app.json<{ id: string; email: { to: string[] }; webhook: null }>('/api/alerts', {
      method: 'POST',
      token: userKey,
      body: JSON.stringify({ name: 'Muscat talks', query: 'Muscat NEAR/5 talks', email: { to: ['Desk@news.test'] } }),
    });
    expect(created.status).toBe(201);
    expect(created.body.email).toEqual({ to: ['desk@news.test'] });
    expect(created.body.webhook).toBeNull();

    await publish('wire', [
      { title: 'Muscat hosts new round of talks', link: 'http://wire.example/muscat-talks', description: 'Envoys met <b>behind closed doors</b> on Sunday & Monday.', pubDate: now() },
      { title: 'Talks stall as envoys leave the region and later Muscat goes quiet', link: 'http://wire.example/far', description: 'Nothing.', pubDate: now() },
    ]);
    const [mail] = await smtp.waitForMails(1, 'desk@news.test');
    expect(smtp.refusals).toBeGreaterThanOrEqual(2);
    expect(mail!.from).toBe('alerts@anchorwatch.test');
    expect(mail!.to).toEqual(['desk@news.test']);
    expect(mail!.parsed.subject).toBe('Muscat talks: Muscat hosts new round of talks');
    expect(mail!.parsed.from?.text).toContain('Anchorwatch Alerts');
    expect(mail!.parsed.text).toContain('Muscat hosts new round of talks');
    expect(mail!.parsed.text).toContain('http://wire.example/muscat-talks');
    expect(mail!.parsed.text).toContain('wire');
    expect(mail!.parsed.text).toContain('behind closed doors');
    expect(mail!.parsed.html).toContain('href="http://wire.example/muscat-talks"');
    expect(mail!.parsed.html).not.toMatch(/<script|<style/i);
    expect(mail!.parsed.html).not.toContain('<b>');

    const deliveries = await waitFor(async () => {
      const list = await deliveriesOf(created.body.id);
      return list[0]?.status === 'delivered' ? list : null;
    });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ channel: 'email', status: 'delivered', attempts: 3, lastStatus: 250 });
    expect(mail!.parsed.messageId).toBe(`<${deliveries[0]!.webhookId}@alerts.anchorwatch>`);

    // The same story from another feed, and a re-poll, send nothing more.
    await publish('wire', []);
    await publish('copy', [{ title: 'Muscat hosts new round of talks', link: 'http://copy.example/c', description: 'Envoys met behind closed doors on Sunday & Monday.', pubDate: now() }]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(smtp.mails.filter((m) => m.to.includes('desk@news.test'))).toHaveLength(1);
  });

  it('fails a delivery at once on a permanent (5xx) refusal', async () => {
    smtp.answer(({ to }) => (to.includes('gone@news.test') ? { code: 550, message: 'No such mailbox' } : null));
    const created = await app.json<{ id: string }>('/api/alerts', {
      method: 'POST',
      token: userKey,
      body: JSON.stringify({ name: 'Gone', query: 'title:Salalah', email: { to: ['gone@news.test'] } }),
    });
    await publish('gulf', [{ title: 'Salalah port reopens', link: 'http://gulf.example/salalah', description: 'Ships return.', pubDate: now() }]);
    const [failed] = await waitFor(async () => {
      const list = await deliveriesOf(created.body.id);
      return list[0]?.status === 'failed' ? list : null;
    });
    expect(failed).toMatchObject({ channel: 'email', attempts: 1, lastStatus: 550 });
    expect(failed!.lastError).toMatch(/550/);
  });
});

describe('Slack-format webhooks', () => {
  it('posts a signed { text, blocks } message, and an alert with both channels delivers once on each', async () => {
    smtp.answer(() => null);
    const received: Array<{ headers: Record<string, string>; body: string }> = [];
    slack.route('/hook', async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      received.push({ headers: req.headers as Record<string, string>, body });
      res.end('ok');
    });
    const created = await app.json<{ id: string; webhook: { secret: string; format: string } }>('/api/alerts', {
      method: 'POST',
      token: userKey,
      body: JSON.stringify({ name: 'Araghchi', query: 'entity:araghchi source:reuters', webhook: { url: slack.url('/hook'), format: 'slack' }, email: { to: ['team@news.test'] } }),
    });
    expect(created.status).toBe(201);
    expect(created.body.webhook.format).toBe('slack');

    await publish('reuters', [{ title: 'Araghchi sees progress & hope in Muscat', link: 'http://reuters.example/a', description: 'The minister spoke.', pubDate: now() }]);
    await publish('other', [{ title: 'Araghchi lands in Doha', link: 'http://other.example/b', description: 'Not from the named outlet.', pubDate: now() }]);
    await waitFor(async () => received.length >= 1);
    await smtp.waitForMails(1, 'team@news.test');

    const last = received[0]!;
    const payload = new Webhook(created.body.webhook.secret).verify(last.body, {
      'webhook-id': last.headers['webhook-id']!,
      'webhook-timestamp': last.headers['webhook-timestamp']!,
      'webhook-signature': last.headers['webhook-signature']!,
    }) as { text: string; blocks: Array<{ type: string; text?: { text: string } }> };
    expect(payload.text).toBe('Araghchi: Araghchi sees progress & hope in Muscat');
    const section = payload.blocks.find((b) => b.type === 'section')!.text!.text;
    expect(section).toContain('<http://reuters.example/a|Araghchi sees progress &amp; hope in Muscat>');
    expect(section).toContain('reuters');
    expect(section).toMatch(/Entities: .*Araghchi/);

    const deliveries = await waitFor(async () => {
      const list = await deliveriesOf(created.body.id);
      return list.length === 2 && list.every((d) => d.status === 'delivered') ? list : null;
    });
    expect(deliveries.map((d) => d.channel).sort()).toEqual(['email', 'webhook']);
    await new Promise((r) => setTimeout(r, 800));
    expect(received).toHaveLength(1);
    expect(smtp.mails.filter((m) => m.to.includes('team@news.test'))).toHaveLength(1);
  });
});
