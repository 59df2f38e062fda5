import { STATUS_CODES } from 'node:http';
import { AppError, ErrorCodes } from '../errors.ts';
import type { GuardedClient } from '../net/guarded-client.ts';
import { decodeBody } from './decode-body.ts';

/** Options of one article-page fetch; etag and lastModified come from the cached copy, when any. */
export interface FetchArticleOptions {
  etag: string | null;
  lastModified: string | null;
  totalTimeoutMs: number;
  maxBytes: number;
}

/** What fetching an article page produced. Failures are thrown as AppError. */
export type ArticleFetch =
  | { kind: 'not-modified'; finalUrl: string }
  | { kind: 'ok'; finalUrl: string; html: string; etag: string | null; lastModified: string | null };

const ARTICLE_ACCEPT = 'text/html, application/xhtml+xml;q=0.9, */*;q=0.1';
const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)\b/i;

function looksLikeHtml(body: Buffer): boolean {
  const head = body.subarray(0, 1024).toString('latin1').trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || /<(head|body|article|p)[\s>]/.test(head);
}

/**
 * Fetches an article page with a conditional GET through the process's guarded client (SSRF
 * check on every hop, one deadline, a size cap). Only HTML is an article: anything else, like
 * any status but 2xx and 304, throws AppError (unsupportedMediaType, httpStatus, or the
 * client's own codes).
 */
export async function fetchArticle(client: Pick<GuardedClient, 'request'>, url: string, opts: FetchArticleOptions): Promise<ArticleFetch> {
  const headers: Record<string, string> = { accept: ARTICLE_ACCEPT };
  if (opts.etag) headers['if-none-match'] = opts.etag;
  if (opts.lastModified) headers['if-modified-since'] = opts.lastModified;
  const res = await client.request({ method: 'GET', url, headers, totalTimeoutMs: opts.totalTimeoutMs, maxBytes: opts.maxBytes });
  if (res.status === 304) return { kind: 'not-modified', finalUrl: res.finalUrl };
  if (res.status < 200 || res.status >= 300) {
    const reason = STATUS_CODES[res.status];
    throw new AppError(ErrorCodes.httpStatus, reason ? `HTTP ${res.status} ${reason}` : `HTTP ${res.status}`, { details: { status: res.status } });
  }
  const contentType = res.headers['content-type'] ?? null;
  // A missing type is common on small sites: the first bytes decide then.
  const isHtml = contentType ? HTML_TYPES.test(contentType.trim()) : looksLikeHtml(res.body);
  if (!isHtml) {
    throw new AppError(ErrorCodes.unsupportedMediaType, `Not an HTML page (${contentType ?? 'no content type'})`, {
      details: { contentType },
    });
  }
  return {
    kind: 'ok',
    finalUrl: res.finalUrl,
    html: decodeBody(res.body, contentType),
    etag: res.headers['etag'] ?? null,
    lastModified: res.headers['last-modified'] ?? null,
  };
}
