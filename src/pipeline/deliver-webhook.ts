import type { Logger } from 'pino';
import { nextRetryDelayMs, verdictOf } from '../alerts/retry-schedule.ts';
import { webhookHeaders } from '../alerts/sign-webhook.ts';
import { isAppError } from '../errors.ts';
import type { GuardedClient } from '../net/guarded-client.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { AlertStore } from '../storage/alert-store.ts';
import type { ItemStore } from '../storage/item-store.ts';

/** What a delivery attempt needs. */
export interface DeliverDeps {
  alerts: AlertStore;
  /** Read once a delivery succeeds, for the item's freshness. */
  items: ItemStore;
  /** Queues the next attempt of a delivery after a delay (idempotent per attempt number). */
  scheduleAttempt(deliveryId: string, attempt: number, delayMs: number): Promise<void>;
  now(): number;
  log: Logger;
  metrics: Pick<Metrics, 'webhookDeliveries' | 'freshness'>;
  /** The process's guarded HTTP client. */
  http: Pick<GuardedClient, 'request'>;
  /** Per attempt: a receiver that does not answer in time is retried later. */
  attemptTimeoutMs: number;
  /** The retry steps (tests shorten them); the default spreads retries over about a day. */
  retryDelaysMs?: readonly number[];
}

/** The outcome of one attempt, for metrics. */
export type DeliveryOutcome = 'delivered' | 'retry' | 'failed' | 'gone' | 'skipped';

const RESPONSE_CAP_BYTES = 64 * 1024;

/**
 * Makes one attempt at a webhook delivery: POST the stored body, signed for this attempt
 * (same webhook-id on every attempt, fresh timestamp), and record the outcome. A 2xx ends
 * it; 410 disables the webhook; other 4xx (but 408 and 429) fail it for good; anything else
 * is retried with backoff over about a day and then kept as failed, never dropped.
 * Safe to run twice: a delivery that is no longer pending is left alone.
 */
export async function deliverWebhook(deliveryId: string, deps: DeliverDeps): Promise<DeliveryOutcome> {
  const outcome = await attemptDelivery(deliveryId, deps);
  deps.metrics.webhookDeliveries.inc({ outcome: outcome.outcome });
  if (outcome.outcome === 'delivered') observeFreshness(outcome.itemId, deps);
  return outcome.outcome;
}

/** Seconds from the item's publication to its delivery, off the job's path (a failed read only loses a sample). */
function observeFreshness(itemId: string, deps: DeliverDeps): void {
  void deps.items.getMany([itemId]).then(([item]) => {
    if (item?.hasPublishedDate) deps.metrics.freshness.observe({ stage: 'delivered' }, Math.max(0, (deps.now() - item.publishedAt) / 1000));
  }, () => {});
}

async function attemptDelivery(deliveryId: string, deps: DeliverDeps): Promise<{ outcome: DeliveryOutcome; itemId: string }> {
  const delivery = await deps.alerts.getDelivery(deliveryId);
  if (!delivery || delivery.status !== 'pending') return { outcome: 'skipped', itemId: delivery?.itemId ?? '' };
  const alert = await deps.alerts.get(delivery.alertId);
  const attempts = delivery.attempts + 1;
  if (!alert || !alert.webhook || alert.webhook.disabled) {
    await deps.alerts.updateDelivery(deliveryId, {
      status: 'failed',
      attempts: delivery.attempts,
      lastStatus: delivery.lastStatus,
      lastError: !alert ? 'The alert was deleted.' : 'The webhook is disabled.',
      nextAttemptAt: null,
    });
    return { outcome: 'failed', itemId: delivery.itemId };
  }

  let status: number | null = null;
  let error: string | null = null;
  try {
    const timestamp = Math.floor(deps.now() / 1000);
    const response = await deps.http.request({
      method: 'POST',
      url: alert.webhook.url,
      headers: { 'content-type': 'application/json', ...webhookHeaders(alert.webhook.secret, delivery.webhookId, timestamp, delivery.body) },
      body: delivery.body,
      // Receivers answer; they do not redirect. Following one would re-target the signed body.
      maxRedirects: 0,
      totalTimeoutMs: deps.attemptTimeoutMs,
      maxBytes: RESPONSE_CAP_BYTES,
    });
    status = response.status;
    if (status < 200 || status >= 300) error = `HTTP ${status}`;
  } catch (err) {
    if (!isAppError(err)) throw err;
    // Body too large still means the receiver answered; every other fault is transient or blocked.
    error = err.message;
  }

  const verdict = verdictOf(status);
  const log = deps.log.child({ deliveryId, alertId: alert.id, attempts, status });
  if (verdict === 'delivered') {
    await deps.alerts.updateDelivery(deliveryId, { status: 'delivered', attempts, lastStatus: status, lastError: null, nextAttemptAt: null });
    log.info('webhook delivered');
    return { outcome: 'delivered', itemId: delivery.itemId };
  }
  if (verdict === 'gone' || verdict === 'failed') {
    if (verdict === 'gone') await deps.alerts.disableWebhook(alert.id);
    await deps.alerts.updateDelivery(deliveryId, {
      status: 'failed',
      attempts,
      lastStatus: status,
      lastError: verdict === 'gone' ? `HTTP 410 Gone: the webhook was disabled` : error,
      nextAttemptAt: null,
    });
    log.warn({ verdict }, 'webhook delivery failed');
    return { outcome: verdict, itemId: delivery.itemId };
  }
  const delay = nextRetryDelayMs(attempts, Math.random, deps.retryDelaysMs);
  if (delay === null) {
    await deps.alerts.updateDelivery(deliveryId, { status: 'failed', attempts, lastStatus: status, lastError: `${error}; gave up after ${attempts} attempts`, nextAttemptAt: null });
    log.warn('webhook delivery exhausted its retries');
    return { outcome: 'failed', itemId: delivery.itemId };
  }
  const nextAttemptAt = deps.now() + delay;
  await deps.alerts.updateDelivery(deliveryId, { status: 'pending', attempts, lastStatus: status, lastError: error, nextAttemptAt });
  await deps.scheduleAttempt(deliveryId, attempts + 1, delay);
  log.info({ nextAttemptAt }, 'webhook delivery will be retried');
  return { outcome: 'retry', itemId: delivery.itemId };
}
