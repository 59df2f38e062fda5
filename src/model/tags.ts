/** The tagging result of one item against one anchor, as stored and read by every layer. */
export interface ItemTags {
  /** Entity keys of the anchor the item mentions, with how often. */
  entities: Array<{ key: string; count: number }>;
  score: number;
  relevant: boolean;
  /** The anchor version that produced these tags. */
  version: number;
}
