/** The publication date an article page states about itself. Pure. */
import type { parseHTML } from 'linkedom';

/** A parsed page (linkedom's document). */
export type HtmlDocument = ReturnType<typeof parseHTML>['document'];

const META_NAMES = [
  'article:published_time',
  'og:article:published_time',
  'datePublished',
  'pubdate',
  'publishdate',
  'publish-date',
  'date',
  'dc.date',
  'dc.date.issued',
  'dcterms.created',
  'sailthru.date',
  'parsely-pub-date',
];

function toMs(value: unknown): number | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const ms = Date.parse(value.trim());
  return Number.isNaN(ms) ? null : ms;
}

/** The datePublished of the first JSON-LD object (or @graph member) that has one. */
function fromJsonLd(document: HtmlDocument): number | null {
  for (const script of document.querySelectorAll('script[type="application/ld+json"]')) {
    let data: unknown;
    try {
      data = JSON.parse(script.textContent ?? '');
    } catch {
      continue; // a broken block among several is common; the others may be fine
    }
    const queue: unknown[] = [data];
    for (let i = 0; i < queue.length && i < 200; i++) {
      const node = queue[i];
      if (Array.isArray(node)) queue.push(...node);
      else if (node && typeof node === 'object') {
        const record = node as Record<string, unknown>;
        const ms = toMs(record.datePublished) ?? toMs(record.dateCreated);
        if (ms !== null) return ms;
        if (record['@graph']) queue.push(record['@graph']);
      }
    }
  }
  return null;
}

/**
 * Epoch ms of the page's publication date: meta tags (Open Graph, Dublin Core, the common
 * CMS names), then JSON-LD `datePublished`, then an `itemprop="datePublished"` or the first
 * `<time datetime>` of the article; null when none parses.
 */
export function readPublishedDate(document: HtmlDocument): number | null {
  for (const name of META_NAMES) {
    const el = document.querySelector(`meta[property="${name}"], meta[name="${name}"], meta[itemprop="${name}"]`);
    const ms = toMs(el?.getAttribute('content'));
    if (ms !== null) return ms;
  }
  const ld = fromJsonLd(document);
  if (ld !== null) return ld;
  const itemprop = document.querySelector('[itemprop="datePublished"]');
  const fromItemprop = toMs(itemprop?.getAttribute('datetime') ?? itemprop?.getAttribute('content'));
  if (fromItemprop !== null) return fromItemprop;
  const time = document.querySelector('article time[datetime], main time[datetime]') ?? document.querySelector('time[datetime]');
  return toMs(time?.getAttribute('datetime'));
}
