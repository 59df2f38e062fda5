import zlib from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../src/errors.ts';
import { closeTestServers, expectAppError, startServer, type TestServer } from './helpers/handler-server.ts';
import { GuardedClient, type GuardedClientOptions } from '../src/net/guarded-client.ts';
import { fetchFeed as fetchWith, type FetchFeedOptions } from '../src/reader/fetch-feed.ts';

type Options = FetchFeedOptions & GuardedClientOptions;
const clients = new Map<unknown, GuardedClient>();

/** Fetches through a client built for the options' guard settings (one per address policy, as a process has one). */
function fetchFeed(url: string, opts: Options) {
  const { allowPrivate, addressPolicy, resolve, connectTimeoutMs, ...fetchOptions } = opts;
  let client = clients.get(addressPolicy);
  if (!client) clients.set(addressPolicy, (client = new GuardedClient({ allowPrivate, addressPolicy, resolve, connectTimeoutMs })));
  return fetchWith(client, url, fetchOptions);
}

async function closeGuardedAgents(): Promise<void> {
  await Promise.all([...clients.values()].map((c) => c.close()));
  clients.clear();
}

// Real servers on 127.0.0.1 only; addressPolicy makes 127.0.0.1 "the public internet".

const loopbackOne = (ip: string): boolean => ip === '127.0.0.1';

const RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>';

afterEach(closeTestServers);

afterAll(async () => {
  await closeGuardedAgents();
});

function options(extra: Partial<Options> = {}): Options {
  return {
    etag: null,
    lastModified: null,
    allowPrivate: false,
    addressPolicy: loopbackOne,
    connectTimeoutMs: 1000,
    totalTimeoutMs: 3000,
    maxBytes: 1024 * 1024,
    ...extra,
  };
}


describe('fetchFeed: conditional GET', () => {
  // An ETag with a weak prefix and inner quotes, and a Last-Modified in the obsolete
  // RFC 850 form: both must go back byte for byte, not reformatted.
  const etag = 'W/"5e1c-17d6f3b2a"';
  const lastModified = 'Sunday, 06-Nov-94 08:49:37 GMT';

  function conditionalServer(): Promise<TestServer> {
    return startServer((req, res) => {
      if (req.headers['if-none-match'] === etag && req.headers['if-modified-since'] === lastModified) {
        res.writeHead(304, { ETag: etag, 'Cache-Control': 'max-age=120' }).end();
        return;
      }
      res.writeHead(200, {
        'Content-Type': 'application/rss+xml; charset=utf-8',
        ETag: etag,
        'Last-Modified': lastModified,
        'Cache-Control': 'public, max-age=600',
      });
      res.end(RSS);
    });
  }

  it('round-trips ETag and Last-Modified verbatim and maps 304 to not-modified', async () => {
    const server = await conditionalServer();
    const first = await fetchFeed(`${server.url}/rss`, options());
    expect(first.kind).toBe('ok');
    if (first.kind !== 'ok') return;
    expect(first.status).toBe(200);
    expect(first.body.toString()).toBe(RSS);
    expect(first.contentType).toBe('application/rss+xml; charset=utf-8');
    expect(first.etag).toBe(etag);
    expect(first.lastModified).toBe(lastModified);
    expect(first.cache.maxAgeSeconds).toBe(600);
    expect(first.finalUrl).toBe(`${server.url}/rss`);
    expect(first.permanentUrl).toBeNull();

    const second = await fetchFeed(`${server.url}/rss`, options({ etag: first.etag, lastModified: first.lastModified }));
    expect(second).toEqual({
      kind: 'not-modified',
      status: 304,
      finalUrl: `${server.url}/rss`,
      permanentUrl: null,
      cache: { maxAgeSeconds: 120, expiresAt: null, retryAfterSeconds: null },
    });
    expect(server.requests[1]!.headers['if-none-match']).toBe(etag);
    expect(server.requests[1]!.headers['if-modified-since']).toBe(lastModified);
  });

  it('sends no validators on the first fetch, plus the feed Accept and the default User-Agent', async () => {
    const server = await conditionalServer();
    await fetchFeed(server.url, options());
    const headers = server.requests[0]!.headers;
    expect(headers['if-none-match']).toBeUndefined();
    expect(headers['if-modified-since']).toBeUndefined();
    expect(headers['accept']).toBe(
      'application/rss+xml, application/atom+xml, application/feed+json, application/json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8',
    );
    expect(headers['user-agent']).toBe('Anchorwatch/0.1 (+https://github.com/anchorwatch/anchorwatch)');
  });

  it('uses the given User-Agent', async () => {
    const server = await conditionalServer();
    await fetchFeed(server.url, options({ userAgent: 'Custom/2' }));
    expect(server.requests[0]!.headers['user-agent']).toBe('Custom/2');
  });

  it('returns nulls for missing validators and content type', async () => {
    const server = await startServer((_req, res) => {
      res.sendDate = false;
      res.end('{}');
    });
    const out = await fetchFeed(server.url, options());
    expect(out.kind).toBe('ok');
    if (out.kind !== 'ok') return;
    expect(out.etag).toBeNull();
    expect(out.lastModified).toBeNull();
    expect(out.contentType).toBeNull();
    expect(out.cache).toEqual({ maxAgeSeconds: null, expiresAt: null, retryAfterSeconds: null });
  });
});

describe('fetchFeed: bodies', () => {
  it.each([
    ['gzip', (b: Buffer) => zlib.gzipSync(b)],
    ['deflate', (b: Buffer) => zlib.deflateSync(b)],
    ['br', (b: Buffer) => zlib.brotliCompressSync(b)],
  ])('returns a %s body decoded', async (encoding, encode) => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Encoding': encoding, 'Content-Type': 'application/rss+xml' });
      res.end(encode(Buffer.from(RSS)));
    });
    const out = await fetchFeed(server.url, options());
    expect(out.kind === 'ok' && out.body.toString()).toBe(RSS);
  });

  it('refuses a body over maxBytes', async () => {
    const server = await startServer((_req, res) => {
      res.setHeader('Content-Encoding', 'gzip');
      res.end(zlib.gzipSync(Buffer.alloc(2 * 1024 * 1024)));
    });
    expect((await expectAppError(fetchFeed(server.url, options()))).code).toBe(ErrorCodes.tooLarge);
  });
});

describe('fetchFeed: redirects', () => {
  async function chain(statuses: number[]): Promise<TestServer> {
    return startServer((req, res) => {
      const n = Number(req.url!.slice(1)) || 0;
      const status = statuses[n];
      if (status !== undefined) res.writeHead(status, { Location: `/${n + 1}` }).end();
      else res.end(RSS);
    });
  }

  it('sets permanentUrl when every hop is 301 or 308', async () => {
    const server = await chain([301, 308, 301]);
    const out = await fetchFeed(`${server.url}/0`, options());
    expect(out.finalUrl).toBe(`${server.url}/3`);
    expect(out.permanentUrl).toBe(`${server.url}/3`);
  });

  it('leaves permanentUrl null when any hop is temporary', async () => {
    const server = await chain([301, 302, 301]);
    const out = await fetchFeed(`${server.url}/0`, options());
    expect(out.finalUrl).toBe(`${server.url}/3`);
    expect(out.permanentUrl).toBeNull();
  });

  it('sets permanentUrl on a 304 reached through a permanent redirect', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/old') res.writeHead(308, { Location: '/new' }).end();
      else res.writeHead(304).end();
    });
    const out = await fetchFeed(`${server.url}/old`, options({ etag: '"x"' }));
    expect(out).toMatchObject({ kind: 'not-modified', permanentUrl: `${server.url}/new` });
  });

  it('fails with tooManyRedirects after 5 hops, succeeds with exactly 5', async () => {
    const five = await chain([301, 301, 301, 301, 301]);
    expect((await fetchFeed(`${five.url}/0`, options())).kind).toBe('ok');
    const six = await chain([301, 301, 301, 301, 301, 301]);
    expect((await expectAppError(fetchFeed(`${six.url}/0`, options()))).code).toBe(ErrorCodes.tooManyRedirects);
  });

  it('refuses a redirect to an internal address before connecting', async () => {
    const victim = await startServer((_req, res) => res.end('secret'));
    const front = await startServer((_req, res) =>
      res.writeHead(301, { Location: `http://0x7f000002:${victim.port}/` }).end(),
    );
    expect((await expectAppError(fetchFeed(front.url, options()))).code).toBe(ErrorCodes.blockedAddress);
    expect(victim.connections).toBe(0);
  });

  it('refuses 127.0.0.1 itself under the default policy', async () => {
    const server = await startServer((_req, res) => res.end(RSS));
    const err = await expectAppError(fetchFeed(server.url, options({ addressPolicy: undefined })));
    expect(err.code).toBe(ErrorCodes.blockedAddress);
    expect(server.connections).toBe(0);
  });
});

describe('fetchFeed: error statuses', () => {
  function statusServer(status: number, headers: Record<string, string> = {}): Promise<TestServer> {
    return startServer((_req, res) => res.writeHead(status, headers).end('nope'));
  }

  it.each([
    [404, 'HTTP 404 Not Found'],
    [410, 'HTTP 410 Gone'],
    [500, 'HTTP 500 Internal Server Error'],
    [599, 'HTTP 599'],
  ])('throws httpStatus for %i', async (status, message) => {
    const server = await statusServer(status);
    const err = await expectAppError(fetchFeed(server.url, options()));
    expect(err.code).toBe(ErrorCodes.httpStatus);
    expect(err.message).toBe(message);
    expect(err.details).toEqual({ status, retryAfterSeconds: null });
  });

  it('carries Retry-After in seconds on 429', async () => {
    const server = await statusServer(429, { 'Retry-After': '120' });
    const err = await expectAppError(fetchFeed(server.url, options()));
    expect(err.message).toBe('HTTP 429 Too Many Requests');
    expect(err.details).toEqual({ status: 429, retryAfterSeconds: 120 });
  });

  it('carries Retry-After as an HTTP date on 503, measured against the server clock', async () => {
    const now = Date.now();
    // The server's clock runs an hour fast: the delay must still come out as 90 s.
    const serverNow = new Date(now + 3_600_000);
    const server = await statusServer(503, {
      Date: serverNow.toUTCString(),
      'Retry-After': new Date(serverNow.getTime() + 90_000).toUTCString(),
    });
    const err = await expectAppError(fetchFeed(server.url, options()));
    expect(err.message).toBe('HTTP 503 Service Unavailable');
    expect(err.details.status).toBe(503);
    expect(err.details.retryAfterSeconds).toBeGreaterThanOrEqual(89);
    expect(err.details.retryAfterSeconds).toBeLessThanOrEqual(91);
  });

  it('treats a Retry-After date in the past as 0 and garbage as null', async () => {
    const past = await statusServer(503, { 'Retry-After': 'Sun, 06 Nov 1994 08:49:37 GMT' });
    expect((await expectAppError(fetchFeed(past.url, options()))).details.retryAfterSeconds).toBe(0);
    const garbage = await statusServer(503, { 'Retry-After': 'soon' });
    expect((await expectAppError(fetchFeed(garbage.url, options()))).details.retryAfterSeconds).toBeNull();
  });

  it('throws httpStatus for a redirect without a Location', async () => {
    const server = await statusServer(302);
    const err = await expectAppError(fetchFeed(server.url, options()));
    expect(err.code).toBe(ErrorCodes.httpStatus);
    expect(err.details.status).toBe(302);
  });
});

describe('fetchFeed: cache hints', () => {
  async function hintsFor(headers: Record<string, string>, status = 200) {
    const server = await startServer((_req, res) => res.writeHead(status, headers).end(RSS));
    const out = await fetchFeed(server.url, options());
    return out.cache;
  }

  it('prefers s-maxage over max-age (a poller is a shared cache)', async () => {
    expect((await hintsFor({ 'Cache-Control': 'max-age=60, s-maxage=300' })).maxAgeSeconds).toBe(300);
  });

  it('reads a quoted max-age and ignores a malformed one', async () => {
    expect((await hintsFor({ 'Cache-Control': 'max-age="45"' })).maxAgeSeconds).toBe(45);
    expect((await hintsFor({ 'Cache-Control': 'max-age=-5' })).maxAgeSeconds).toBeNull();
    expect((await hintsFor({ 'Cache-Control': 'max-age=abc' })).maxAgeSeconds).toBeNull();
  });

  it('gives null for no-store and no-cache, whatever max-age says', async () => {
    expect((await hintsFor({ 'Cache-Control': 'no-store, max-age=600' })).maxAgeSeconds).toBeNull();
    expect((await hintsFor({ 'Cache-Control': 'No-Cache' })).maxAgeSeconds).toBeNull();
  });

  it('reads Expires in the three HTTP-date forms and ignores "0"', async () => {
    const at = Date.UTC(2030, 0, 2, 3, 4, 5);
    expect((await hintsFor({ Expires: 'Wed, 02 Jan 2030 03:04:05 GMT' })).expiresAt).toBe(at);
    expect((await hintsFor({ Expires: 'Wednesday, 02-Jan-30 03:04:05 GMT' })).expiresAt).toBe(at);
    expect((await hintsFor({ Expires: 'Wed Jan  2 03:04:05 2030' })).expiresAt).toBe(at);
    expect((await hintsFor({ Expires: '0' })).expiresAt).toBeNull();
  });

  it('reads Retry-After on a successful response too', async () => {
    expect((await hintsFor({ 'Retry-After': '3600' })).retryAfterSeconds).toBe(3600);
    expect((await hintsFor({ 'Retry-After': '30' }, 304)).retryAfterSeconds).toBe(30);
  });
});

describe('fetchFeed: timeouts', () => {
  it('times out on a server that sends a byte every 2 s', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
      res.write('<');
      const timer = setInterval(() => res.write(' '), 2000);
      res.on('close', () => clearInterval(timer));
    });
    const err = await expectAppError(fetchFeed(server.url, options({ totalTimeoutMs: 1500 })));
    expect(err.code).toBe(ErrorCodes.timeout);
  });
});
