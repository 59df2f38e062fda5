import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../src/errors.ts';
import { closeTestServers, expectAppError, startServer, type TestServer } from './helpers/handler-server.ts';
import {
  DEFAULT_USER_AGENT,
  GuardedClient,
  type GuardedClientOptions,
  type GuardedRequestOptions,
  type GuardedResponse,
} from '../src/net/guarded-client.ts';
import type { AllAddressResolver } from '../src/net/ssrf-guard.ts';

/** One request's options with the guard settings of the client that makes it (a client per setting, as a process has one). */
type RequestOptions = GuardedRequestOptions & GuardedClientOptions;

const clients = new Map<string, GuardedClient>();
const functionIds = new Map<unknown, number>();
const idOf = (fn: unknown) => (fn === undefined ? 0 : (functionIds.get(fn) ?? functionIds.set(fn, functionIds.size + 1).get(fn)!));

/** Makes one request through the client built for its guard settings. */
function guardedRequest(opts: RequestOptions): Promise<GuardedResponse> {
  const { allowPrivate, addressPolicy, resolve, connectTimeoutMs, ...request } = opts;
  const key = `${allowPrivate}|${idOf(addressPolicy)}|${idOf(resolve)}|${connectTimeoutMs}`;
  let client = clients.get(key);
  if (!client) clients.set(key, (client = new GuardedClient({ allowPrivate, addressPolicy, resolve, connectTimeoutMs })));
  return client.request(request);
}

async function closeGuardedAgents(): Promise<void> {
  await Promise.all([...clients.values()].map((c) => c.close()));
  clients.clear();
}

// Real servers on loopback only. 127.0.0.1 plays "the public internet" through
// addressPolicy; every other address (127.0.0.2, localhost) plays an internal host,
// and the suite proves those are refused before a connection is opened.

/** The stand-in for the public internet. Module-level so all requests share one Agent. */
const loopbackOne = (ip: string): boolean => ip === '127.0.0.1';

afterEach(closeTestServers);

afterAll(async () => {
  await closeGuardedAgents();
});

function options(url: string, extra: Partial<RequestOptions> = {}): RequestOptions {
  return {
    url,
    connectTimeoutMs: 1000,
    totalTimeoutMs: 3000,
    maxBytes: 1024 * 1024,
    allowPrivate: false,
    addressPolicy: loopbackOne,
    ...extra,
  };
}


/** Writes zeros until the client goes away, respecting backpressure so the server itself stays small. */
function streamZerosForever(res: http.ServerResponse, onChunk: (bytes: number) => void): void {
  const chunk = Buffer.alloc(64 * 1024);
  let stopped = false;
  res.on('close', () => {
    stopped = true;
  });
  const pump = (): void => {
    while (!stopped) {
      onChunk(chunk.length);
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
  };
  pump();
}

/** Samples heap + buffer memory while `work` runs and returns the peak growth in bytes. */
async function peakMemoryGrowth(work: () => Promise<unknown>): Promise<number> {
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const baseline = used();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, used());
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(sampler);
    peak = Math.max(peak, used());
  }
  return peak - baseline;
}

describe('guardedRequest: plain exchanges', () => {
  it('returns status, lower-cased headers, body and final URL, sending our user agent and encodings', async () => {
    const server = await startServer((_req, res) => {
      res.setHeader('X-Custom-Header', 'Yes');
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.end('hello');
    });
    const res = await guardedRequest(options(`${server.url}/feed?x=1#frag`, { headers: { 'X-Trace': 't1' } }));
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('hello');
    expect(res.headers['x-custom-header']).toBe('Yes');
    expect(res.headers['set-cookie']).toBe('a=1, b=2');
    expect(res.finalUrl).toBe(`${server.url}/feed?x=1#frag`); // the fragment is never sent, but kept
    expect(res.redirects).toEqual([]);
    const req = server.requests[0]!;
    expect(req.url).toBe('/feed?x=1');
    expect(req.headers['user-agent']).toBe(DEFAULT_USER_AGENT);
    expect(req.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(req.headers['x-trace']).toBe('t1');
  });

  it('returns an error status as a result, never as an exception', async () => {
    const server = await startServer((_req, res) => {
      res.statusCode = 503;
      res.end('down');
    });
    const res = await guardedRequest(options(server.url));
    expect(res.status).toBe(503);
    expect(res.body.toString()).toBe('down');
  });

  it('sends a POST body and a custom user agent', async () => {
    let received = '';
    const server = await startServer((req, res) => {
      req.setEncoding('utf8');
      req.on('data', (c: string) => (received += c));
      req.on('end', () => res.end('ok'));
    });
    const res = await guardedRequest(
      options(server.url, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' }, userAgent: 'Hook/1' }),
    );
    expect(res.status).toBe(200);
    expect(received).toBe('{"a":1}');
    expect(server.requests[0]!.headers['user-agent']).toBe('Hook/1');
    expect(server.requests[0]!.method).toBe('POST');
  });

  it('reports a refused connection as a network error with the cause code', async () => {
    const server = await startServer((_req, res) => res.end());
    const port = server.port;
    await server.close();
    const err = await expectAppError(guardedRequest(options(`http://127.0.0.1:${port}/`)));
    expect(err.code).toBe(ErrorCodes.network);
    expect(err.details.code).toBe('ECONNREFUSED');
  });
});

describe('guardedRequest: decompression', () => {
  const text = 'Über feeds: '.repeat(2000);
  const cases: Array<[string, (b: Buffer) => Buffer]> = [
    ['gzip', (b) => zlib.gzipSync(b)],
    ['x-gzip', (b) => zlib.gzipSync(b)],
    ['deflate', (b) => zlib.deflateSync(b)], // zlib-wrapped, as RFC 9110 says
    ['deflate', (b) => zlib.deflateRawSync(b)], // raw, as some servers send it
    ['br', (b) => zlib.brotliCompressSync(b)],
  ];

  it.each(cases)('decodes %s', async (encoding, encode) => {
    const server = await startServer((_req, res) => {
      res.setHeader('Content-Encoding', encoding);
      res.end(encode(Buffer.from(text)));
    });
    const res = await guardedRequest(options(server.url));
    expect(res.body.toString()).toBe(text);
  });

  it('decodes a raw deflate body sent in one-byte chunks', async () => {
    const server = await startServer(async (_req, res) => {
      res.setHeader('Content-Encoding', 'deflate');
      for (const byte of zlib.deflateRawSync(Buffer.from('tiny'))) {
        res.write(Buffer.from([byte]));
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
    const res = await guardedRequest(options(server.url));
    expect(res.body.toString()).toBe('tiny');
  });

  it('returns an empty body for an empty compressed response', async () => {
    const server = await startServer((_req, res) => {
      res.setHeader('Content-Encoding', 'gzip');
      res.end();
    });
    const res = await guardedRequest(options(server.url));
    expect(res.body.length).toBe(0);
  });

  it('reports an encoding it did not offer as a network error, without reading the body', async () => {
    const server = await startServer((_req, res) => {
      res.setHeader('Content-Encoding', 'compress');
      res.end('whatever');
    });
    const err = await expectAppError(guardedRequest(options(server.url)));
    expect(err.code).toBe(ErrorCodes.network);
    expect(err.details).toMatchObject({ code: 'unsupported_encoding', contentEncoding: 'compress' });
  });

  it('reports a corrupt compressed body as a network error', async () => {
    const server = await startServer((_req, res) => {
      res.setHeader('Content-Encoding', 'gzip');
      res.end('this is not gzip at all');
    });
    const err = await expectAppError(guardedRequest(options(server.url)));
    expect(err.code).toBe(ErrorCodes.network);
  });
});

describe('guardedRequest: size cap', () => {
  it('refuses up front when Content-Length is over the cap', async () => {
    const server = await startServer((_req, res) => {
      res.setHeader('Content-Length', String(5 * 1024 * 1024));
      res.write(Buffer.alloc(1024));
      // never finishes: the client must not wait for it
    });
    const err = await expectAppError(guardedRequest(options(server.url)));
    expect(err.code).toBe(ErrorCodes.tooLarge);
  });

  it('stops an endless plain body at the cap while the server keeps streaming, memory flat', async () => {
    let served = 0;
    const server = await startServer((_req, res) => {
      streamZerosForever(res, (bytes) => (served += bytes));
    });
    let err: AppError | undefined;
    const growth = await peakMemoryGrowth(async () => {
      err = await expectAppError(guardedRequest(options(server.url, { maxBytes: 4 * 1024 * 1024 })));
    });
    expect(err?.code).toBe(ErrorCodes.tooLarge);
    expect(served).toBeGreaterThan(4 * 1024 * 1024);
    expect(growth).toBeLessThan(48 * 1024 * 1024);
  });

  it('stops a gzipped stream of 200 MB of zeros at the cap on decompressed bytes, memory flat', async () => {
    const server = await startServer((_req, res) => {
      res.setHeader('Content-Encoding', 'gzip');
      const gzip = zlib.createGzip({ level: 1 });
      gzip.pipe(res);
      res.on('close', () => gzip.destroy());
      const chunk = Buffer.alloc(64 * 1024);
      let left = (200 * 1024 * 1024) / chunk.length;
      const pump = (): void => {
        while (left > 0 && !res.destroyed) {
          left -= 1;
          if (!gzip.write(chunk)) return void gzip.once('drain', pump);
        }
        if (left === 0) gzip.end();
      };
      pump();
    });
    let err: AppError | undefined;
    const started = Date.now();
    const growth = await peakMemoryGrowth(async () => {
      err = await expectAppError(guardedRequest(options(server.url, { maxBytes: 8 * 1024 * 1024, totalTimeoutMs: 5000 })));
    });
    expect(err?.code).toBe(ErrorCodes.tooLarge);
    expect(growth).toBeLessThan(48 * 1024 * 1024);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('stops a decompression bomb (1 MB of gzip that inflates to 1 GB) at the cap', async () => {
    // A multi-member gzip: one 10 MB-of-zeros member (~10 KB) repeated 100 times.
    const member = zlib.gzipSync(Buffer.alloc(10 * 1024 * 1024), { level: 9 });
    const server = await startServer((_req, res) => {
      res.setHeader('Content-Encoding', 'gzip');
      res.setHeader('Content-Length', String(member.length * 100));
      let left = 100;
      const pump = (): void => {
        while (left > 0 && !res.destroyed) {
          left -= 1;
          if (!res.write(member)) return void res.once('drain', pump);
        }
        if (left === 0) res.end();
      };
      pump();
    });
    let err: AppError | undefined;
    const growth = await peakMemoryGrowth(async () => {
      err = await expectAppError(guardedRequest(options(server.url, { maxBytes: 16 * 1024 * 1024 })));
    });
    expect(err?.code).toBe(ErrorCodes.tooLarge);
    expect(err?.details.maxBytes).toBe(16 * 1024 * 1024);
    expect(growth).toBeLessThan(64 * 1024 * 1024);
  });

  it('accepts a compressed body just under the cap', async () => {
    const payload = Buffer.alloc(1024 * 1024 - 1, 0x61);
    const server = await startServer((_req, res) => {
      res.setHeader('Content-Encoding', 'br');
      res.end(zlib.brotliCompressSync(payload));
    });
    const res = await guardedRequest(options(server.url, { maxBytes: 1024 * 1024 }));
    expect(res.body.length).toBe(payload.length);
  });
});

describe('guardedRequest: timeouts', () => {
  it('cuts off a server that sends one byte every 2 s', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('x');
      const timer = setInterval(() => res.write('x'), 2000);
      res.on('close', () => clearInterval(timer));
    });
    const started = Date.now();
    const err = await expectAppError(guardedRequest(options(server.url, { totalTimeoutMs: 1500 })));
    expect(err.code).toBe(ErrorCodes.timeout);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('cuts off a body that trickles fast enough to defeat any idle timeout', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'), 50);
      res.on('close', () => clearInterval(timer));
    });
    const started = Date.now();
    const err = await expectAppError(guardedRequest(options(server.url, { totalTimeoutMs: 800 })));
    expect(err.code).toBe(ErrorCodes.timeout);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('cuts off a server that never answers', async () => {
    const server = await startServer(() => undefined);
    const err = await expectAppError(guardedRequest(options(server.url, { totalTimeoutMs: 500 })));
    expect(err.code).toBe(ErrorCodes.timeout);
  });

  it('counts the deadline across redirect hops', async () => {
    const server = await startServer((req, res) => {
      // every hop takes 300 ms, five hops take longer than the 1 s deadline
      setTimeout(() => {
        const n = Number(req.url!.slice(1)) || 0;
        res.writeHead(302, { Location: `/${n + 1}` }).end();
      }, 300);
    });
    const err = await expectAppError(guardedRequest(options(server.url, { totalTimeoutMs: 1000 })));
    expect(err.code).toBe(ErrorCodes.timeout);
  });
});

describe('guardedRequest: redirects', () => {
  async function chainServer(hops: number, status = 302): Promise<TestServer> {
    return startServer((req, res) => {
      const n = Number(req.url!.slice(1)) || 0;
      if (n < hops) res.writeHead(status, { Location: `/${n + 1}` }).end();
      else res.end(`arrived after ${n}`);
    });
  }

  it('follows 5 redirects by default and lists every hop', async () => {
    const server = await chainServer(5);
    const res = await guardedRequest(options(`${server.url}/0`));
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('arrived after 5');
    expect(res.finalUrl).toBe(`${server.url}/5`);
    expect(res.redirects).toEqual([1, 2, 3, 4, 5].map((n) => ({ status: 302, url: `${server.url}/${n}` })));
  });

  it('fails with tooManyRedirects on the 6th', async () => {
    const server = await chainServer(6);
    const err = await expectAppError(guardedRequest(options(`${server.url}/0`)));
    expect(err.code).toBe(ErrorCodes.tooManyRedirects);
    expect(server.requests).toHaveLength(6);
  });

  it('ends a redirect loop the same way', async () => {
    const server = await startServer((req, res) => {
      res.writeHead(301, { Location: req.url === '/a' ? '/b' : '/a' }).end();
    });
    const err = await expectAppError(guardedRequest(options(`${server.url}/a`)));
    expect(err.code).toBe(ErrorCodes.tooManyRedirects);
  });

  it('returns the 3xx itself when maxRedirects is 0', async () => {
    const server = await chainServer(1, 307);
    const res = await guardedRequest(options(`${server.url}/0`, { maxRedirects: 0 }));
    expect(res.status).toBe(307);
    expect(res.headers['location']).toBe('/1');
    expect(res.redirects).toEqual([]);
  });

  it('turns a POST into a GET on 303 and keeps it on 307', async () => {
    const seen: string[] = [];
    const server = await startServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === '/see-other') res.writeHead(303, { Location: '/done' }).end();
      else if (req.url === '/temp') res.writeHead(307, { Location: '/done' }).end();
      else req.resume().on('end', () => res.end('ok'));
    });
    await guardedRequest(options(`${server.url}/see-other`, { method: 'POST', body: 'x' }));
    await guardedRequest(options(`${server.url}/temp`, { method: 'POST', body: 'x' }));
    expect(seen).toEqual(['POST /see-other', 'GET /done', 'POST /temp', 'POST /done']);
  });

  it('refuses a redirect to a non-http scheme or to a URL with credentials', async () => {
    const server = await startServer((req, res) => {
      const to = req.url === '/ftp' ? 'ftp://127.0.0.1/' : `http://user:pw@127.0.0.1:${server.port}/`;
      res.writeHead(302, { Location: to }).end();
    });
    expect((await expectAppError(guardedRequest(options(`${server.url}/ftp`)))).code).toBe(ErrorCodes.invalidUrl);
    expect((await expectAppError(guardedRequest(options(`${server.url}/creds`)))).code).toBe(ErrorCodes.invalidUrl);
  });
});

describe('guardedRequest: address policy', () => {
  it.each([
    ['127.0.0.2', (port: number) => `http://127.0.0.2:${port}/internal`, '127.0.0.2'],
    ['0x7f000002', (port: number) => `http://0x7f000002:${port}/internal`, '127.0.0.2'],
    ['localhost', (port: number) => `http://localhost:${port}/internal`, '127.0.0.1'],
  ])('refuses a redirect to %s before any connection', async (_name, target, victimHost) => {
    const victim = await startServer((_req, res) => res.end('secret'), victimHost);
    const front = await startServer((_req, res) => res.writeHead(302, { Location: target(victim.port) }).end());
    const err = await expectAppError(guardedRequest(options(front.url)));
    expect(err.code).toBe(ErrorCodes.blockedAddress);
    expect(victim.connections).toBe(0);
  });

  it('refuses a direct request to 127.0.0.1 under the default policy, before connecting', async () => {
    const server = await startServer((_req, res) => res.end('secret'));
    const err = await expectAppError(guardedRequest(options(server.url, { addressPolicy: undefined })));
    expect(err.code).toBe(ErrorCodes.blockedAddress);
    expect(server.connections).toBe(0);
  });

  it('refuses [::ffff:127.0.0.1] under the default policy', async () => {
    const server = await startServer((_req, res) => res.end('secret'));
    const err = await expectAppError(guardedRequest(options(`http://[::ffff:127.0.0.1]:${server.port}/`, { addressPolicy: undefined })));
    expect(err.code).toBe(ErrorCodes.blockedAddress);
    expect(server.connections).toBe(0);
  });

  it('reaches loopback when private networks are allowed', async () => {
    const server = await startServer((_req, res) => res.end('fine'));
    const res = await guardedRequest(options(`http://localhost:${server.port}/`, { allowPrivate: true, addressPolicy: undefined }));
    expect(res.body.toString()).toBe('fine');
  });

  it('refuses credentials and non-http schemes on the first URL too', async () => {
    expect((await expectAppError(guardedRequest(options('http://a:b@127.0.0.1:1/')))).code).toBe(ErrorCodes.invalidUrl);
    expect((await expectAppError(guardedRequest(options('file:///etc/passwd')))).code).toBe(ErrorCodes.invalidUrl);
    expect((await expectAppError(guardedRequest(options('nonsense')))).code).toBe(ErrorCodes.invalidUrl);
  });
});

describe('guardedRequest: names are judged at connect time', () => {
  // Fake resolvers stand in for DNS so that no query leaves the machine; whatever they
  // answer, the only address ever connected to is 127.0.0.1.
  const resolveTo =
    (addresses: string[]): AllAddressResolver =>
    (_host, _opts, cb) =>
      process.nextTick(cb, null, addresses.map((address) => ({ address, family: 4 })));
  const toLoopbackOne = resolveTo(['127.0.0.1']);
  const toMixed = resolveTo(['127.0.0.1', '127.0.0.2']);
  const toNothing: AllAddressResolver = (host, _opts, cb) =>
    process.nextTick(cb, Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);

  it('connects to the address the lookup approved', async () => {
    const server = await startServer((req, res) => res.end(req.headers.host));
    const res = await guardedRequest(options(`http://feeds.example:${server.port}/`, { resolve: toLoopbackOne }));
    expect(res.body.toString()).toBe(`feeds.example:${server.port}`);
  });

  it('refuses a name when any of its addresses is refused, without connecting', async () => {
    const server = await startServer((_req, res) => res.end('secret'));
    const err = await expectAppError(guardedRequest(options(`http://rebind.example:${server.port}/`, { resolve: toMixed })));
    expect(err.code).toBe(ErrorCodes.blockedAddress);
    expect(err.details).toMatchObject({ host: 'rebind.example', address: '127.0.0.2' });
    expect(server.connections).toBe(0);
  });

  it('refuses a redirect to a name that resolves to a refused address', async () => {
    const victim = await startServer((_req, res) => res.end('secret'));
    const front = await startServer((_req, res) =>
      res.writeHead(302, { Location: `http://rebind.example:${victim.port}/` }).end(),
    );
    const err = await expectAppError(guardedRequest(options(front.url, { resolve: toMixed })));
    expect(err.code).toBe(ErrorCodes.blockedAddress);
    expect(victim.connections).toBe(0);
  });

  it('reports an unknown name as dnsFailure', async () => {
    const err = await expectAppError(guardedRequest(options('http://gone.example/', { resolve: toNothing })));
    expect(err.code).toBe(ErrorCodes.dnsFailure);
    expect(err.details).toMatchObject({ host: 'gone.example', code: 'ENOTFOUND' });
  });
});
