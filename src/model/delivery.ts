/** Deliveries of alert events through a channel (a webhook today), with their retries. */
import type { DigestItem } from './digest-item.ts';

/** Where a delivery stands: still being tried, done, or given up (kept, never dropped). */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One delivery of one alert event through one channel. */
export interface DeliveryRecord {
  /** The delivery's id, the same on every attempt (the Standard Webhooks `webhook-id`). */
  webhookId: string;
  /** The channel kind that delivers it ("webhook"). */
  channel: string;
  alertId: string;
  itemId: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: number | null;
  createdAt: number;
  /** The payload as the channel rendered it when the hit was recorded. */
  body: string;
}

/** What an alert fired with: one item (a keyword alert) or a burst of them (a spike alert). */
export type AlertEvent =
  | { type: 'alert.hit'; alert: { id: string; name: string }; item: DigestItem }
  | { type: 'alert.spike'; alert: { id: string; name: string }; count: number; baseline: number; items: DigestItem[] };
