/**
 * Article pages with heavy chrome, for the extraction tests, the full-text eval and the
 * benchmark: each page knows its article words and its chrome words, so what an extractor
 * kept and dropped can be counted.
 */

/** One generated page. */
export interface ArticlePage {
  html: string;
  title: string;
  /** The article's running text (what extraction must keep). */
  body: string;
  /** Every word of the page's furniture (what extraction must drop). */
  chrome: string;
  publishedAt: string;
}

/** The page layouts: semantic HTML5, CMS div soup, and a news site with boxes inside the article. */
export const LAYOUTS = ['semantic', 'div-soup', 'boxed'] as const;
export type Layout = (typeof LAYOUTS)[number];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const NAV = ['Home', 'World', 'Business', 'Sport', 'Culture', 'Travel', 'Weather', 'Podcasts', 'Crosswords'];
const MOST_READ = [
  'Celebrity chef opens seaside bistro to queues',
  'Football club sacks manager after derby defeat',
  'Lottery jackpot rolls over for fifth week',
  'Ten gadgets reviewers loved this winter',
  'Pop star announces farewell stadium tour',
];
const FOOTER = 'Copyright Gazette Media Group. Terms of use. Privacy notice. Cookie settings. Contact us. Advertise with us. Careers.';
const NEWSLETTER = 'Sign up to our morning briefing newsletter delivered free every weekday';
const COOKIE = 'We use cookies to personalise content and ads. Accept all cookies or manage preferences.';

function paragraphs(body: string): string[] {
  // Sentences grouped three by three: real articles have several paragraphs.
  const sentences = body.match(/[^.!?]+[.!?]+["”’]?\s*|[^.!?]+$/g) ?? [body];
  const out: string[] = [];
  for (let i = 0; i < sentences.length; i += 3) out.push(sentences.slice(i, i + 3).join('').trim());
  return out.filter(Boolean);
}

/** Builds a page in one layout around an article (`title`, `body`). The date goes in meta tags and JSON-LD. */
export function articlePage(title: string, body: string, layout: Layout, publishedAt = '2026-11-30T09:15:00Z'): ArticlePage {
  const ps = paragraphs(body).map((p) => `<p>${esc(p)}</p>`);
  const nav = NAV.map((n) => `<li><a href="/${n.toLowerCase()}">${n}</a></li>`).join('');
  const mostRead = MOST_READ.map((m, i) => `<li><a href="/story/${i}">${esc(m)}</a></li>`).join('');
  const jsonLd = `<script type="application/ld+json">${JSON.stringify({ '@context': 'https://schema.org', '@type': 'NewsArticle', headline: title, datePublished: publishedAt })}</script>`;
  const head = `<head><meta charset="utf-8"><title>${esc(title)} | The Gazette</title><meta property="og:title" content="${esc(title)}"><meta property="article:published_time" content="${publishedAt}">${jsonLd}<style>body{font:16px serif}</style></head>`;
  let html: string;
  let chromeParts: string[];
  if (layout === 'semantic') {
    html = `<!doctype html><html lang="en">${head}<body>
<header><a href="/">The Gazette</a><nav><ul>${nav}</ul></nav></header>
<main><article><header><h1>${esc(title)}</h1><p class="byline">By a staff reporter</p></header>${ps.join('\n')}</article>
<aside><h2>Most read</h2><ol>${mostRead}</ol></aside></main>
<footer><p>${FOOTER}</p></footer><script>window.analytics = { track: true };</script></body></html>`;
    chromeParts = [...NAV, 'Most read', ...MOST_READ, FOOTER];
  } else if (layout === 'div-soup') {
    html = `<!doctype html><html>${head}<body>
<div id="cookie-consent">${COOKIE}</div>
<div class="site-header"><div class="logo">The Gazette</div><div class="menu"><ul>${nav}</ul></div></div>
<div class="wrapper"><div class="content"><h1 class="headline">${esc(title)}</h1><div class="story-body">${ps.join('\n')}</div></div>
<div class="sidebar"><h3>Most popular</h3><ul>${mostRead}</ul></div></div>
<div class="site-footer">${FOOTER}</div></body></html>`;
    chromeParts = [COOKIE, ...NAV, 'Most popular', ...MOST_READ, FOOTER];
  } else {
    const half = Math.ceil(ps.length / 2);
    html = `<!doctype html><html>${head}<body>
<nav class="top"><ul>${nav}</ul></nav>
<article><h1>${esc(title)}</h1><div class="share-tools"><a>Share on Facebook</a><a>Share by email</a></div>
${ps.slice(0, half).join('\n')}
<div class="newsletter-signup"><p>${NEWSLETTER}</p></div>
${ps.slice(half).join('\n')}
<div class="related-stories"><h3>Related stories</h3><ul>${mostRead}</ul></div></article>
<section class="comments"><h3>Comments</h3><p>Reader comments are closed for this article after seven days</p></section>
<footer>${FOOTER}</footer></body></html>`;
    chromeParts = [...NAV, 'Share on Facebook', 'Share by email', NEWSLETTER, 'Related stories', ...MOST_READ, 'Comments', 'Reader comments are closed for this article after seven days', FOOTER];
  }
  return { html, title, body, chrome: chromeParts.join(' '), publishedAt };
}

/** Lower-cased word tokens. */
export function tokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * How well an extracted text matches a page: the share of the body's words it kept and the
 * share of the chrome's words (those not also in the body) it dropped, as multisets.
 */
export function extractionScore(extracted: string, page: Pick<ArticlePage, 'body' | 'chrome'>): { bodyKept: number; chromeDropped: number } {
  const got = new Map<string, number>();
  for (const t of tokens(extracted)) got.set(t, (got.get(t) ?? 0) + 1);
  const bodyWords = tokens(page.body);
  const bodySet = new Set(bodyWords);
  let kept = 0;
  for (const t of bodyWords) {
    const n = got.get(t) ?? 0;
    if (n > 0) {
      kept++;
      got.set(t, n - 1);
    }
  }
  // Chrome words that also occur in the body cannot be told apart by word; leave them out.
  const chromeWords = tokens(page.chrome).filter((t) => !bodySet.has(t));
  let leaked = 0;
  for (const t of chromeWords) {
    const n = got.get(t) ?? 0;
    if (n > 0) {
      leaked++;
      got.set(t, n - 1);
    }
  }
  return {
    bodyKept: bodyWords.length === 0 ? 1 : kept / bodyWords.length,
    chromeDropped: chromeWords.length === 0 ? 1 : 1 - leaked / chromeWords.length,
  };
}
