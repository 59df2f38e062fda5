/** The tagging result of one item against one anchor, as stored and read by every layer. */
import type { Evidence } from './story.ts';

export interface ItemTags {
  /** Entity keys of the anchor the item mentions, with how often. */
  entities: Array<{ key: string; count: number }>;
  score: number;
  relevant: boolean;
  /** The anchor version that produced these tags. */
  version: number;
  /** Why the score is what it is: the digest threshold and what counted (absent on tags written before it existed). */
  why?: { threshold: number; evidence: Evidence[] };
  /** The analyst's verdict on this item, when there is one. */
  judged?: boolean | null;
}
