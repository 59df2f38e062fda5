/** Alerts: keyword and spike rules, their targets and their hits. */

/** The window, baseline and threshold of a spike alert. */
export interface SpikeRule {
  entity?: string;
  query?: string;
  windowMinutes: number;
  baselineHours: number;
  factor: number;
  minCount: number;
}

/** Where a webhook alert posts; the secret never leaves storage except to sign. */
export interface WebhookTarget {
  url: string;
  secret: string;
  /** True once the receiver answered 410 Gone. */
  disabled: boolean;
  /** The body's shape: the JSON event, or a Slack-compatible message; absent on records from before formats (standard). */
  format?: WebhookFormat;
}

/** What a webhook posts: the JSON event (`standard`) or a Slack-compatible `{ text, blocks }` message. */
export type WebhookFormat = 'standard' | 'slack';

/** Where an e-mail alert writes: one message per hit to these addresses. */
export interface EmailTarget {
  to: string[];
  /** Never set today (a mail server has no "gone" answer); kept so every target has the same switch. */
  disabled: boolean;
}

/** Every channel an alert may deliver through, with the shape of its target: one field of the alert each. */
export interface AlertTargets {
  webhook: WebhookTarget;
  email: EmailTarget;
}

/** The kind of a delivery channel: the name of its field on an alert ("webhook"). */
export type ChannelKind = keyof AlertTargets;

/** An alert as stored: its rule, and a target field per channel (null where it has none). */
export type AlertRecord = AlertRule & { [K in ChannelKind]: AlertTargets[K] | null };

/** What an alert matches and who owns it. */
export interface AlertRule {
  id: string;
  /** The key that owns it: a user key id, or "admin". */
  owner: string;
  name: string;
  /** The keyword query; for a spike alert on a query, the same text. */
  query: string | null;
  anchorId: string;
  spike: SpikeRule | null;
  createdAt: number;
}

/** A hit as listed by the API. */
export interface AlertHit {
  itemId: string;
  matchedAt: number;
}
