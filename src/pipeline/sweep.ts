import type { AlertStore } from '../storage/alert-store.ts';
import type { AnchorStore } from '../storage/anchor-store.ts';
import type { ItemStore } from '../storage/item-store.ts';

/** What a sweep needs. */
export interface SweepDeps {
  items: ItemStore;
  alerts: AlertStore;
  anchors: AnchorStore;
  /** Queues an attempt of a delivery again (same job id as the lost one: idempotent). */
  requeueDelivery(deliveryId: string, attempt: number): Promise<void>;
  /** Queues tagging of stored items (idempotent). */
  enqueueTagging(itemIds: string[]): Promise<void>;
  now(): number;
  /** Items published before now minus this leave every index (RETENTION_DAYS). */
  retentionMs: number;
}

/** A delivery or a tag job this long overdue counts as lost (its process died). */
const LOST_AFTER_MS = 30_000;
/** Items retired per sweep at most, so one sweep never holds the queue for long. */
const RETIRE_PER_SWEEP = 20_000;
/** Digest stream entries older than this are trimmed; a client that far behind reloads. */
const STREAM_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
const REQUEUE_LIMIT = 1000;
const TAG_BATCH = 100;

/**
 * The periodic repair pass: work that a crash lost is queued again (overdue deliveries,
 * items stored but never tagged), retention retires old items from every index at once
 * (and old spike series), and digest streams are trimmed by age. Every step is idempotent,
 * so two sweeps at once change nothing twice.
 */
export async function sweep(deps: SweepDeps): Promise<{ requeued: number; retired: number }> {
  const now = deps.now();
  // Deliveries whose next attempt is overdue (a lost job) are queued again, same job id.
  for (const { id } of await deps.alerts.dueDeliveries(now - LOST_AFTER_MS, REQUEUE_LIMIT)) {
    const delivery = await deps.alerts.getDelivery(id);
    if (delivery) await deps.requeueDelivery(id, delivery.attempts + 1);
  }
  // Items whose tag job was lost (a crash between storing and queueing) are queued again.
  const ids = await deps.items.untaggedBefore(now - LOST_AFTER_MS, REQUEUE_LIMIT);
  for (let i = 0; i < ids.length; i += TAG_BATCH) await deps.enqueueTagging(ids.slice(i, i + TAG_BATCH));
  // Retention: old items leave every index at once; older spike series too.
  const cutoff = now - deps.retentionMs;
  let retired = 0;
  for (let n = -1; n !== 0 && retired < RETIRE_PER_SWEEP; retired += n) n = await deps.items.retireBefore(cutoff, 500);
  for (const alert of await deps.alerts.listAll()) if (alert.spike) await deps.alerts.trimMatchesBefore(alert.id, cutoff);
  // Digest streams are capped by length as they grow, and by age here.
  for (const anchor of await deps.anchors.list()) await deps.items.trimDigestStream(anchor.id, `${now - STREAM_MAX_AGE_MS}-0`);
  return { requeued: ids.length, retired };
}
