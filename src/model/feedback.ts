/** An analyst's verdict on one item for one anchor: in the digest or out, whatever its score. */
export interface Verdict {
  itemId: string;
  relevant: boolean;
  /** Epoch ms when it was given. */
  at: number;
}
