import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { isAppError } from '../errors.ts';
import type { FeedRecord, PushState } from '../model/feed.ts';
import type { GuardedClient } from '../net/guarded-client.ts';
import type { WebSubJob } from '../queue/queue-names.ts';
import type { WebSubLinks } from '../reader/websub-links.ts';
import type { FeedStore } from '../storage/feed-store.ts';

/** What managing WebSub subscriptions needs. */
export interface WebSubDeps {
  feeds: Pick<FeedStore, 'get' | 'setPush' | 'pushSecret' | 'markLeaving' | 'leavingTopic'>;
  /** The guarded client: a hub URL comes from a feed document, so it is judged like one. */
  http: Pick<GuardedClient, 'request'>;
  /** Queues a hub request, at `at` (epoch ms; later than now for a renewal). Idempotent per feed, action and time. */
  enqueue(job: WebSubJob, at: number): Promise<void>;
  /** PUBLIC_URL/websub/:feedId. */
  callbackUrl(feedId: string): string;
  leaseSeconds: number;
  requestTimeoutMs: number;
  now(): number;
  log: Logger;
}

type StoredPush = Omit<PushState, 'lastPushAt' | 'rejectedPushes'>;

/** A pending or failed request is sent again after this long (the poll at the ceiling interval notices). */
const RETRY_AFTER_MS = 3600_000;
/** How long a deleted feed's topic is remembered for the hub's unsubscribe verification. */
const LEAVING_MS = 24 * 3600_000;

function stored(push: PushState): StoredPush {
  const { lastPushAt: _l, rejectedPushes: _r, ...rest } = push;
  return rest;
}

/**
 * After a poll: subscribes a feed at the hub its document names, unless it already is (or a
 * request is on its way). A new hub or topic gets a new per-feed secret; a failed or
 * unanswered request is tried again an hour later.
 */
export async function noteHub(feed: FeedRecord, links: WebSubLinks, deps: WebSubDeps): Promise<void> {
  if (!links.hub) return;
  const topic = links.self ?? feed.url;
  const push = feed.push;
  const now = deps.now();
  const same = push !== null && push.hub === links.hub && push.topic === topic;
  if (same && push.state === 'subscribed' && (push.leaseExpiresAt ?? 0) > now) return;
  if (same && push.requestedAt !== null && now - push.requestedAt < RETRY_AFTER_MS) return;
  const secret = same ? ((await deps.feeds.pushSecret(feed.id)) ?? randomBytes(32).toString('hex')) : randomBytes(32).toString('hex');
  await deps.feeds.setPush(
    feed.id,
    { hub: links.hub, topic, state: 'pending', leaseExpiresAt: same ? push.leaseExpiresAt : null, lastError: null, requestedAt: now },
    secret,
  );
  await deps.enqueue({ action: 'subscribe', feedId: feed.id, hub: links.hub, topic }, now);
}

/** When a feed is deleted: its hub is asked to stop, and the topic is kept until the hub verifies that. */
export async function leaveHub(feed: FeedRecord, deps: Pick<WebSubDeps, 'feeds' | 'enqueue' | 'now'>): Promise<void> {
  if (!feed.push) return;
  await deps.feeds.markLeaving(feed.id, feed.push.topic, LEAVING_MS);
  await deps.enqueue({ action: 'unsubscribe', feedId: feed.id, hub: feed.push.hub, topic: feed.push.topic }, deps.now());
}

/**
 * One hub request (a queue job): `hub.mode`, topic, callback, the feed's secret and lease, as
 * a form POST through the guarded client. The hub then verifies intent on the callback. A
 * subscription whose feed is gone, or whose hub or topic has changed since, is not sent.
 */
export async function runWebSubJob(job: WebSubJob, deps: WebSubDeps): Promise<'sent' | 'skipped' | 'failed'> {
  const feed = job.action === 'subscribe' ? await deps.feeds.get(job.feedId) : null;
  if (job.action === 'subscribe' && (!feed?.push || feed.push.hub !== job.hub || feed.push.topic !== job.topic)) return 'skipped';
  const form = new URLSearchParams({ 'hub.mode': job.action, 'hub.topic': job.topic, 'hub.callback': deps.callbackUrl(job.feedId) });
  if (job.action === 'subscribe') {
    const secret = await deps.feeds.pushSecret(job.feedId);
    if (!secret) return 'skipped';
    form.set('hub.secret', secret);
    form.set('hub.lease_seconds', String(deps.leaseSeconds));
  }
  let error: string | null = null;
  try {
    const res = await deps.http.request({
      method: 'POST',
      url: job.hub,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      totalTimeoutMs: deps.requestTimeoutMs,
      maxBytes: 64 * 1024,
    });
    if (res.status < 200 || res.status >= 300) error = `The hub answered HTTP ${res.status}`;
  } catch (err) {
    if (!isAppError(err)) throw err;
    error = `The hub could not be reached: ${err.message}`;
  }
  if (error === null) return 'sent';
  deps.log.warn({ feedId: job.feedId, hub: job.hub, action: job.action, reason: error }, 'websub request failed');
  if (feed?.push) await deps.feeds.setPush(job.feedId, { ...stored(feed.push), state: 'failed', lastError: error });
  return 'failed';
}

/** The hub's verification request (GET on the callback), as the route read it. */
export interface IntentCheck {
  mode: string;
  topic: string;
  challenge: string;
  leaseSeconds: number | null;
  reason: string | null;
}

/**
 * Answers a hub's verification of intent: the challenge to echo when we asked for exactly
 * this (subscribe to the feed's topic, unsubscribe a deleted feed's topic), null (the route
 * answers 404) for an unknown feed or a topic we never asked for. A verified subscription
 * records its lease and queues its renewal before the lease ends; a denial is recorded.
 */
export async function verifyIntent(feedId: string, check: IntentCheck, deps: WebSubDeps): Promise<string | null> {
  if (check.mode === 'unsubscribe') {
    const leaving = await deps.feeds.leavingTopic(feedId);
    if (leaving === null || leaving !== check.topic) return null;
    await deps.feeds.leavingTopic(feedId, true);
    return check.challenge;
  }
  const feed = await deps.feeds.get(feedId);
  if (!feed?.push || feed.push.topic !== check.topic) return null;
  const push = stored(feed.push);
  if (check.mode === 'denied') {
    await deps.feeds.setPush(feedId, { ...push, state: 'failed', lastError: `The hub denied the subscription${check.reason ? `: ${check.reason}` : ''}` });
    return check.challenge;
  }
  if (check.mode !== 'subscribe' || check.challenge === '') return null;
  const now = deps.now();
  const leaseMs = (check.leaseSeconds ?? deps.leaseSeconds) * 1000;
  const leaseExpiresAt = now + leaseMs;
  await deps.feeds.setPush(feedId, { ...push, state: 'subscribed', leaseExpiresAt, lastError: null });
  // Renew when four fifths of the lease have passed: a slow hub still answers before it ends.
  await deps.enqueue({ action: 'subscribe', feedId, hub: push.hub, topic: push.topic }, now + Math.round(leaseMs * 0.8));
  return check.challenge;
}
