import type { Logger } from 'pino';
import type { DeliveryChannels, DeliveryContext } from '../alerts/channels/channel.ts';
import { nextRetryDelayMs } from '../alerts/retry-schedule.ts';
import type { ChannelKind } from '../model/alert.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { AlertStore } from '../storage/alert-store.ts';
import type { ItemStore } from '../storage/item-store.ts';

/** What a delivery attempt needs. */
export interface DeliverDeps extends DeliveryContext {
  alerts: AlertStore;
  /** Read once a delivery succeeds, for the item's freshness. */
  items: ItemStore;
  channels: DeliveryChannels;
  /** Queues the next attempt of a delivery after a delay (idempotent per attempt number). */
  scheduleAttempt(deliveryId: string, attempt: number, delayMs: number): Promise<void>;
  log: Logger;
  metrics: Pick<Metrics, 'webhookDeliveries' | 'freshness'>;
  /** The retry steps (tests shorten them); the default spreads retries over about a day. */
  retryDelaysMs?: readonly number[];
}

/** The outcome of one attempt, for metrics. */
export type DeliveryOutcome = 'delivered' | 'retry' | 'failed' | 'gone' | 'skipped';

/**
 * Makes one attempt at a delivery through its channel and records the outcome, the same way
 * for every channel: delivered ends it; "gone" disables the alert's target on that channel;
 * "failed" ends it for good; "retry" schedules the next attempt with backoff over about a
 * day, after which it is kept as failed, never dropped. Safe to run twice: a delivery that
 * is no longer pending is left alone.
 */
export async function deliverAlert(deliveryId: string, deps: DeliverDeps): Promise<DeliveryOutcome> {
  const outcome = await attemptDelivery(deliveryId, deps);
  deps.metrics.webhookDeliveries.inc({ outcome: outcome.outcome, channel: outcome.channel });
  if (outcome.outcome === 'delivered') observeFreshness(outcome.itemId, deps);
  return outcome.outcome;
}

/** Seconds from the item's publication to its delivery, off the job's path (a failed read only loses a sample). */
function observeFreshness(itemId: string, deps: DeliverDeps): void {
  void deps.items.getMany([itemId]).then(([item]) => {
    if (item?.hasPublishedDate) deps.metrics.freshness.observe({ stage: 'delivered' }, Math.max(0, (deps.now() - item.publishedAt) / 1000));
  }, () => {});
}

async function attemptDelivery(deliveryId: string, deps: DeliverDeps): Promise<{ outcome: DeliveryOutcome; itemId: string; channel: string }> {
  const delivery = await deps.alerts.getDelivery(deliveryId);
  if (!delivery || delivery.status !== 'pending') return { outcome: 'skipped', itemId: delivery?.itemId ?? '', channel: delivery?.channel ?? 'webhook' };
  const alert = await deps.alerts.get(delivery.alertId);
  const channel = deps.channels[delivery.channel as ChannelKind] ?? null;
  const target = alert && channel ? channel.targetOf(alert) : null;
  const attempts = delivery.attempts + 1;
  if (!alert || !channel || !target) {
    const reason = !alert ? 'The alert was deleted.' : !channel ? `No ${delivery.channel} channel in this process.` : `The ${channel.kind} is disabled.`;
    await deps.alerts.updateDelivery(deliveryId, { status: 'failed', attempts: delivery.attempts, lastStatus: delivery.lastStatus, lastError: reason, nextAttemptAt: null });
    return { outcome: 'failed', itemId: delivery.itemId, channel: delivery.channel };
  }

  const result = await channel.deliver({ id: delivery.webhookId, body: delivery.body }, target as never, deps);
  const verdict = channel.classify(result);
  const status = result.status;
  const log = deps.log.child({ deliveryId, alertId: alert.id, channel: channel.kind, attempts, status });
  if (verdict === 'delivered') {
    await deps.alerts.updateDelivery(deliveryId, { status: 'delivered', attempts, lastStatus: status, lastError: null, nextAttemptAt: null });
    log.info('alert delivered');
    return { outcome: 'delivered', itemId: delivery.itemId, channel: delivery.channel };
  }
  if (verdict === 'gone' || verdict === 'failed') {
    if (verdict === 'gone') await deps.alerts.disableTarget(alert.id, channel.kind);
    await deps.alerts.updateDelivery(deliveryId, {
      status: 'failed',
      attempts,
      lastStatus: status,
      lastError: verdict === 'gone' ? channel.goneReason(result) : result.error,
      nextAttemptAt: null,
    });
    log.warn({ verdict }, 'alert delivery failed');
    return { outcome: verdict, itemId: delivery.itemId, channel: delivery.channel };
  }
  const delay = nextRetryDelayMs(attempts, Math.random, deps.retryDelaysMs);
  if (delay === null) {
    await deps.alerts.updateDelivery(deliveryId, { status: 'failed', attempts, lastStatus: status, lastError: `${result.error}; gave up after ${attempts} attempts`, nextAttemptAt: null });
    log.warn('alert delivery exhausted its retries');
    return { outcome: 'failed', itemId: delivery.itemId, channel: delivery.channel };
  }
  const nextAttemptAt = deps.now() + delay;
  await deps.alerts.updateDelivery(deliveryId, { status: 'pending', attempts, lastStatus: status, lastError: result.error, nextAttemptAt });
  await deps.scheduleAttempt(deliveryId, attempts + 1, delay);
  log.info({ nextAttemptAt }, 'alert delivery will be retried');
  return { outcome: 'retry', itemId: delivery.itemId, channel: delivery.channel };
}
