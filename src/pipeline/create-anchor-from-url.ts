import { AppError, ErrorCodes } from '../errors.ts';
import type { AnchorRecord } from '../model/anchor.ts';
import type { ArticleRecord } from '../model/article.ts';
import { canonicalUrl } from '../reader/canonical-url.ts';
import { createAnchor } from './create-anchor.ts';
import type { AnchorDeps } from './register-anchor.ts';

/** What a source piece by URL needs besides anchor registration: an article reader (the guarded client, the cache). */
export interface AnchorFromUrlDeps extends AnchorDeps {
  /** Validates the URL under the SSRF policy before anything is fetched. */
  checkUrl(url: string): Promise<URL>;
  /** Reads the article at a canonical URL (never throws for the page's fault). */
  readArticle(url: string): Promise<ArticleRecord>;
}

/** The ISO date of a page's stated publication time, or undefined. */
function isoOf(ms: number | null): string | undefined {
  return ms === null || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * Creates an anchor from the article at a URL: fetched through the guarded client, its title,
 * main text and publication date read from the page. Throws AppError: invalidUrl or
 * blockedAddress for a refused URL, noArticle when the page cannot be fetched or holds no
 * article (the API answers 400 to each).
 */
export async function createAnchorFromUrl(input: { url: string; title?: string }, deps: AnchorFromUrlDeps): Promise<AnchorRecord> {
  const url = canonicalUrl(input.url);
  if (url === null) throw new AppError(ErrorCodes.invalidUrl, 'The URL must be an absolute http(s) URL', { fieldErrors: [{ field: 'url', message: 'must be an http(s) URL' }] });
  await deps.checkUrl(url);
  const article = await deps.readArticle(url);
  if (article.outcome !== 'ok') {
    const why = article.outcome === 'no-article' ? 'the page holds no article text' : `the page could not be fetched (${article.error?.message ?? 'unknown error'})`;
    throw new AppError(ErrorCodes.noArticle, `No article could be read at ${url}: ${why}`, {
      details: { reason: article.error?.code ?? article.outcome },
      fieldErrors: [{ field: 'url', message: why }],
    });
  }
  const title = input.title ?? article.title ?? url;
  return createAnchor({ title, text: article.text, url, publishedAt: isoOf(article.publishedAt) }, deps);
}
