/** Digest subscriptions: scheduled e-mails of the stories that entered an anchor's digest. */

/** How often a digest e-mail goes out. */
export type SubscriptionEvery = 'hour' | 'day' | 'week';

/** A digest subscription as stored. */
export interface SubscriptionRecord {
  id: string;
  /** The key that owns it: a user key id, or "admin". */
  owner: string;
  anchorId: string;
  email: string;
  every: SubscriptionEvery;
  /** Local time of day "HH:MM" (for `hour`, only the minutes count; `week` sends on Mondays). */
  at: string;
  /** IANA time zone of `at`. */
  tz: string;
  /** Stories scoring below this are left out; null keeps every story of the digest. */
  minScore: number | null;
  lastSentAt: number | null;
  nextSendAt: number;
  createdAt: number;
  /** The digest stream id up to which stories were already considered: the next e-mail starts after it. */
  cursor: string;
  /** Part of the signed unsubscribe token; a new subscription never accepts an old one's token. */
  nonce: string;
}
