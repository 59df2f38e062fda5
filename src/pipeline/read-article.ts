import { isAppError } from '../errors.ts';
import type { ArticleRecord } from '../model/article.ts';
import type { GuardedClient } from '../net/guarded-client.ts';
import type { Metrics } from '../observability/metrics.ts';
import { extractArticle } from '../reader/extract-article.ts';
import { fetchArticle } from '../reader/fetch-article.ts';
import type { ArticleStore } from '../storage/article-store.ts';
import { HostBusyError, hostOf, type HostLanes } from './host-lanes.ts';

/** What reading an article page needs: the cache, the guarded client, and the host gate polling uses. */
export interface ReadArticleDeps {
  /** The per-host request slots polling uses (HOST_CONCURRENCY across all workers). */
  hostLanes: Pick<HostLanes, 'run'>;
  now(): number;
  articles: ArticleStore;
  http: Pick<GuardedClient, 'request'>;
  metrics: Pick<Metrics, 'articleReads'>;
  article: {
    totalTimeoutMs: number;
    maxBytes: number;
    /** How long a reading (an article or a page without one) is served from the cache without asking again. */
    freshMs: number;
    /** How long a cache entry is kept at all (a stale one is revalidated with a conditional GET). */
    keepMs: number;
    /** How long a failed fetch is remembered, so a re-poll does not hammer a broken page. */
    failureMs: number;
  };
}

/** How long to wait for a busy host's slot before giving up on an article (it is only an enrichment). */
const SLOT_WAIT_MS = 5000;

/**
 * Errors that say the page's own host is unreachable: its other pages are not tried for a while.
 * Only a failed name lookup is sure to be about that host; a refused address or a reset may
 * come from a redirect's target.
 */
const HOST_DOWN_CODES = new Set(['dns_failure']);

/**
 * Reads the article at a canonical URL: from the cache when fresh, else fetched through the
 * guarded client while holding one of the host's slots (shared with polling, so a site never
 * sees more than HOST_CONCURRENCY requests from us), revalidated with a conditional GET when a
 * stale copy exists, and stored again. Never throws for the page's fault: a refused address,
 * a timeout, a huge or non-HTML answer is a 'failed' record with the error's code.
 */
export async function readArticle(url: string, deps: ReadArticleDeps, opts: { useCache?: boolean } = {}): Promise<ArticleRecord> {
  const useCache = opts.useCache ?? true;
  const cached = await deps.articles.get(url);
  const now = deps.now();
  if (useCache && cached) {
    const ttl = cached.outcome === 'failed' ? deps.article.failureMs : deps.article.freshMs;
    if (now - cached.fetchedAt < ttl) {
      deps.metrics.articleReads.inc({ outcome: 'cached' });
      return cached;
    }
  }
  const host = hostOf(url);
  const down = await deps.articles.hostDown(host);
  if (down !== null) {
    deps.metrics.articleReads.inc({ outcome: 'host-down' });
    return failed(url, down, `The host ${host} could not be reached a moment ago`, now);
  }
  try {
    return await deps.hostLanes.run(url, () => fetchAndRead(url, cached, deps), { maxWaitMs: SLOT_WAIT_MS });
  } catch (err) {
    if (!(err instanceof HostBusyError)) throw err;
    // Not remembered: the host was only busy, the next pass may well find a slot.
    deps.metrics.articleReads.inc({ outcome: 'failed' });
    return failed(url, 'host_busy', err.message, deps.now());
  }
}

function failed(url: string, code: string, message: string, at: number): ArticleRecord {
  return { url, outcome: 'failed', title: null, text: '', publishedAt: null, error: { code, message }, etag: null, lastModified: null, fetchedAt: at };
}

async function fetchAndRead(url: string, cached: ArticleRecord | null, deps: ReadArticleDeps): Promise<ArticleRecord> {
  const started = deps.now();
  let record: ArticleRecord;
  try {
    const revalidate = cached && cached.outcome !== 'failed';
    const fetched = await fetchArticle(deps.http, url, {
      etag: revalidate ? cached.etag : null,
      lastModified: revalidate ? cached.lastModified : null,
      totalTimeoutMs: deps.article.totalTimeoutMs,
      maxBytes: deps.article.maxBytes,
    });
    if (fetched.kind === 'not-modified' && cached) {
      record = { ...cached, fetchedAt: started };
    } else if (fetched.kind === 'ok') {
      const article = extractArticle(fetched.html, fetched.finalUrl);
      record = article
        ? { url, outcome: 'ok', title: article.title || null, text: article.text, publishedAt: article.publishedAt, error: null, etag: fetched.etag, lastModified: fetched.lastModified, fetchedAt: started }
        : { ...failed(url, 'no_article', 'No article could be read on the page', started), outcome: 'no-article', etag: fetched.etag, lastModified: fetched.lastModified };
    } else {
      record = failed(url, 'not_modified', 'A 304 answer without a cached copy', started);
    }
  } catch (err) {
    if (!isAppError(err)) throw err;
    record = failed(url, err.code, err.message, started);
    if (HOST_DOWN_CODES.has(err.code)) await deps.articles.markHostDown(hostOf(url), err.code, deps.article.failureMs);
  }
  deps.metrics.articleReads.inc({ outcome: record.outcome });
  await deps.articles.put(record, record.outcome === 'failed' ? deps.article.failureMs : deps.article.keepMs);
  return record;
}
