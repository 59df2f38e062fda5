import { describe, expect, it } from 'vitest';
import { signHubBody, verifyHubSignature } from './hub-signature.ts';
import { discoverWebSub } from './websub-links.ts';

const base = 'https://news.example/feed.xml';

describe('discoverWebSub', () => {
  it('reads atom:link rel="hub" and rel="self" from an RSS channel, in any attribute order', () => {
    const rss = `<?xml version="1.0"?><rss xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title><link>https://news.example/</link>
      <atom:link href="https://hub.example/" rel="hub"/><atom:link rel='self' type="application/rss+xml" href="/feed.xml?a=1&amp;b=2"/></channel></rss>`;
    expect(discoverWebSub(Buffer.from(rss), null, base)).toEqual({ hub: 'https://hub.example/', self: 'https://news.example/feed.xml?a=1&b=2' });
  });

  it('reads an Atom feed, and the Link header first', () => {
    const atom = `<feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub" href="https://doc-hub.example/"/><link rel="self" href="https://news.example/atom"/></feed>`;
    expect(discoverWebSub(Buffer.from(atom), null, base).hub).toBe('https://doc-hub.example/');
    const header = '<https://header-hub.example/>; rel="hub", <https://news.example/topic>; rel="self"';
    expect(discoverWebSub(Buffer.from(atom), header, base)).toEqual({ hub: 'https://header-hub.example/', self: 'https://news.example/topic' });
  });

  it('reads JSON Feed hubs, and gives nulls where nothing is named', () => {
    const json = JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', feed_url: 'https://news.example/feed.json', hubs: [{ type: 'WebSub', url: 'https://hub.example/' }], items: [] });
    expect(discoverWebSub(Buffer.from(json), null, base)).toEqual({ hub: 'https://hub.example/', self: 'https://news.example/feed.json' });
    expect(discoverWebSub(Buffer.from('<rss><channel><link>https://x.example/</link></channel></rss>'), null, base)).toEqual({ hub: null, self: null });
    expect(discoverWebSub(Buffer.from('<feed><link rel="hub" href="javascript:alert(1)"/></feed>'), null, base).hub).toBeNull();
  });
});

describe('verifyHubSignature', () => {
  const body = Buffer.from('<feed/>');
  it('accepts sha1, sha256 and sha512 HMACs of the body under the secret', () => {
    for (const alg of ['sha1', 'sha256', 'sha512'] as const) expect(verifyHubSignature(body, signHubBody(body, 's3cret', alg), 's3cret')).toBe(true);
  });
  it('refuses a missing, malformed, forged or other-secret signature', () => {
    expect(verifyHubSignature(body, undefined, 's3cret')).toBe(false);
    expect(verifyHubSignature(body, 'md5=abcd', 's3cret')).toBe(false);
    expect(verifyHubSignature(body, signHubBody(body, 'other'), 's3cret')).toBe(false);
    expect(verifyHubSignature(Buffer.from('<feed>changed</feed>'), signHubBody(body, 's3cret'), 's3cret')).toBe(false);
    expect(verifyHubSignature(body, 'sha256=00', 's3cret')).toBe(false);
  });
});
