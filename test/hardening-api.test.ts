import { execFile, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys } from '../src/storage/keys.ts';
import { spawnApp, type AppProcess } from './helpers/app-process.ts';
import { rssOf, startFeedServer, type FeedServer } from './helpers/feed-server.ts';
import { dropPrefix, testRedisUrl, uniquePrefix } from './helpers/redis-prefix.ts';
import { openSse } from './helpers/sse-client.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

// Hostile and unusual input against the real API, workers, Redis and HTTP: every answer is a
// fitting problem, never a 500, and nothing secret reaches a log line.
const prefix = uniquePrefix('hardening');
let app: TestApp;
let server: FeedServer;
let redis: Redis;

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const now = Date.now();

// Old enough that no other item of this file falls among them, young enough to be retained.
const VOLUME_ITEMS = 300;
// One item 30 s into each hour: an hourly series counts exactly one per bucket.
const volumeStart = Math.floor((now - 40 * DAY) / HOUR) * HOUR;
const volumeAt = (i: number) => volumeStart + i * HOUR;
const QUERY_BOUND = 250;

/** Three stories the default anchor's digest takes (checked by the tagger in the digest tests). */
const relevantStories = [
  ['Witkoff lands in Muscat for talks with Araghchi', 'Iran and the US resume indirect nuclear talks in Oman, with Omani mediators carrying messages.'],
  ['Araghchi and Witkoff hold a second round of talks in Muscat', 'Omani foreign minister Badr Albusaidi shuttles between the Iranian and American delegations.'],
  ['Oman says US-Iran nuclear negotiations will continue next week', 'Tehran and Washington agreed in Muscat to keep talking about sanctions and enrichment.'],
] as const;

type Problem = { type: string; title: string; status: number; detail: string; code: string; errors?: Array<{ field: string; message: string }> };

beforeAll(async () => {
  server = await startFeedServer();
  redis = new Redis(testRedisUrl);
  app = await startTestApp(prefix, {
    VOLUME_QUERY_MAX_ITEMS: String(QUERY_BOUND),
    EXPENSIVE_READ_CONCURRENCY: '1',
    READ_RATE_LIMIT_PER_MINUTE: '30',
  });
  server.route('/volume.xml', (_q, r) =>
    r.end(
      rssOf(
        'Volume Wire',
        Array.from({ length: VOLUME_ITEMS }, (_, i) => ({
          title: `Market report number ${i} on shipping rates`,
          link: `http://volume.example/${i}`,
          description: `Freight and tanker rates, bulletin ${i}.`,
          pubDate: new Date(volumeAt(i) + 30_000).toUTCString(),
        })),
      ),
    ),
  );
  server.route('/stories.xml', (_q, r) =>
    r.end(
      rssOf(
        'Story Wire',
        relevantStories.map(([title, description], i) => ({ title, description, link: `http://stories.example/${i}`, pubDate: new Date(now - (i + 1) * HOUR).toUTCString() })),
      ),
    ),
  );
  // The alert exists before the stories arrive, so each story is a hit on the alerts stream.
  const alert = await app.json('/api/alerts', { method: 'POST', body: JSON.stringify({ name: 'Muscat', query: 'Muscat OR Oman' }) });
  expect(alert.status).toBe(201);
  for (const path of ['/volume.xml', '/stories.xml']) {
    const feed = await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url(path) }) });
    expect(feed.status).toBe(201);
  }
  await waitFor(async () => {
    const { body } = await app.json<{ feeds: Array<{ itemCount: number }> }>('/api/feeds');
    return body.feeds.reduce((n, f) => n + f.itemCount, 0) === VOLUME_ITEMS + relevantStories.length;
  }, 60_000);
  await waitFor(async () => (await app.json<{ items: unknown[] }>('/api/digests/muscat-talks')).body.items.length === relevantStories.length, 30_000);
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await server?.close();
  redis?.disconnect();
});

/** Fetches without the helper's URL handling, so a malformed path reaches the server as written. */
async function problemAt(path: string, init: RequestInit = {}): Promise<{ status: number; type: string | null; body: Problem }> {
  const res = await fetch(`${app.base}${path}`, init);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : null };
}

const bearer = () => ({ authorization: `Bearer ${app.token}` });

describe('3. malformed percent-encoding in a path parameter', () => {
  it('answers 400 problem+json on every route, not 500', async () => {
    const cases: Array<[string, string]> = [
      ['GET', '/api/feeds/%E0%A4%A'],
      ['GET', '/api/feeds/%ff'],
      ['DELETE', '/api/feeds/%ff'],
      ['POST', '/api/feeds/%C0%AF/poll'],
      ['GET', '/api/anchors/%ff'],
      ['PUT', '/api/anchors/%ff/entities'],
      ['GET', '/api/digests/%C0%AF'],
      ['GET', '/api/digests/%C0%AF/stream'],
      ['GET', '/api/digests/%E0%A4%A/feed.atom'],
      ['GET', '/api/digests/%ff/feed.json'],
      ['GET', '/api/alerts/%E0%A4%A/deliveries'],
      ['GET', '/api/alerts/%ff'],
      ['GET', '/api/alerts/%ff/hits'],
      ['DELETE', '/api/alerts/%ff'],
    ];
    for (const [method, path] of cases) {
      const res = await problemAt(path, { method, headers: { ...bearer(), 'content-type': 'application/json' }, ...(method === 'PUT' ? { body: '{}' } : {}) });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.type, `${method} ${path}`).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe('bad_request');
      expect(res.body.detail).toMatch(/percent-encoding/);
    }
    // Without a token the caller learns nothing more than 401.
    expect((await problemAt('/api/anchors/%ff')).status).toBe(401);
  });
});

describe('4. a body that does not match its Content-Encoding', () => {
  it('answers 400 for gzip, deflate and br garbage, and still inflates a real compressed body', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const res = await problemAt('/api/feeds', {
        method: 'POST',
        headers: { ...bearer(), 'content-type': 'application/json', 'content-encoding': encoding },
        body: '{"url":"http://example.com/feed.xml"}',
      });
      expect(res.status, encoding).toBe(400);
      expect(res.type).toMatch(/application\/problem\+json/);
      expect(res.body.detail).toContain(`Content-Encoding (${encoding})`);
    }
    // The OPML import reads its text body through the same rules.
    const opml = await problemAt('/api/feeds/import', { method: 'POST', headers: { ...bearer(), 'content-type': 'text/x-opml', 'content-encoding': 'gzip' }, body: '<opml/>' });
    expect(opml.status).toBe(400);
    expect(opml.body.detail).toContain('Content-Encoding (gzip)');
    // Compressed for real, the body is read: the URL inside it is judged (not http(s): 400 invalid_url).
    const json = Buffer.from('{"url":"ftp://example.com/feed.xml"}');
    for (const [encoding, body] of [
      ['gzip', gzipSync(json)],
      ['deflate', deflateSync(json)],
      ['br', brotliCompressSync(json)],
    ] as const) {
      const res = await problemAt('/api/feeds', { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json', 'content-encoding': encoding }, body });
      expect(res.status, encoding).toBe(400);
      expect(res.body.code, encoding).toBe('invalid_url');
    }
    // An encoding nobody speaks is 415, not a 500.
    const unknown = await problemAt('/api/feeds', { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json', 'content-encoding': 'x-rot13' }, body: '{}' });
    expect(unknown.status).toBe(415);
    expect(unknown.type).toMatch(/application\/problem\+json/);
  });
});

describe('5. authentication before the body', () => {
  it('answers 401 without a valid token whatever the body holds', async () => {
    const bodies: Array<[string, Record<string, string>, string]> = [
      ['/api/feeds', { 'content-type': 'application/json' }, '{not json'],
      ['/api/feeds', { 'content-type': 'application/json' }, JSON.stringify({ url: 'x'.repeat(2 * 1024 * 1024) })],
      ['/api/feeds', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'not gzip at all'],
      ['/api/feeds', { 'content-type': 'application/json', 'content-encoding': 'x-rot13' }, '{}'],
      ['/api/alerts', { 'content-type': 'application/json' }, '{"name":'],
      ['/api/feeds/import', { 'content-type': 'text/x-opml' }, '<opml><body><outline xmlUrl="'],
      ['/api/feeds/import', { 'content-type': 'text/x-opml', 'content-encoding': 'deflate' }, 'garbage'],
    ];
    for (const [path, headers, body] of bodies) {
      for (const auth of [{}, { authorization: 'Bearer not-a-known-token-at-all' }] as Array<Record<string, string>>) {
        const res = await problemAt(path, { method: 'POST', headers: { ...headers, ...auth }, body });
        expect(res.status, `${path} ${JSON.stringify(headers)} ${JSON.stringify(auth)}`).toBe(401);
        expect(res.body.code).toBe('unauthorized');
      }
    }
  });
});

/** Sends the same GET on `n` connections at once (all bytes written in one go) and reads each raw answer. */
async function burst(path: string, n: number, token: string): Promise<Array<{ status: number; headers: string; body: string }>> {
  const { port } = new URL(app.base);
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof connect>>((resolve, reject) => {
          const s = connect(Number(port), '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );
  const answers = sockets.map(
    (s) =>
      new Promise<string>((resolve, reject) => {
        let raw = '';
        s.setEncoding('utf8');
        s.on('data', (d: string) => (raw += d));
        s.once('end', () => resolve(raw));
        s.once('error', reject);
      }),
  );
  const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`;
  for (const s of sockets) s.write(request);
  return (await Promise.all(answers)).map((raw) => {
    const [head, ...rest] = raw.split('\r\n\r\n');
    return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head!)?.[1]), headers: head!, body: rest.join('\r\n\r\n') };
  });
}

describe('8. reads have a bounded cost', () => {
  const window = (from: number, to: number) => `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;

  it('refuses a q= series whose range holds more items than the bound, naming the bound, before scanning', async () => {
    const res = await problemAt(`/api/volume?q=${encodeURIComponent('NOT zzz')}&interval=hour&${window(volumeStart, volumeAt(VOLUME_ITEMS))}`, { headers: bearer() });
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toContain(String(QUERY_BOUND));
    expect(res.body.detail).toContain('VOLUME_QUERY_MAX_ITEMS');
    expect(res.body.errors?.[0]?.field).toBe('q');
    // Below the bound the same query answers, counting every item of the range exactly once.
    const within = 200;
    const ok = await app.json<{ series: Array<{ key: string; points: Array<{ count: number }> }> }>(
      `/api/volume?q=${encodeURIComponent('NOT zzz')}&interval=hour&${window(volumeStart, volumeAt(within))}`,
    );
    expect(ok.status).toBe(200);
    expect(ok.body.series[0]!.points.map((p) => p.count)).toEqual(new Array(within).fill(1));
  });

  it('limits reads per user key with 429 and Retry-After, leaving other keys alone', async () => {
    const key = (await app.json<{ key: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: 'reader' }) })).body.key;
    const other = (await app.json<{ key: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: 'other reader' }) })).body.key;
    let limited: Response | null = null;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await app.api('/api/feeds', { token: key });
      if (res.status === 429) {
        limited = res;
      } else {
        expect(res.status).toBe(200);
        await res.body?.cancel();
      }
    }
    expect(limited, 'no 429 after 40 reads with a limit of 30').not.toBeNull();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited!.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const problem = (await limited!.json()) as Problem;
    expect(problem.status).toBe(429);
    expect(problem.detail).toContain('30');
    expect((await app.api('/api/feeds', { token: other })).status).toBe(200);
    expect((await app.api('/api/feeds')).status).toBe(200);
  });

  it('sheds scanning reads past the per-process cap with 503 and Retry-After instead of queueing them', async () => {
    const path = `/api/volume?q=${encodeURIComponent('NOT zzz')}&interval=hour&${window(volumeStart, volumeAt(200))}`;
    const answers = await burst(path, 12, app.token);
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 200 || s === 503), statuses.join(',')).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    const shed = answers.filter((a) => a.status === 503);
    expect(shed.length, statuses.join(',')).toBeGreaterThanOrEqual(1);
    for (const a of shed) {
      expect(a.headers).toMatch(/\r\nretry-after: 1\r\n/i);
      expect(a.headers).toMatch(/content-type: application\/problem\+json/i);
      expect(a.body).toContain('EXPENSIVE_READ_CONCURRENCY');
    }
    // The cap is released: once the burst is over the same read answers again.
    expect((await app.api(path)).status).toBe(200);
  });
});

describe('11. the queue dashboard takes a Bearer token', () => {
  it('answers the admin Bearer token on the page, its API and its assets; a user key is 403', async () => {
    const page = await fetch(`${app.base}/admin/queues`, { headers: bearer(), redirect: 'manual' });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<html/i);
    const asset = /src="(static\/js\/[^"]+)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    expect((await fetch(`${app.base}/admin/queues/${asset}`, { headers: bearer() })).status).toBe(200);
    const queues = await fetch(`${app.base}/admin/queues/api/queues`, { headers: bearer() });
    expect(queues.status).toBe(200);
    expect(((await queues.json()) as { queues: unknown[] }).queues.length).toBeGreaterThan(0);
    const key = (await app.json<{ key: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: 'not admin' }) })).body.key;
    expect((await fetch(`${app.base}/admin/queues`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(403);
    expect((await fetch(`${app.base}/admin/queues`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(403);
  });
});

const promtool = spawnSync('promtool', ['--version']).status === 0;

/** Runs `promtool check metrics` on a text; resolves with its exit code and output. */
function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
    child.stdin!.end(text);
  });
}

describe('12. /metrics is valid Prometheus text', () => {
  it('names no gauge _total and no metric process_process_', async () => {
    const text = await (await fetch(`${app.base}/metrics`)).text();
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1]!, type: m[2]! }));
    expect(types.length).toBeGreaterThan(20);
    expect(types.filter((t) => t.type !== 'counter' && t.name.endsWith('_total')).map((t) => t.name)).toEqual([]);
    expect(types.filter((t) => t.name.includes('process_process_')).map((t) => t.name)).toEqual([]);
    expect(types.map((t) => t.name)).toContain('aw_process_cpu_seconds_total');
  });

  it('passes promtool check metrics', async (ctx) => {
    if (!promtool) ctx.skip('promtool is not installed (apt-get install prometheus provides /usr/bin/promtool)');
    // After real work: histograms with labels, queue gauges, an SSE client.
    const sse = await openSse(`${app.base}/api/digests/muscat-talks/stream?access_token=${app.token}`);
    const text = await (await fetch(`${app.base}/metrics`)).text();
    sse.close();
    expect(text).toContain('aw_queue_jobs{');
    const result = await promtoolCheck(text);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('13. caller-supplied webhook secrets', () => {
  it('refuses a secret that is not whsec_ base64 of 24..64 bytes with a 400 naming the form', async () => {
    for (const secret of ['my-own-secret-123', 'whsec_not base64!', `whsec_${Buffer.alloc(16, 7).toString('base64')}`, `whsec_${Buffer.alloc(65, 7).toString('base64')}`]) {
      const res = await app.json<Problem>('/api/alerts', {
        method: 'POST',
        body: JSON.stringify({ name: 'plain', query: 'Muscat', webhook: { url: server.url('/hook'), secret } }),
      });
      expect(res.status, secret).toBe(400);
      expect(res.body.errors?.map((e) => e.field)).toEqual(['webhook.secret']);
      expect(res.body.detail).toMatch(/whsec_/);
      expect(res.body.detail).toMatch(/24 to 64/);
    }
  });

  it('signs deliveries with a supplied whsec_ secret so that the official library verifies them', async () => {
    const secret = `whsec_${Buffer.from('a caller-chosen secret, 32 bytes').toString('base64')}`;
    const received: Array<{ headers: Record<string, string>; body: string }> = [];
    server.route('/hook', async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      received.push({ headers: req.headers as Record<string, string>, body });
      res.end('ok');
    });
    const alert = await app.json<{ id: string; webhook: { secret?: string } }>('/api/alerts', {
      method: 'POST',
      body: JSON.stringify({ name: 'supplied secret', query: 'Albusaidi', webhook: { url: server.url('/hook'), secret } }),
    });
    expect(alert.status).toBe(201);
    expect(alert.body.webhook.secret).toBeUndefined();
    server.route('/albusaidi.xml', (_q, r) =>
      r.end(rssOf('Gulf Wire', [{ title: 'Albusaidi receives envoys in Muscat', link: 'http://gulf.example/albusaidi', description: 'The Omani minister met both delegations.', pubDate: new Date().toUTCString() }])),
    );
    await app.json('/api/feeds', { method: 'POST', body: JSON.stringify({ url: server.url('/albusaidi.xml') }) });
    await waitFor(async () => received.length >= 1, 20_000);
    const [delivery] = received;
    const payload = new Webhook(secret).verify(delivery!.body, {
      'webhook-id': delivery!.headers['webhook-id']!,
      'webhook-timestamp': delivery!.headers['webhook-timestamp']!,
      'webhook-signature': delivery!.headers['webhook-signature']!,
    }) as { type: string; alert: { id: string } };
    expect(payload).toMatchObject({ type: 'alert.hit', alert: { id: alert.body.id } });
  });
});

describe('15. volume CSV', () => {
  it('puts shares in <key>_share columns beside the counts', async () => {
    const q = `entities=muscat,oman&interval=day&normalize=share&${`from=${new Date(now - 2 * DAY).toISOString()}&to=${new Date(now).toISOString()}`}`;
    const json = await app.json<{ series: Array<{ key: string; points: Array<{ count: number; share: number }> }> }>(`/api/volume?${q}`);
    const csv = (await (await app.api(`/api/volume?${q}&format=csv`)).text()).trim().split('\r\n');
    expect(csv[0]).toBe('t,muscat,oman,muscat_share,oman_share');
    expect(csv).toHaveLength(json.body.series[0]!.points.length + 1);
    const [muscat, oman] = json.body.series;
    expect(muscat!.points.some((p) => p.count > 0)).toBe(true);
    csv.slice(1).forEach((line, i) => {
      const cells = line.split(',');
      expect(cells.slice(1).map(Number)).toEqual([muscat!.points[i]!.count, oman!.points[i]!.count, muscat!.points[i]!.share, oman!.points[i]!.share]);
    });
  });

  it('names the column of a q= series after its query', async () => {
    const query = 'Muscat NOT "Oman Air"';
    const res = await app.api(`/api/volume?q=${encodeURIComponent(query)}&entities=muscat&interval=day&format=csv`);
    expect(res.status).toBe(200);
    const [header] = (await res.text()).split('\r\n');
    expect(header).toBe(`t,muscat,"q=Muscat NOT ""Oman Air"""`);
  });
});

describe('18. Last-Event-ID 0-0', () => {
  it('replays an untrimmed digest stream from its start instead of asking for a reload', async () => {
    const stream = await openSse(`${app.base}/api/digests/muscat-talks/stream?access_token=${app.token}`, { 'last-event-id': '0-0' });
    // The stream's first entries are the stories of the first poll, in stream order.
    const n = relevantStories.length;
    const items = (await stream.waitForEvents(n, 'item')).slice(0, n);
    expect(stream.events.filter((e) => e.event === 'reload')).toEqual([]);
    expect(items.map((e) => (JSON.parse(e.data) as { title: string }).title).sort()).toEqual(relevantStories.map(([t]) => t).sort());
    stream.close();
    // The same by query parameter.
    const viaQuery = await openSse(`${app.base}/api/digests/muscat-talks/stream?access_token=${app.token}&lastEventId=0-0`);
    expect((await viaQuery.waitForEvents(n, 'item')).slice(0, n).map((e) => e.id)).toEqual(items.map((e) => e.id));
    viaQuery.close();
  });

  it('replays an untrimmed alerts stream from its start', async () => {
    const stream = await openSse(`${app.base}/api/alerts/stream?access_token=${app.token}`, { 'last-event-id': '0-0' });
    const hits = await stream.waitForEvents(relevantStories.length, 'hit');
    expect(stream.events.filter((e) => e.event === 'reload')).toEqual([]);
    expect(hits.length).toBeGreaterThanOrEqual(relevantStories.length);
    stream.close();
  });

  it('still asks for a reload once the stream was trimmed past the client', async () => {
    const keys = createKeys(prefix);
    await redis.xtrim(keys.digestStream('muscat-talks'), 'MAXLEN', 1);
    const stream = await openSse(`${app.base}/api/digests/muscat-talks/stream?access_token=${app.token}`, { 'last-event-id': '0-0' });
    const [reload] = await stream.waitForEvents(1, 'reload');
    expect(JSON.parse(reload!.data).reason).toBe('trimmed');
    stream.close();
  });
});

describe('6. no secret in any log line', () => {
  const logPrefix = uniquePrefix('hardening-logs');
  const adminToken = `log-admin-${Math.random().toString(36).slice(2)}-secret`;
  const feedSecret = `feedtok${Math.random().toString(36).slice(2)}`;
  const hookSecret = `whsec_${Buffer.from(`hook secret ${Math.random().toString(36).slice(2, 12)} pad`).toString('base64')}`;
  const wrongToken = `wrong-${Math.random().toString(36).slice(2)}-token`;
  let child: AppProcess;
  let feeds: FeedServer;
  let base: string;

  beforeAll(async () => {
    feeds = await startFeedServer();
    child = spawnApp('all', {
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: logPrefix,
      HOST: '127.0.0.1',
      PORT: '0',
      ADMIN_TOKEN: adminToken,
      FEEDS_FILE: '',
      ALLOW_PRIVATE_NETWORKS: 'true',
      LOG_LEVEL: 'debug',
    });
    await child.waitForOutput(/"msg":"api listening"/, 60_000);
    base = `http://127.0.0.1:${/"port":(\d+)[^\n]*"msg":"api listening"/.exec(child.output())![1]!}`;
  }, 90_000);

  afterAll(async () => {
    if (child && child.child.exitCode === null) {
      child.child.kill('SIGTERM');
      await child.exited;
    }
    await feeds?.close();
    await dropPrefix(logPrefix);
  });

  it('keeps tokens out of the logs of errors, streams and feed reads', async () => {
    const call = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', ...init.headers } });

    // Feed reads: a feed whose URL carries a token and moves permanently, and one that fails.
    feeds.route('/tokened.xml', (_q, r) => {
      r.writeHead(301, { location: `/moved.xml?token=${feedSecret}&page=1` });
      r.end();
    });
    feeds.route('/moved.xml', (_q, r) => r.end(rssOf('Moved', [{ title: 'Muscat talks', link: 'http://moved.example/1', description: 'Talks.', pubDate: new Date().toUTCString() }])));
    feeds.route('/failing.xml', (_q, r) => {
      r.statusCode = 500;
      r.end('down');
    });
    const moved = (await (await call('/api/feeds', { method: 'POST', body: JSON.stringify({ url: feeds.url(`/tokened.xml?token=${feedSecret}`) }) })).json()) as { id: string };
    const failing = (await (await call('/api/feeds', { method: 'POST', body: JSON.stringify({ url: feeds.url(`/failing.xml?api_key=${feedSecret}`) }) })).json()) as { id: string };
    expect(moved.id && failing.id).toBeTruthy();
    await waitFor(async () => {
      const list = (await (await call('/api/feeds')).json()) as { feeds: Array<{ id: string; lastPolledAt: string | null; lastError: string | null }> };
      const byId = new Map(list.feeds.map((f) => [f.id, f]));
      return byId.get(moved.id)?.lastPolledAt && byId.get(failing.id)?.lastError;
    }, 30_000);

    // A webhook URL and secret of the caller's own.
    const alert = await call('/api/alerts', { method: 'POST', body: JSON.stringify({ name: 'log', query: 'Muscat', webhook: { url: feeds.url(`/hook?sig=${feedSecret}`), secret: hookSecret } }) });
    expect(alert.status).toBe(201);

    // Streams, opened and closed with the token in the query string.
    const sse = await openSse(`${base}/api/digests/muscat-talks/stream?access_token=${adminToken}`);
    sse.close();
    const alertsSse = await openSse(`${base}/api/alerts/stream?access_token=${adminToken}&lastEventId=0-0`);
    alertsSse.close();

    // Errors: an unhandled one (a stored record that is not JSON), a rejected token, bad bodies.
    const redisForLogs = new Redis(testRedisUrl);
    await redisForLogs.set(createKeys(logPrefix).anchor('corrupt'), 'not json');
    redisForLogs.disconnect();
    const broken = await fetch(`${base}/api/anchors/corrupt?access_token=${adminToken}`);
    expect(broken.status).toBe(500);
    expect((await fetch(`${base}/api/feeds?access_token=${wrongToken}`)).status).toBe(401);
    const mismatched = await fetch(`${base}/api/feeds?access_token=${adminToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-request-id': 'gzip-mismatch-1' },
      body: 'not gzip',
    });
    expect(mismatched.status).toBe(400);
    expect((await fetch(`${base}/api/feeds/%ff?access_token=${adminToken}`, { headers: { 'x-request-id': 'bad-path-1' } })).status).toBe(400);

    await child.waitForOutput(/"msg":"unhandled error"/, 10_000);
    await child.waitForOutput(/digest-stream|\/api\/alerts\/stream\?access_token=\[redacted\]/, 10_000);
    const output = child.output();
    // The logs say what happened ...
    expect(output).toMatch(/"msg":"unhandled error"/);
    expect(output).toContain(`"feedId":"${moved.id}"`);
    expect(output).toContain(`"feedId":"${failing.id}"`);
    expect(output).toContain('/api/digests/muscat-talks/stream?access_token=[redacted]');
    expect(output).toContain('/api/anchors/corrupt?access_token=[redacted]');
    // ... a client error is no error-level entry with a stack ...
    const errorLines = output.split('\n').filter((l) => /"level":50/.test(l));
    expect(errorLines.filter((l) => l.includes('gzip-mismatch-1') || l.includes('bad-path-1'))).toEqual([]);
    // ... and no secret appears anywhere.
    for (const secret of [adminToken, feedSecret, hookSecret, hookSecret.slice('whsec_'.length), wrongToken]) {
      expect(output.includes(secret), `log output contains ${secret}`).toBe(false);
    }
  }, 90_000);
});
