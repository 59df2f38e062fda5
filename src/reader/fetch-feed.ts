import { STATUS_CODES } from 'node:http';
import { AppError, ErrorCodes } from '../errors.ts';
import type { GuardedClient, GuardedResponse } from '../net/guarded-client.ts';
import type { CacheHints, FetchOutcome } from './feed-types.ts';

/** Options of one feed fetch; etag and lastModified are the values stored from the previous fetch. */
export interface FetchFeedOptions {
  etag: string | null;
  lastModified: string | null;
  totalTimeoutMs: number;
  maxBytes: number;
  userAgent?: string;
}

const FEED_ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8';

/** Fetches a feed with a conditional GET through the process's client; throws AppError(httpStatus) for any status but 2xx and 304. */
export async function fetchFeed(client: Pick<GuardedClient, 'request'>, url: string, opts: FetchFeedOptions): Promise<FetchOutcome> {
  const headers: Record<string, string> = { accept: FEED_ACCEPT };
  // Validators go back exactly as the server sent them: servers compare them byte for byte.
  if (opts.etag) headers['if-none-match'] = opts.etag;
  if (opts.lastModified) headers['if-modified-since'] = opts.lastModified;

  const res = await client.request({
    method: 'GET',
    url,
    headers,
    totalTimeoutMs: opts.totalTimeoutMs,
    maxBytes: opts.maxBytes,
    userAgent: opts.userAgent,
  });
  const cache = parseCacheHints(res.headers, Date.now());
  const permanentUrl = permanentTarget(res);

  if (res.status === 304) {
    return { kind: 'not-modified', status: 304, finalUrl: res.finalUrl, permanentUrl, cache };
  }
  if (res.status >= 200 && res.status < 300) {
    return {
      kind: 'ok',
      status: res.status,
      finalUrl: res.finalUrl,
      permanentUrl,
      body: res.body,
      contentType: res.headers['content-type'] ?? null,
      etag: res.headers['etag'] ?? null,
      lastModified: res.headers['last-modified'] ?? null,
      linkHeader: res.headers['link'] ?? null,
      cache,
    };
  }
  const reason = STATUS_CODES[res.status];
  throw new AppError(ErrorCodes.httpStatus, reason ? `HTTP ${res.status} ${reason}` : `HTTP ${res.status}`, {
    details: { status: res.status, retryAfterSeconds: cache.retryAfterSeconds },
  });
}

function permanentTarget(res: GuardedResponse): string | null {
  // One temporary hop means the original URL is still the one to ask next time.
  if (res.redirects.length === 0) return null;
  return res.redirects.every((hop) => hop.status === 301 || hop.status === 308) ? res.finalUrl : null;
}

/**
 * Cache advice. s-maxage wins over max-age because this poller is a shared cache
 * for all its users. no-store / no-cache give null, not 0: they say nothing about
 * how often to poll, and a 0 would invite a naive scheduler to poll in a loop.
 */
function parseCacheHints(headers: Record<string, string>, now: number): CacheHints {
  const retryAfter = headers['retry-after'];
  return {
    maxAgeSeconds: parseMaxAge(headers['cache-control']),
    expiresAt: parseHttpDate(headers['expires']),
    // The server's clock anchors Retry-After dates, so our clock skew does not shift them
    // (read only when there is one: most answers carry a Date and no Retry-After).
    retryAfterSeconds: retryAfter === undefined ? null : parseRetryAfter(retryAfter, parseHttpDate(headers['date']) ?? now),
  };
}

function parseMaxAge(cacheControl: string | undefined): number | null {
  if (!cacheControl) return null;
  const directives = new Map<string, string | null>();
  for (const part of cacheControl.split(',')) {
    const [rawName, ...rest] = part.split('=');
    const name = (rawName ?? '').trim().toLowerCase();
    if (name === '' || directives.has(name)) continue; // the first occurrence wins
    directives.set(name, rest.length > 0 ? rest.join('=').trim().replace(/^"(.*)"$/, '$1') : null);
  }
  if (directives.has('no-store') || directives.has('no-cache')) return null;
  for (const name of ['s-maxage', 'max-age']) {
    const value = directives.get(name);
    if (value !== undefined && value !== null && /^\d+$/.test(value)) return Number(value);
  }
  return null;
}

function parseRetryAfter(value: string | undefined, serverNow: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = parseHttpDate(text);
  return at === null ? null : Math.max(0, Math.ceil((at - serverNow) / 1000));
}

const IMF_FIXDATE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

function parseHttpDate(value: string | undefined): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  // Date.parse alone accepts "0" or "-1" (common in Expires) as real dates; only the
  // three HTTP-date forms are taken, and asctime carries no zone, so it is GMT by rule.
  let ms: number;
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) ms = Date.parse(text);
  else if (ASCTIME_DATE.test(text)) ms = Date.parse(`${text} GMT`);
  else return null;
  return Number.isNaN(ms) ? null : ms;
}
