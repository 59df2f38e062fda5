import type { Logger } from 'pino';
import { renderDigestEmail } from '../digest/render-digest-email.ts';
import { signUnsubscribeToken } from '../digest/unsubscribe-token.ts';
import type { DigestItem } from '../model/digest-item.ts';
import type { MailSender } from '../net/smtp-mailer.ts';
import { nextDigestTime } from '../scheduling/next-digest-time.ts';
import type { AnchorStore } from '../storage/anchor-store.ts';
import type { StreamStore } from '../storage/stream-store.ts';
import type { SubscriptionStore } from '../storage/subscription-store.ts';
import type { DigestReader } from './digest-reader.ts';

/** Stories one digest e-mail lists at most (the newest). */
const MAX_STORIES = 50;
/** Digest stream entries read per e-mail at most. */
const MAX_ENTRIES = 2000;
/** How long a worker holds a period while it sends; a worker that died lets go after this. */
const SEND_LEASE_MS = 5 * 60_000;

/** What sending a digest e-mail needs. */
export interface SendDigestDeps {
  subscriptions: SubscriptionStore;
  anchors: Pick<AnchorStore, 'get'>;
  streams: Pick<StreamStore, 'range' | 'digestStream'>;
  reader: Pick<DigestReader, 'build'>;
  mail: MailSender | null;
  /** The key that signs unsubscribe links. */
  signingKey(): Promise<string>;
  /** Where readers reach the API: the links of the e-mail. */
  publicUrl(): string;
  now(): number;
  log: Logger;
}

/** How a send ended. */
export type DigestSendOutcome = 'sent' | 'empty' | 'already-sent' | 'busy' | 'stale' | 'gone' | 'refused';

/** A temporary failure: the job is retried (with BullMQ's backoff), the period handed back. */
export class DigestRetryError extends Error {}

/**
 * Sends the digest e-mail of one subscription for one period: the stories that entered the
 * anchor's digest since the last e-mail (none sent when there are none), newest first. Once
 * per period whatever the number of workers and retries: a period is claimed before sending
 * and recorded as sent in the same step that moves the subscription on; a scheduled period
 * that is no longer the subscription's next one was already handled. After a scheduled send
 * the next one is the next `at` after now, so a process that was down sends once, not once per
 * missed period. A temporary SMTP failure (4xx, no answer) throws DigestRetryError.
 */
export async function sendDigest(subscriptionId: string, period: string, deps: SendDigestDeps): Promise<DigestSendOutcome> {
  const sub = await deps.subscriptions.get(subscriptionId);
  if (!sub) return 'gone';
  const scheduled = !period.startsWith('manual-');
  if (scheduled && sub.nextSendAt !== Number(period)) return 'stale';
  const claim = await deps.subscriptions.claimSend(sub.id, period, SEND_LEASE_MS);
  if (claim === 'sent') return 'already-sent';
  // Another worker holds the period: try again later, in case that worker died holding it.
  if (claim === 'busy') throw new DigestRetryError('Another worker is sending this period.');
  const log = deps.log.child({ subscriptionId: sub.id, period });
  try {
    const anchor = await deps.anchors.get(sub.anchorId);
    const entries = await deps.streams.range(deps.streams.digestStream(sub.anchorId), sub.cursor, '+', MAX_ENTRIES);
    const cursor = entries.at(-1)?.id ?? sub.cursor;
    let items: DigestItem[] = [];
    if (anchor) {
      const ids = [...new Set(entries.flatMap((e) => (e.fields.item ? [e.fields.item] : [])))];
      const built = await deps.reader.build(ids, anchor, true);
      // Still in the digest now (an analyst may have taken it out since), and above the bar.
      items = built
        .filter((b) => b.stored.tags[anchor.id]?.relevant === true && (sub.minScore === null || (b.score ?? 0) >= sub.minScore))
        .map(({ stored: _stored, ...item }) => item)
        .sort((a, b) => (b.publishedAt ?? '').localeCompare(a.publishedAt ?? '') || a.id.localeCompare(b.id))
        .slice(0, MAX_STORIES);
    }
    const now = deps.now();
    let outcome: DigestSendOutcome = 'empty';
    if (anchor && items.length > 0) {
      if (!deps.mail) throw new DigestRetryError('No SMTP_URL in this process: the digest waits for one.');
      const base = deps.publicUrl();
      const unsubscribeUrl = `${base}/unsubscribe/${signUnsubscribeToken(sub.id, sub.nonce, await deps.signingKey())}`;
      const email = renderDigestEmail({
        anchor: { id: anchor.id, title: anchor.source.title },
        items,
        tz: sub.tz,
        dashboardUrl: `${base}/`,
        atomUrl: `${base}/api/digests/${encodeURIComponent(anchor.id)}/feed.atom`,
        unsubscribeUrl,
      });
      const result = await deps.mail.send({
        to: [sub.email],
        ...email,
        messageId: `digest-${sub.id}-${period}@digests.anchorwatch`,
        headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      });
      if (result.status === null || (result.status >= 400 && result.status < 500)) throw new DigestRetryError(result.error ?? 'SMTP temporary failure');
      outcome = result.status >= 500 ? 'refused' : 'sent';
      if (outcome === 'refused') log.warn({ status: result.status, error: result.error }, 'digest e-mail refused');
    }
    await deps.subscriptions.completeSend(
      {
        ...sub,
        cursor,
        lastSentAt: outcome === 'sent' ? now : sub.lastSentAt,
        // A manual send leaves the schedule as it was; a scheduled one moves to the next `at` after now.
        nextSendAt: scheduled ? nextDigestTime(sub.every, sub.at, sub.tz, now) : sub.nextSendAt,
      },
      period,
    );
    log.info({ outcome, stories: items.length }, 'digest e-mail done');
    return outcome;
  } catch (err) {
    await deps.subscriptions.releaseSend(sub.id, period);
    throw err;
  }
}

/** Queues the e-mails of every subscription that is due: one job per subscription and period. */
export async function digestTick(deps: {
  subscriptions: Pick<SubscriptionStore, 'due'>;
  enqueueSend(subscriptionId: string, period: string): Promise<void>;
  now(): number;
}): Promise<number> {
  const due = await deps.subscriptions.due(deps.now(), 500);
  for (const { id, dueAt } of due) await deps.enqueueSend(id, String(dueAt));
  return due.length;
}
