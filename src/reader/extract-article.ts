/**
 * The main text of an article page: Mozilla's Readability (the Firefox Reader View
 * algorithm) over a linkedom document, after the page's chrome is cut away. Pure: HTML in,
 * article out, no network.
 */
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { htmlToText } from './html-to-text.ts';
import { readPublishedDate, type HtmlDocument } from './article-date.ts';

/** What an article page yields. */
export interface ExtractedArticle {
  /** Plain text, the headline as the page gives it. */
  title: string;
  /** Plain text of the main body, paragraphs joined by single spaces, capped. */
  text: string;
  /** Epoch ms from the page's metadata (meta tags, JSON-LD, <time>), or null when it names none. */
  publishedAt: number | null;
  /** Words of `text`. */
  wordCount: number;
}

/** Limits of one extraction. */
export interface ExtractOptions {
  /** Characters of body text kept at most. */
  maxTextChars?: number;
  /** Fewer body words than this and the page is not an article (a front page, a login wall). */
  minWords?: number;
}

const TITLE_MAX = 300;
const DEFAULT_MAX_TEXT = 50_000;
const DEFAULT_MIN_WORDS = 25;
// Readability ignores pages past this many elements; a huge page is not an article anyway.
const MAX_ELEMS = 20_000;

/**
 * Page furniture no article is ever made of. Readability drops most of it by itself; these
 * go first so a long "most read" list or a fat footer can never outscore a short article.
 */
const CHROME_SELECTORS = [
  'script', 'style', 'noscript', 'template', 'iframe', 'form', 'svg', 'button', 'select',
  'nav', 'aside', 'footer', 'menu', 'dialog',
  '[role="navigation"]', '[role="complementary"]', '[role="contentinfo"]', '[role="banner"]', '[role="search"]',
  '[aria-hidden="true"]', '[hidden]',
];
/** Class or id words of boxes around the article: lists of other stories, sharing, newsletters, comments. */
const CHROME_NAME = /(^|[-_\s])(most[-_]?(read|popular|viewed|shared)|popular|trending|related|recommended|promo|newsletter|subscribe|share|sharing|social|comments?|cookie|consent|breadcrumbs?|sidebar|masthead|site[-_]?(header|footer)|advert|ads?|sponsored|outbrain|taboola|read[-_]?more|more[-_]?stories|tags)([-_\s]|$)/i;

function words(text: string): number {
  const m = text.match(/\S+/g);
  return m ? m.length : 0;
}

function metaContent(document: HtmlDocument, names: string[]): string | null {
  for (const name of names) {
    const el = document.querySelector(`meta[property="${name}"], meta[name="${name}"]`);
    const value = el?.getAttribute('content')?.trim();
    if (value) return value;
  }
  return null;
}

function removeChrome(document: HtmlDocument): void {
  for (const el of [...document.querySelectorAll(CHROME_SELECTORS.join(','))]) el.remove();
  // A <header> inside the article holds its headline and byline; the page's own header is chrome.
  for (const el of [...document.querySelectorAll('header')]) if (!el.closest('article, main')) el.remove();
  for (const el of [...document.querySelectorAll('[class], [id]')]) {
    if (el.closest('body') === null || el.matches('article, main, body')) continue;
    const name = `${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`;
    if (CHROME_NAME.test(name)) el.remove();
  }
}

/**
 * Reads the article of an HTML page: its headline, main text and publication date, or null
 * when the page holds no article (too little running text once the chrome is gone).
 * Navigation, sidebars, "most read" lists, comments and footers are never part of `text`.
 */
export function extractArticle(html: string, url: string, options: ExtractOptions = {}): ExtractedArticle | null {
  const maxText = options.maxTextChars ?? DEFAULT_MAX_TEXT;
  const minWords = options.minWords ?? DEFAULT_MIN_WORDS;
  const { document } = parseHTML(html);
  if (!document.documentElement) return null;
  // Metadata lives in <head> and JSON-LD scripts: read it before the clean-up removes scripts.
  const publishedAt = readPublishedDate(document);
  const metaTitle = metaContent(document, ['og:title', 'twitter:title']);
  removeChrome(document);
  let parsed: ReturnType<Readability['parse']>;
  try {
    // linkedom's document has no baseURI; Readability resolves links against documentURI.
    Object.defineProperty(document, 'documentURI', { value: url, configurable: true });
    parsed = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { maxElemsToParse: MAX_ELEMS, charThreshold: 200 }).parse();
  } catch {
    // Readability refuses a page past maxElemsToParse by throwing: not an article we can read.
    return null;
  }
  if (!parsed || !parsed.content) return null;
  const text = htmlToText(parsed.content, maxText);
  const wordCount = words(text);
  if (wordCount < minWords) return null;
  const title = htmlToText(metaTitle ?? parsed.title ?? '', TITLE_MAX);
  const fallbackDate = parsed.publishedTime ? Date.parse(parsed.publishedTime) : NaN;
  return {
    title,
    text,
    publishedAt: publishedAt ?? (Number.isNaN(fallbackDate) ? null : fallbackDate),
    wordCount,
  };
}
