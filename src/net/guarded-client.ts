import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { Agent } from 'undici';
import { AppError, ErrorCodes, isAppError } from '../errors.ts';
import {
  type AddressPolicy,
  type AllAddressResolver,
  checkUrlAllowed,
  checkUrlShape,
  createGuardedLookup,
  type GuardOptions,
} from './ssrf-guard.ts';

/**
 * The one outgoing HTTP client for user-supplied URLs (feeds, article pages, webhooks).
 * Every hop is re-validated and every connection goes through the guarded lookup,
 * redirects are followed by hand, bodies are decompressed here under a byte cap,
 * and one deadline covers the whole exchange including the body.
 */

/** User-Agent sent when the caller gives none. */
export const DEFAULT_USER_AGENT = 'Anchorwatch/0.1 (+https://github.com/anchorwatch/anchorwatch)';

/** How one client judges addresses and connects: fixed for its lifetime (its Agent is built from them). */
export interface GuardedClientOptions {
  /** When true, any address is acceptable (ALLOW_PRIVATE_NETWORKS); scheme and credentials are still checked. */
  allowPrivate: boolean;
  /** Which resolved addresses count as reachable (default isPublicAddress): the test seam. Ignored when allowPrivate. */
  addressPolicy?: AddressPolicy;
  /** Name resolver (default dns.lookup); lets tests resolve names without a DNS server. */
  resolve?: AllAddressResolver;
  connectTimeoutMs: number;
}

/** Options of one guarded request. */
export interface GuardedRequestOptions {
  method?: string;
  url: string;
  /** Request headers; names are case-insensitive. accept-encoding is always ours. */
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Redirects to follow (default 5). 0 returns a 3xx response as it is. */
  maxRedirects?: number;
  /** Deadline for the whole exchange: connects, every redirect hop and reading the body. */
  totalTimeoutMs: number;
  /** Cap on the body after decompression. */
  maxBytes: number;
  userAgent?: string;
}

/** One redirect that was followed: its status and the absolute URL it pointed to. */
export interface RedirectHop {
  status: number;
  url: string;
}

/** The final response. Any HTTP status is a result, never an error. */
export interface GuardedResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Decompressed body. */
  body: Buffer;
  finalUrl: string;
  redirects: RedirectHop[];
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Compressed input may exceed its output only by framing overhead on incompressible
// data; past this slack it is a stream of empty blocks meant to burn our time.
const RAW_SLACK_BYTES = 64 * 1024;
// Headers that must not follow a redirect to another origin.
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
const DNS_ERROR_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA', 'ENODATA']);
const TIMEOUT_ERROR_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/**
 * One per process, built in the composition root and handed to whatever fetches (polling,
 * article pages, webhook deliveries, URL checks at registration). It owns its undici Agent,
 * so connections are pooled per process and closed with it.
 */
export class GuardedClient {
  private readonly guard: GuardOptions;
  private readonly agent: Agent;

  constructor(options: GuardedClientOptions) {
    this.guard = { allowPrivate: options.allowPrivate, addressPolicy: options.addressPolicy, resolve: options.resolve };
    // The lookup and the connect timeout are fixed when an Agent is built: hence one per client.
    this.agent = new Agent({ connect: { timeout: options.connectTimeoutMs, lookup: createGuardedLookup(this.guard) } });
  }

  /** Validates a feed or webhook URL at registration under this client's policy: shape, credentials, every address of its host. */
  checkUrl(url: string): Promise<URL> {
    return checkUrlAllowed(url, this.guard);
  }

  /** Performs one HTTP exchange under the SSRF policy, following redirects by hand; never throws for an HTTP status. */
  async request(opts: GuardedRequestOptions): Promise<GuardedResponse> {
    const guard = this.guard;
    const maxRedirects = opts.maxRedirects ?? 5;
    // IP-literal hosts never reach the lookup, so checkUrlShape judges them before each connection.
    let url = checkUrlShape(opts.url, guard);
    const deadline = new AbortController();
    // Built only when the deadline passes: an error (and its stack) per request is measurable on a 304 pass.
    const timer = setTimeout(
      () =>
        deadline.abort(
          new AppError(ErrorCodes.timeout, `Timed out: no complete response within ${opts.totalTimeoutMs} ms`, {
            details: { timeoutMs: opts.totalTimeoutMs },
          }),
        ),
      opts.totalTimeoutMs,
    );
    let method = (opts.method ?? 'GET').toUpperCase();
    let body = opts.body;
    let headers = baseHeaders(opts);
    const redirects: RedirectHop[] = [];

    try {
      for (;;) {
        const res = await this.agent.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method,
          headers,
          body,
          signal: deadline.signal,
          // The deadline covers these too; they only stop undici's 300 s defaults outliving it.
          headersTimeout: opts.totalTimeoutMs,
          bodyTimeout: opts.totalTimeoutMs,
        });
        const resHeaders = flattenHeaders(res.headers);
        const location = resHeaders['location'];

        if (REDIRECT_STATUSES.has(res.statusCode) && location !== undefined && maxRedirects > 0) {
          // Only the headers matter; a small body is drained so the socket can be reused.
          await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
          if (redirects.length >= maxRedirects) {
            throw new AppError(ErrorCodes.tooManyRedirects, `More than ${maxRedirects} redirects`, {
              details: { maxRedirects, redirects: [...redirects, { status: res.statusCode, url: location }] },
            });
          }
          const next = resolveLocation(location, url);
          // Re-validated before any connection: a public feed may redirect to an internal host.
          const nextUrl = checkUrlShape(next, guard);
          redirects.push({ status: res.statusCode, url: nextUrl.href });
          if (changesToGet(res.statusCode, method)) {
            method = 'GET';
            body = undefined;
            headers = withoutHeaders(headers, ['content-type', 'content-length']);
          }
          if (nextUrl.origin !== url.origin) headers = withoutHeaders(headers, CREDENTIAL_HEADERS);
          url = nextUrl;
          continue;
        }

        // A 304, 204 or HEAD answer has no body whatever its headers say (RFC 9110 §6.4.1).
        const bodyless = res.statusCode === 304 || res.statusCode === 204 || method === 'HEAD';
        const bodyBuffer = bodyless ? await readPlain(res.body, opts.maxBytes) : await readBody(res.body, resHeaders, opts.maxBytes, deadline.signal);
        return { status: res.statusCode, headers: resHeaders, body: bodyBuffer, finalUrl: url.href, redirects };
      }
    } catch (err) {
      throw toAppError(err, deadline.signal.aborted ? (deadline.signal.reason as AppError) : null, url);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the client's connections (at shutdown); it must not be used afterwards. */
  async close(): Promise<void> {
    await this.agent.close().catch(() => this.agent.destroy());
  }
}

function baseHeaders(opts: GuardedRequestOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts.headers ?? {})) headers[name.toLowerCase()] = value;
  headers['user-agent'] = opts.userAgent ?? headers['user-agent'] ?? DEFAULT_USER_AGENT;
  // We decode the body ourselves to count decompressed bytes, so only what we can decode is offered.
  headers['accept-encoding'] = 'gzip, deflate, br';
  return headers;
}

function withoutHeaders(headers: Record<string, string>, names: string[]): Record<string, string> {
  const copy = { ...headers };
  for (const name of names) delete copy[name];
  return copy;
}

function changesToGet(status: number, method: string): boolean {
  // As browsers do: 303 always becomes GET; 301/302 turn a POST into GET; 307/308 keep everything.
  if (status === 303) return method !== 'GET' && method !== 'HEAD';
  return (status === 301 || status === 302) && method === 'POST';
}

function resolveLocation(location: string, base: URL): string {
  try {
    return new URL(location, base).href;
  } catch {
    throw new AppError(ErrorCodes.invalidUrl, 'Redirect to a malformed URL', { details: { location } });
  }
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function tooLarge(maxBytes: number): AppError {
  return new AppError(ErrorCodes.tooLarge, `Response too large: the body exceeds the size cap of ${maxBytes} bytes`, { details: { maxBytes } });
}

async function readBody(
  source: Readable,
  headers: Record<string, string>,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Buffer> {
  const encodings = (headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '' && e !== 'identity');
  const rawLimit = encodings.length === 0 ? maxBytes : maxBytes + RAW_SLACK_BYTES;
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > rawLimit) {
    discard(source);
    throw tooLarge(maxBytes);
  }
  // Most feeds come uncompressed over a keep-alive socket: read them without a stream pipeline
  // (its decoders, generators and abort controller cost more than the read itself).
  if (encodings.length === 0) return readPlain(source, maxBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  let raw = 0;
  const countRaw = async function* (input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of input) {
      raw += chunk.length;
      if (raw > rawLimit) throw tooLarge(maxBytes);
      yield chunk;
    }
  };
  const collect = async (input: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of input) {
      total += chunk.length;
      // Stop at the first chunk past the cap: pipeline then destroys the decoders and the socket.
      if (total > maxBytes) throw tooLarge(maxBytes);
      chunks.push(chunk);
    }
  };
  try {
    // Encodings are listed in the order they were applied, so they are undone last-first.
    const decoders = encodings.reverse().map((encoding) => decoderFor(encoding));
    // The stage list is built at run time, which the typed pipeline overloads cannot express.
    const runPipeline = pipeline as (...stages: unknown[]) => Promise<void>;
    await runPipeline(source, countRaw, ...decoders, collect, { signal });
  } catch (err) {
    discard(source);
    if (isZlibError(err)) {
      throw new AppError(ErrorCodes.network, 'Response body could not be decompressed', {
        cause: err,
        details: { code: (err as { code?: string }).code, contentEncoding: headers['content-encoding'] },
      });
    }
    throw err;
  }
  return Buffer.concat(chunks, total);
}

/**
 * An undecoded body under the byte cap. The request's deadline needs no listener here: undici
 * destroys the body with the deadline's reason when it passes, which ends up in 'error'.
 */
function readPlain(source: Readable, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = () => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
      source.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        done();
        discard(source);
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    };
    const onError = (err: Error) => {
      done();
      discard(source);
      reject(err);
    };
    // Closed without an end and without an error: the connection went away mid-body.
    const onClose = () => onError(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', onError);
    source.once('close', onClose);
  });
}

// undici's body emits an AbortError when destroyed unread; nobody is listening any more,
// and an unheard 'error' event would crash the process.
function discard(source: Readable): void {
  source.on('error', () => undefined);
  if (!source.destroyed) source.destroy();
}

type Decoder = Transform | ((input: AsyncIterable<Buffer>) => AsyncGenerator<Buffer>);

function decoderFor(encoding: string): Decoder {
  // Lenient flush like browsers and undici's fetch: many servers truncate the final block.
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    case 'br':
      return zlib.createBrotliDecompress({
        flush: zlib.constants.BROTLI_OPERATION_FLUSH,
        finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
      });
    case 'deflate':
      return inflateZlibOrRaw;
    default:
      throw new AppError(ErrorCodes.network, `Unsupported content-encoding ${encoding}`, {
        details: { code: 'unsupported_encoding', contentEncoding: encoding },
      });
  }
}

/** "deflate" should be zlib-wrapped (RFC 9110) but some servers send raw deflate; the first two bytes tell which. */
async function* inflateZlibOrRaw(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = input[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await iterator.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  if (head.length === 0) return;
  const options = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const inflater = looksLikeZlib(head) ? zlib.createInflate(options) : zlib.createInflateRaw(options);
  const rest = Readable.from(
    (async function* () {
      yield head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    })(),
  );
  rest.once('error', (err) => inflater.destroy(err));
  try {
    // Iterating the inflater keeps backpressure: it only inflates as fast as we consume.
    yield* rest.pipe(inflater);
  } finally {
    rest.destroy();
    inflater.destroy();
  }
}

function looksLikeZlib(head: Buffer): boolean {
  const cmf = head[0] ?? 0;
  const flg = head[1] ?? 0;
  return (cmf & 0x0f) === 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 === 0;
}

function isZlibError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function findCode(err: unknown): string | undefined {
  // undici and net sometimes wrap the system error; the code may sit one or two causes down.
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

function findAppError(err: unknown): AppError | null {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (isAppError(current)) return current;
    current = current.cause;
  }
  return null;
}

function toAppError(err: unknown, timeoutError: AppError | null, url: URL): AppError {
  if (timeoutError) return timeoutError;
  const appError = findAppError(err);
  if (appError) return appError;
  const code = findCode(err);
  const host = url.hostname;
  if (code !== undefined && DNS_ERROR_CODES.has(code)) {
    return new AppError(ErrorCodes.dnsFailure, `Could not resolve ${host}`, { cause: err, details: { host, code } });
  }
  if (code !== undefined && TIMEOUT_ERROR_CODES.has(code)) {
    return new AppError(ErrorCodes.timeout, `Timed out talking to ${host}`, { cause: err, details: { host, code } });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new AppError(ErrorCodes.network, `Network error talking to ${host}: ${message}`, {
    cause: err,
    details: { host, code: code ?? null },
  });
}
