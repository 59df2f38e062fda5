import type { DigestItem } from '../model/digest-item.ts';

/** What a syndication document describes. */
export interface SyndicationInput {
  anchor: { id: string; title: string; url: string | null };
  items: DigestItem[];
  /** Absolute URL of this document. */
  selfUrl: string;
  /** Absolute URL of the dashboard. */
  homeUrl: string;
  /**
   * The last change of the digest outside its entries (the anchor edited, an item entering
   * late with an old date), ISO 8601; the feed's `updated` is never older than its newest entry.
   */
  changedAt: string;
}

/**
 * When an entry last changed in a way a reader cares about: its publication time, or its
 * first-seen time where it has none or claims one after it was seen (a clock in the future).
 */
export function entryTime(item: DigestItem): string {
  const seen = item.firstSeenAt;
  const published = item.publishedAt;
  if (published && (!seen || Date.parse(published) <= Date.parse(seen))) return published;
  return seen ?? published ?? new Date(0).toISOString();
}

/**
 * The feed's own `updated`: the newest of its entries' times and the digest's last change.
 * Built from stored times only, so an unchanged digest gives a byte-identical document.
 */
export function feedUpdated(input: Pick<SyndicationInput, 'items' | 'changedAt'>): string {
  let newest = Date.parse(input.changedAt);
  for (const item of input.items) newest = Math.max(newest, Date.parse(entryTime(item)));
  return new Date(newest).toISOString();
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function escapeHtml(text: string): string {
  return escapeXml(text);
}

/** Only http(s) links are ever written out. */
function safeLink(link: string | null): string | null {
  return link && /^https?:\/\//i.test(link) ? link : null;
}

/**
 * The HTML body of an entry, built only from escaped text and checked links: feed content
 * never passes through as markup, so nothing a feed sent can run in a reader.
 */
export function entryHtml(item: DigestItem): string {
  const parts = [`<p>${escapeHtml(item.snippet)}</p>`];
  const source = item.source.title ?? item.source.feedId;
  parts.push(`<p>Source: ${escapeHtml(source)}</p>`);
  if (item.entities.length > 0) {
    parts.push(`<p>Mentions: ${item.entities.map((e) => `${escapeHtml(e.name)} (${e.count})`).join(', ')}</p>`);
  }
  if (item.alsoReportedBy.length > 0) {
    const others = item.alsoReportedBy.map((r) => {
      const name = escapeHtml(r.title ?? r.feedId);
      const href = safeLink(r.link);
      return href ? `<a href="${escapeXml(href)}">${name}</a>` : name;
    });
    parts.push(`<p>Also reported by: ${others.join(', ')}</p>`);
  }
  return parts.join('');
}

/** The digest as an Atom 1.0 document (RFC 4287). */
export function buildAtomFeed(input: SyndicationInput): string {
  const updated = feedUpdated(input);
  const entries = input.items.map((item) => {
    const link = safeLink(item.link);
    const time = entryTime(item);
    return [
      '  <entry>',
      `    <id>urn:anchorwatch:item:${escapeXml(item.id)}</id>`,
      `    <title type="text">${escapeXml(item.title)}</title>`,
      `    <updated>${escapeXml(time)}</updated>`,
      `    <published>${escapeXml(time)}</published>`,
      link ? `    <link rel="alternate" type="text/html" href="${escapeXml(link)}"/>` : '',
      `    <author><name>${escapeXml(item.source.title ?? item.source.feedId)}</name></author>`,
      ...item.entities.map((e) => `    <category term="${escapeXml(e.key)}" label="${escapeXml(e.name)}"/>`),
      `    <summary type="text">${escapeXml(item.snippet)}</summary>`,
      `    <content type="html">${escapeXml(entryHtml(item))}</content>`,
      '  </entry>',
    ]
      .filter(Boolean)
      .join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>urn:anchorwatch:digest:${escapeXml(input.anchor.id)}</id>`,
    `  <title type="text">Anchorwatch digest: ${escapeXml(input.anchor.title)}</title>`,
    `  <updated>${escapeXml(updated)}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(input.selfUrl)}"/>`,
    `  <link rel="alternate" type="text/html" href="${escapeXml(safeLink(input.anchor.url) ?? input.homeUrl)}"/>`,
    '  <author><name>Anchorwatch</name></author>',
    '  <generator uri="https://github.com/anchorwatch/anchorwatch">Anchorwatch</generator>',
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}

/** The digest as a JSON Feed 1.1 document. */
export function buildJsonFeed(input: SyndicationInput): Record<string, unknown> {
  return {
    version: 'https://jsonfeed.org/version/1.1',
    title: `Anchorwatch digest: ${input.anchor.title}`,
    home_page_url: safeLink(input.anchor.url) ?? input.homeUrl,
    feed_url: input.selfUrl,
    description: `Coverage relevant to "${input.anchor.title}", one entry per story.`,
    authors: [{ name: 'Anchorwatch' }],
    items: input.items.map((item) => {
      const link = safeLink(item.link);
      return {
        id: item.id,
        ...(link ? { url: link } : {}),
        title: item.title,
        content_html: entryHtml(item),
        summary: item.snippet,
        date_published: entryTime(item),
        date_modified: entryTime(item),
        authors: [{ name: item.source.title ?? item.source.feedId }],
        tags: item.entities.map((e) => e.name),
        _anchorwatch: { score: item.score, entities: item.entities, alsoReportedBy: item.alsoReportedBy },
      };
    }),
  };
}
