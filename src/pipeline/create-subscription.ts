import { randomBytes } from 'node:crypto';
import { AppError, ErrorCodes } from '../errors.ts';
import type { SubscriptionEvery, SubscriptionRecord } from '../model/subscription.ts';
import { nextDigestTime } from '../scheduling/next-digest-time.ts';
import type { AnchorStore } from '../storage/anchor-store.ts';
import type { SubscriptionStore } from '../storage/subscription-store.ts';
import { checkTimeZone } from '../volume/time-buckets.ts';

/** A subscription as the API takes it (already shape-checked). */
export interface SubscriptionInput {
  anchorId: string;
  email: string;
  every: SubscriptionEvery;
  at?: string;
  tz?: string;
  minScore?: number;
}

/** What creating a subscription needs. */
export interface CreateSubscriptionDeps {
  subscriptions: SubscriptionStore;
  anchors: Pick<AnchorStore, 'get'>;
  /** False without SMTP_URL: digest e-mails are then refused with 400. */
  mailConfigured: boolean;
  now(): number;
  maxPerOwner: number;
}

/** Length of each period: the first e-mail covers the period before the subscription was made. */
export const PERIOD_MS: Record<SubscriptionEvery, number> = { hour: 3600_000, day: 24 * 3600_000, week: 7 * 24 * 3600_000 };

/**
 * Creates a digest subscription for an owner: the anchor must exist, the zone must be known
 * and a mail server configured; the first e-mail is due at the next `at` on the zone's clock
 * and covers what entered the digest in the period before it was made.
 */
export async function createSubscription(input: SubscriptionInput, owner: string, deps: CreateSubscriptionDeps): Promise<SubscriptionRecord> {
  if (!deps.mailConfigured) {
    throw new AppError(ErrorCodes.validation, 'Digest e-mails need a mail server: this installation has no SMTP_URL.', {
      fieldErrors: [{ field: 'email', message: 'SMTP_URL is not set on the server' }],
    });
  }
  const anchor = await deps.anchors.get(input.anchorId);
  if (!anchor) throw new AppError(ErrorCodes.validation, 'No such anchor.', { fieldErrors: [{ field: 'anchorId', message: 'is not an anchor' }] });
  const tz = checkTimeZone(input.tz ?? 'UTC');
  const at = input.at ?? '08:00';
  const now = deps.now();
  const sub: SubscriptionRecord = {
    id: randomBytes(9).toString('base64url'),
    owner,
    anchorId: anchor.id,
    email: input.email.trim().toLowerCase(),
    every: input.every,
    at,
    tz,
    minScore: input.minScore ?? null,
    lastSentAt: null,
    nextSendAt: nextDigestTime(input.every, at, tz, now),
    createdAt: now,
    // Digest stream ids start with their ms time: the first e-mail starts one period back.
    cursor: `${Math.max(0, now - PERIOD_MS[input.every])}-0`,
    nonce: randomBytes(12).toString('base64url'),
  };
  if (!(await deps.subscriptions.create(sub, deps.maxPerOwner))) {
    throw new AppError(ErrorCodes.conflict, `A key may own at most ${deps.maxPerOwner} subscriptions; delete some first.`);
  }
  return sub;
}
