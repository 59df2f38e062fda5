import type { AnchorRecord } from '../model/anchor.ts';
import type { DigestItem } from '../model/digest-item.ts';
import type { StoredItem } from '../model/item.ts';

/** ISO 8601 UTC, or null. */
function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

const SNIPPET_CHARS = 280;

/** A snippet of the summary, cut at a word boundary. */
export function snippetOf(summary: string): string {
  if (summary.length <= SNIPPET_CHARS) return summary;
  const cut = summary.lastIndexOf(' ', SNIPPET_CHARS);
  return `${summary.slice(0, cut > SNIPPET_CHARS / 2 ? cut : SNIPPET_CHARS)}…`;
}

/** An item with its tags for one anchor and the other feeds that carried the same link. */
export function presentDigestItem(item: StoredItem, anchor: AnchorRecord | null, feedTitles: Map<string, string | null>): DigestItem {
  const tags = anchor ? item.tags[anchor.id] : undefined;
  const byKey = new Map((anchor?.entities ?? []).map((e) => [e.key, e]));
  return {
    id: item.id,
    title: item.title,
    link: item.link,
    source: { feedId: item.feedId, title: feedTitles.get(item.feedId) ?? null },
    publishedAt: iso(item.publishedAt),
    firstSeenAt: iso(item.firstSeenAt),
    score: tags?.score ?? null,
    entities: (tags?.entities ?? []).map((t) => {
      const entity = byKey.get(t.key);
      return { key: t.key, name: entity?.name ?? t.key, kind: entity?.kind ?? 'topic', count: t.count };
    }),
    snippet: snippetOf(item.summary),
    why: tags
      ? { score: tags.score, threshold: tags.why?.threshold ?? 0, evidence: tags.why?.evidence ?? [], judged: tags.judged ?? null }
      : null,
    alsoReportedBy: Object.entries(item.sources)
      .filter(([feedId]) => feedId !== item.feedId)
      .map(([feedId, link]) => ({ feedId, title: feedTitles.get(feedId) ?? null, link: link || item.link })),
    fullText: item.fullText,
  };
}
