import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { Parser } from 'htmlparser2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadAnchorSources } from '../src/tagging/anchor-file.ts';
import { compileAnchor, tagItem } from '../src/tagging/compile-anchor.ts';
import { killAllApps, spawnApp } from './helpers/app-process.ts';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { asFeedItem, labelledItems } from './helpers/labelled-items.ts';
import { dropPrefix, uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

// Interfaces as their clients expect them (issue 11): feed readers, OPML tools, a reverse
// proxy in front of several APIs. Real Redis, real HTTP, the real API and workers.

const ANCHOR = 'muscat-talks';
const PUBLIC_URL = 'https://watch.example.org/aw';
const EVIL = 'evil.example';

let server: FeedServer;
/** An API and workers with PUBLIC_URL set (given with a trailing slash, which is trimmed). */
let app: TestApp;
/** An API with PUBLIC_URL unset: self links then name HOST:PORT where it listens. */
let plain: TestApp;

const [anchorSource] = await loadAnchorSources('config/anchors');
const compiled = compileAnchor(anchorSource!);
const relevant = labelledItems().filter((i) => tagItem(compiled, i).relevant);

beforeAll(async () => {
  server = await startFeedServer();
  app = await startTestApp(uniquePrefix('interfaces'), { PUBLIC_URL: `${PUBLIC_URL}/`, TRUST_PROXY: 'loopback' });
  plain = await startTestApp(uniquePrefix('interfaces-plain'), {}, { api: true, workers: false });
});

afterAll(async () => {
  killAllApps();
  await app?.stop();
  await plain?.stop();
  await server?.close();
});

/** A GET with headers fetch() will not send (Host): what a hostile client or a proxy sends. */
function rawGet(base: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const hostile = { host: EVIL, 'x-forwarded-host': EVIL, 'x-forwarded-proto': 'gopher', forwarded: `host=${EVIL};proto=https` };

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

function parseXml(xml: string): XmlNode {
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  new Parser(
    {
      onopentag(name, attrs) {
        const node = { name, attrs, children: [], text: '' };
        stack.at(-1)!.children.push(node);
        stack.push(node);
      },
      ontext(text) {
        stack.at(-1)!.text += text;
      },
      onclosetag() {
        stack.pop();
      },
    },
    { xmlMode: true, decodeEntities: true },
  ).end(xml);
  return root;
}

const child = (node: XmlNode, name: string) => node.children.find((c) => c.name === name);
const atomFeed = (xml: string) => child(parseXml(xml), 'feed')!;
const selfLinkOf = (xml: string) => atomFeed(xml).children.find((c) => c.name === 'link' && c.attrs.rel === 'self')?.attrs.href;

describe('point 9: self links come from PUBLIC_URL, never from the Host header', () => {
  it('Atom rel=self, JSON Feed feed_url and OPML ownerId are PUBLIC_URL, with the token the reader subscribed with', async () => {
    const token = app.token;
    const atom = await rawGet(app.base, `/api/digests/${ANCHOR}/feed.atom?access_token=${token}`, hostile);
    expect(atom.status).toBe(200);
    expect(selfLinkOf(atom.body)).toBe(`${PUBLIC_URL}/api/digests/${ANCHOR}/feed.atom?access_token=${token}`);

    // A reader that authenticates with a header subscribed to a URL without a token.
    const bearer = await rawGet(app.base, `/api/digests/${ANCHOR}/feed.atom?limit=5`, { ...hostile, authorization: `Bearer ${token}` });
    expect(bearer.status).toBe(200);
    expect(selfLinkOf(bearer.body)).toBe(`${PUBLIC_URL}/api/digests/${ANCHOR}/feed.atom?limit=5`);

    const json = await rawGet(app.base, `/api/digests/${ANCHOR}/feed.json?access_token=${token}`, hostile);
    expect(json.status).toBe(200);
    const feed = JSON.parse(json.body) as { feed_url: string };
    expect(feed.feed_url).toBe(`${PUBLIC_URL}/api/digests/${ANCHOR}/feed.json?access_token=${token}`);

    const opml = await rawGet(app.base, '/api/feeds/export', { ...hostile, authorization: `Bearer ${token}` });
    expect(opml.status).toBe(200);
    const head = child(child(parseXml(opml.body), 'opml')!, 'head')!;
    expect(child(head, 'ownerId')?.text).toBe(`${PUBLIC_URL}/`);

    for (const res of [atom, bearer, json, opml]) {
      expect(res.body).not.toContain(EVIL);
      expect(JSON.stringify(res.headers)).not.toContain(EVIL);
    }
  });

  it('without PUBLIC_URL, self links name HOST:PORT where the API listens, whatever the Host header says', async () => {
    const atom = await rawGet(plain.base, `/api/digests/${ANCHOR}/feed.atom`, { ...hostile, authorization: `Bearer ${plain.token}` });
    expect(atom.status).toBe(200);
    expect(selfLinkOf(atom.body)).toBe(`${plain.base}/api/digests/${ANCHOR}/feed.atom`);
    expect(atom.body).not.toContain(EVIL);
    const json = await rawGet(plain.base, `/api/digests/${ANCHOR}/feed.json?access_token=${plain.token}`, hostile);
    expect((JSON.parse(json.body) as { feed_url: string }).feed_url).toBe(`${plain.base}/api/digests/${ANCHOR}/feed.json?access_token=${plain.token}`);
    for (const path of ['/', '/api/nothing-here', `/api/digests/${ANCHOR}`, '/openapi.json']) {
      const res = await rawGet(plain.base, path, { ...hostile, authorization: `Bearer ${plain.token}` });
      expect(res.body, path).not.toContain(EVIL);
      expect(JSON.stringify(res.headers), path).not.toContain(EVIL);
    }
  });
});

describe('point 10: the feeds answer 304 to their own ETag, and their times are real', () => {
  /** The poll's items, each published at a time of its own (whole seconds: RFC 822 has no more). */
  const base = Math.floor(Date.now() / 1000) * 1000;
  const published = relevant.slice(0, 4).map((item, i) => ({ ...asFeedItem(item), pubDate: new Date(base - (i + 1) * 3_600_000).toUTCString() }));
  const live = [...published];
  let feedId: string;

  async function digestSize(): Promise<number> {
    const res = await app.json<{ items: unknown[] }>(`/api/digests/${ANCHOR}?limit=200`);
    return res.body.items.length;
  }

  beforeAll(async () => {
    server.route('/conditional.xml', (_q, r) => r.end(rssOf('Conditional Wire', live)));
    const res = await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url('/conditional.xml') }) });
    feedId = res.body.id;
    await waitFor(async () => (await digestSize()) >= published.length, 20_000);
  });

  const atomUrl = () => `/api/digests/${ANCHOR}/feed.atom?access_token=${app.token}`;

  it('gives each entry its own time and the feed the time of its last real change, not the time of the request', async () => {
    const before = Date.now();
    const res = await fetch(`${app.base}${atomUrl()}`);
    expect(res.status).toBe(200);
    const feed = atomFeed(await res.text());
    const entries = feed.children.filter((c) => c.name === 'entry');
    const byTitle = new Map(entries.map((e) => [child(e, 'title')!.text, child(e, 'updated')!.text]));
    for (const item of published) expect(byTitle.get(item.title), item.title).toBe(new Date(item.pubDate).toISOString());
    const entryTimes = entries.map((e) => Date.parse(child(e, 'updated')!.text));
    expect(new Set(entryTimes).size).toBe(entries.length);
    const updated = Date.parse(child(feed, 'updated')!.text);
    expect(updated).toBeGreaterThanOrEqual(Math.max(...entryTimes));
    expect(updated).toBeLessThanOrEqual(before);
    expect(res.headers.get('last-modified')).toBe(new Date(updated).toUTCString());
  });

  it('answers 304 to If-None-Match (strong or weak) and If-Modified-Since while nothing changed, 200 with a new ETag after a change', async () => {
    for (const path of [atomUrl(), `/api/digests/${ANCHOR}/feed.json?access_token=${app.token}`]) {
      const first = await fetch(`${app.base}${path}`);
      expect(first.status, path).toBe(200);
      const body = await first.text();
      const etag = first.headers.get('etag')!;
      expect(etag, path).toMatch(/^"[^"]+"$/);
      const lastModified = first.headers.get('last-modified')!;
      expect(Number.isNaN(Date.parse(lastModified))).toBe(false);

      const again = await fetch(`${app.base}${path}`);
      expect(again.headers.get('etag')).toBe(etag);
      expect(await again.text()).toBe(body);

      for (const inm of [etag, `W/${etag}`, `"something-else", ${etag}`, '*']) {
        const revalidated = await fetch(`${app.base}${path}`, { headers: { 'if-none-match': inm } });
        expect(revalidated.status, `${path} If-None-Match: ${inm}`).toBe(304);
        expect(await revalidated.text()).toBe('');
        expect(revalidated.headers.get('etag')).toBe(etag);
      }
      // fetch() sends Cache-Control: no-cache with every conditional request: the origin still validates.
      const noCache = await fetch(`${app.base}${path}`, { headers: { 'if-none-match': etag, 'cache-control': 'no-cache', pragma: 'no-cache' } });
      expect(noCache.status).toBe(304);
      const other = await fetch(`${app.base}${path}`, { headers: { 'if-none-match': '"not-this-one"' } });
      expect(other.status).toBe(200);
      const sinceSame = await fetch(`${app.base}${path}`, { headers: { 'if-modified-since': lastModified } });
      expect(sinceSame.status).toBe(304);
      const sinceEarlier = await fetch(`${app.base}${path}`, { headers: { 'if-modified-since': new Date(Date.parse(lastModified) - 60_000).toUTCString() } });
      expect(sinceEarlier.status).toBe(200);
      // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
      const both = await fetch(`${app.base}${path}`, { headers: { 'if-none-match': '"not-this-one"', 'if-modified-since': lastModified } });
      expect(both.status).toBe(200);
    }

    const old = await fetch(`${app.base}${atomUrl()}`);
    const oldEtag = old.headers.get('etag')!;
    const oldUpdated = Date.parse(child(atomFeed(await old.text()), 'updated')!.text);
    const size = await digestSize();
    live.push({ ...asFeedItem(relevant[4]!), pubDate: new Date(base - 30 * 60_000).toUTCString() });
    expect((await app.api(`/api/feeds/${feedId}/poll`, { method: 'POST' })).status).toBe(202);
    await waitFor(async () => (await digestSize()) > size, 20_000);
    const changed = await fetch(`${app.base}${atomUrl()}`, { headers: { 'if-none-match': oldEtag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(oldEtag);
    expect(Date.parse(child(atomFeed(await changed.text()), 'updated')!.text)).toBeGreaterThan(oldUpdated);
  });
});

describe('point 14: OPML keeps categories and htmlUrl through import and export', () => {
  const freshRss = (url: (p: string) => string) => `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0" xmlns:frss="https://freshrss.org/opml">
	<head>
		<title>FreshRSS</title>
		<dateCreated>Mon, 01 Dec 2025 10:00:00 +0000</dateCreated>
	</head>
	<body>
		<outline text="Gulf">
			<outline text="Wire One" type="rss" xmlUrl="${url('/opml/wire-one.xml')}" htmlUrl="https://wire-one.example/" description="Wire one"/>
			<outline text="Wire Two &amp; Co" type="rss" xmlUrl="${url('/opml/wire-two.xml')}" htmlUrl="https://wire-two.example/news"/>
		</outline>
		<outline text="Markets">
			<outline text="Tape" type="rss" xmlUrl="${url('/opml/tape.xml')}" htmlUrl="https://tape.example/"/>
		</outline>
		<outline text="Loose" type="rss" xmlUrl="${url('/opml/loose.xml')}" htmlUrl="https://loose.example/"/>
	</body>
</opml>`;

  const feedly = (url: (p: string) => string) => `<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head>
    <title>Analyst subscriptions in feedly Cloud</title>
  </head>
  <body>
    <outline text="Diplomacy" title="Diplomacy">
      <outline type="rss" text="Envoy Daily" title="Envoy Daily" xmlUrl="${url('/opml/envoy.xml')}" htmlUrl="https://envoy.example/"/>
    </outline>
    <outline text="Regional" title="Regional">
      <outline type="rss" text="Oman Wire" title="Oman Wire" xmlUrl="${url('/opml/oman.xml')}" htmlUrl="https://oman.example/"/>
      <outline text="Press" title="Press">
        <outline type="rss" text="Harbour Press" title="Harbour Press" xmlUrl="${url('/opml/harbour.xml')}" htmlUrl="https://harbour.example/"/>
      </outline>
    </outline>
  </body>
</opml>`;

  type Feed = { url: string; title: string | null; htmlUrl: string | null; category: string | null };

  const expected = (url: (p: string) => string): Record<string, Pick<Feed, 'htmlUrl' | 'category'>> => ({
    [url('/opml/wire-one.xml')]: { htmlUrl: 'https://wire-one.example/', category: 'Gulf' },
    [url('/opml/wire-two.xml')]: { htmlUrl: 'https://wire-two.example/news', category: 'Gulf' },
    [url('/opml/tape.xml')]: { htmlUrl: 'https://tape.example/', category: 'Markets' },
    [url('/opml/loose.xml')]: { htmlUrl: 'https://loose.example/', category: null },
    [url('/opml/envoy.xml')]: { htmlUrl: 'https://envoy.example/', category: 'Diplomacy' },
    [url('/opml/oman.xml')]: { htmlUrl: 'https://oman.example/', category: 'Regional' },
    [url('/opml/harbour.xml')]: { htmlUrl: 'https://harbour.example/', category: 'Regional/Press' },
  });

  /** Every feed outline of an OPML document with the folder names around it. */
  function outlines(xml: string): Map<string, { htmlUrl: string | undefined; folders: string[]; category: string | undefined }> {
    const found = new Map<string, { htmlUrl: string | undefined; folders: string[]; category: string | undefined }>();
    const walk = (node: XmlNode, folders: string[]) => {
      for (const c of node.children) {
        if (c.name !== 'outline') continue;
        if (c.attrs.xmlUrl) found.set(c.attrs.xmlUrl, { htmlUrl: c.attrs.htmlUrl, folders, category: c.attrs.category });
        else walk(c, [...folders, c.attrs.title ?? c.attrs.text ?? '']);
      }
    };
    walk(child(child(parseXml(xml), 'opml')!, 'body')!, []);
    return found;
  }

  it('imports FreshRSS- and Feedly-style files with their folders and htmlUrl, exports them nested, and a second instance imports the export unchanged', async () => {
    for (const path of ['wire-one', 'wire-two', 'tape', 'loose', 'envoy', 'oman', 'harbour']) {
      server.route(`/opml/${path}.xml`, (_q, r) => r.end(rssOf(path, [])));
    }
    const url = (p: string) => server.url(p);
    for (const doc of [freshRss(url), feedly(url)]) {
      const res = await app.json('/api/feeds/import', { method: 'POST', body: doc, headers: { 'content-type': 'text/x-opml' } });
      expect(res.status).toBe(200);
      expect(res.body.skipped).toBe(0);
    }
    const want = expected(url);
    const listed = (await app.json<{ feeds: Feed[] }>('/api/feeds')).body.feeds.filter((f) => f.url in want);
    expect(listed).toHaveLength(Object.keys(want).length);
    for (const feed of listed) expect({ htmlUrl: feed.htmlUrl, category: feed.category }, feed.url).toEqual(want[feed.url]);
    expect(listed.find((f) => f.url === url('/opml/wire-two.xml'))!.title).toBe('Wire Two & Co');

    const exported = await (await app.api('/api/feeds/export')).text();
    const found = outlines(exported);
    for (const [feedUrl, { htmlUrl, category }] of Object.entries(want)) {
      const outline = found.get(feedUrl)!;
      expect(outline, feedUrl).toBeDefined();
      expect(outline.htmlUrl).toBe(htmlUrl);
      expect(outline.folders.join('/') || null, feedUrl).toBe(category);
      expect(outline.category ?? null).toBe(category ? `/${category}` : null);
    }

    // The round trip: the export, imported into an instance of its own, gives the same feeds.
    const other = await startTestApp(uniquePrefix('interfaces-opml'), {}, { api: true, workers: false });
    try {
      const res = await other.json('/api/feeds/import', { method: 'POST', body: exported, headers: { 'content-type': 'text/x-opml' } });
      expect(res.status).toBe(200);
      const again = (await other.json<{ feeds: Feed[] }>('/api/feeds')).body.feeds.filter((f) => f.url in want);
      expect(again).toHaveLength(Object.keys(want).length);
      for (const feed of again) expect({ htmlUrl: feed.htmlUrl, category: feed.category }, feed.url).toEqual(want[feed.url]);
      expect(outlines(await (await other.api('/api/feeds/export')).text())).toEqual(found);
    } finally {
      await other.stop();
    }
  });

  it('takes htmlUrl and category on POST /api/feeds, refusing an htmlUrl that is not http(s)', async () => {
    server.route('/opml/posted.xml', (_q, r) => r.end(rssOf('Posted', [])));
    const bad = await app.json('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url('/opml/posted.xml'), htmlUrl: 'javascript:alert(1)' }) });
    expect(bad.status).toBe(400);
    const res = await app.json<Feed>('/api/feeds', {
      method: 'POST',
      body: JSON.stringify({ url: server.url('/opml/posted.xml'), htmlUrl: 'https://posted.example/', category: ' /Gulf/ Briefings/ ' }),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ htmlUrl: 'https://posted.example/', category: 'Gulf/Briefings' });
  });
});

const exec = promisify(execFile);
const composeVersion = await exec('docker-compose', ['version', '--short']).then(
  (r) => r.stdout.trim(),
  () => null,
);
if (!composeVersion) {
  process.stderr.write('interfaces.test.ts: docker-compose is not installed; the compose file check is skipped (apt-get install docker-compose).\n');
}

describe('point 17: several APIs behind one published port, and the printed URL is PUBLIC_URL', () => {
  it('prints the dashboard URL on PUBLIC_URL with the generated token', async () => {
    const prefix = uniquePrefix('interfaces-print');
    const proc = spawnApp('api', {
      REDIS_PREFIX: prefix,
      PORT: '0',
      ADMIN_TOKEN: '',
      FEEDS_FILE: '',
      PUBLIC_URL: 'https://watch.example.org/aw/',
    });
    try {
      // A whole process under tsx: slow to start on a loaded machine.
      await proc.waitForOutput(/Anchorwatch dashboard: \S+/, 60_000);
      const printed = /Anchorwatch dashboard: (\S+)/.exec(proc.output())![1]!;
      expect(printed).toMatch(/^https:\/\/watch\.example\.org\/aw\/\?access_token=[A-Za-z0-9_-]{16,}$/);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
      await dropPrefix(prefix);
    }
  }, 90_000);

  it.skipIf(!composeVersion)('docker-compose config: the api replicas publish no host port, a buffering-free proxy publishes it and balances over them', async () => {
    // A clean environment: the user's PORT or PUBLIC_URL must not change what is checked.
    const { stdout } = await exec('docker-compose', ['config'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });
    const config = parseYaml(stdout) as { services: Record<string, { ports?: unknown[]; environment?: Record<string, string>; volumes?: string[]; depends_on?: unknown }> };
    const { api, proxy, worker } = config.services;
    expect(api, 'api service').toBeDefined();
    expect(api!.ports ?? [], 'a fixed host port on api stops --scale api=2').toEqual([]);
    expect(proxy, 'proxy service').toBeDefined();
    expect(proxy!.ports).toEqual([{ published: 3000, target: 80 }]);
    expect(proxy!.depends_on).toHaveProperty('api');
    for (const service of [api!, worker!]) expect(service.environment?.PUBLIC_URL).toBe('http://localhost:3000');

    // The proxy's configuration is the file it mounts: it re-resolves `api` (every replica) and streams SSE unbuffered.
    const mount = proxy!.volumes!.find((v) => v.includes('/etc/nginx/conf.d/'))!;
    const nginx = readFileSync(mount.split(':')[0]!, 'utf8');
    expect(nginx).toMatch(/server\s+api:3000\s+resolve;/);
    expect(nginx).toMatch(/resolver\s+127\.0\.0\.11/);
    expect(nginx).toMatch(/proxy_buffering\s+off;/);
    expect(nginx).toMatch(/proxy_read_timeout\s+(\d+)(h|m);/);
  });
});
