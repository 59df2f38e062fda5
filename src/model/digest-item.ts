import type { Evidence } from './story.ts';

/** The contract's DigestItem: one story of a digest as the API, the streams and alerts show it. */
export interface DigestItem {
  id: string;
  title: string;
  link: string | null;
  source: { feedId: string; title: string | null };
  publishedAt: string | null;
  firstSeenAt: string | null;
  score: number | null;
  entities: Array<{ key: string; name: string; kind: string; count: number }>;
  snippet: string;
  /** Why it scored as it did, with the analyst's verdict; null when not scored for the anchor. */
  why: { score: number; threshold: number; evidence: Evidence[]; judged: boolean | null } | null;
  alsoReportedBy: Array<{ feedId: string; title: string | null; link: string | null }>;
  /** True when the item was tagged and scored with its article page's main text too. */
  fullText: boolean;
}
