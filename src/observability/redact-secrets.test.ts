import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { redactSecrets, redactUrl } from './redact-secrets.ts';

describe('redactSecrets', () => {
  it('masks secret query values and keeps the rest of the URL', () => {
    expect(redactSecrets('/api/digests/a/stream?access_token=T0k3n&lastEventId=1-0')).toBe('/api/digests/a/stream?access_token=[redacted]&lastEventId=1-0');
    expect(redactSecrets('http://h/feed.xml?page=2&api_key=abc&token=def#x')).toBe('http://h/feed.xml?page=2&api_key=[redacted]&token=[redacted]#x');
    expect(redactSecrets('https://h/f?sig=1&Signature=2&password=3&auth=4')).toBe('https://h/f?sig=[redacted]&Signature=[redacted]&password=[redacted]&auth=[redacted]');
    expect(redactSecrets('/api/volume?q=Muscat&interval=hour&from=2026-01-01')).toBe('/api/volume?q=Muscat&interval=hour&from=2026-01-01');
  });

  it('masks a URL carried percent-encoded inside another, userinfo, bearer values, whsec_ secrets and unsubscribe tokens', () => {
    expect(redactSecrets('hub.topic=http%3A%2F%2Fh%2Ff%3Ftoken%3Dabc')).toBe('hub.topic=http%3A%2F%2Fh%2Ff%3Ftoken%3D[redacted]');
    expect(redactSecrets('GET https://user:pa55@h/x failed')).toBe('GET https://[redacted]@h/x failed');
    expect(redactSecrets('authorization: Bearer abc.def-ghi')).toBe('authorization: Bearer [redacted]');
    expect(redactSecrets('secret whsec_MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0 used')).toBe('secret whsec_[redacted] used');
    expect(redactSecrets('/unsubscribe/u-9f8e7d?x=1')).toBe('/unsubscribe/[redacted]?x=1');
  });

  it('leaves anything that is not a string alone', () => {
    expect(redactUrl(42)).toBe(42);
    expect(redactUrl(null)).toBe(null);
  });
});

describe('createLogger', () => {
  /** The lines a logger writes, parsed. */
  function capture(): { lines: () => string[]; log: ReturnType<typeof createLogger> } {
    const out: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        out.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    return { lines: () => out, log: createLogger('debug', {}, destination) };
  }

  it('redacts secret fields, secret headers and URL secrets in any field, error or child binding', async () => {
    const { lines, log } = capture();
    log.info({ url: '/x?access_token=AAA', from: 'http://h/f?token=BBB' }, 'urls');
    log.info({ headers: { authorization: 'Bearer CCC', cookie: 'aw=DDD', 'webhook-signature': 'v1,EEE' } }, 'headers');
    log.info({ body: { webhook: { url: 'http://h/hook', secret: 'whsec_FFF' } }, secret: 'GGG', alert: { secret: 'HHH' } }, 'bodies');
    log.error({ err: new Error('fetch http://h/f?api_key=III failed') }, 'error');
    log.child({ feedUrl: 'http://h/f?key=JJJ' }).warn({ reason: 'moved to http://h/g?sig=KKK' }, 'child');
    await new Promise((r) => setImmediate(r));
    const text = lines().join('\n');
    expect(lines()).toHaveLength(5);
    for (const secret of ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF', 'GGG', 'HHH', 'III', 'JJJ', 'KKK']) expect(text).not.toContain(secret);
    expect(JSON.parse(lines()[0]!).url).toBe('/x?access_token=[redacted]');
    expect(JSON.parse(lines()[2]!).body.webhook.url).toBe('http://h/hook');
  });
});
