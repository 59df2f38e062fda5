import { isAppError } from '../errors.ts';
import { verifyHubSignature } from '../reader/hub-signature.ts';
import type { FeedStore } from '../storage/feed-store.ts';
import { ingestDocument } from './ingest-document.ts';
import type { PollDeps } from './poll-feed.ts';

/** What receiving a WebSub push needs: the feed's secret, and the poll's own ingest step. */
export interface PushDeps extends Pick<PollDeps, 'items' | 'enqueueTagging' | 'log' | 'metrics' | 'maxItemsPerFeed' | 'retentionMs' | 'now'> {
  feeds: Pick<FeedStore, 'get' | 'pushSecret' | 'notePush'>;
}

/** What became of one push. */
export type PushOutcome = 'ingested' | 'bad-signature' | 'unknown-feed' | 'unusable';

/**
 * One content distribution from a feed's hub: refused unless `X-Hub-Signature` is the HMAC of
 * the raw body under the feed's secret (a refusal changes nothing but a counter); else the
 * body is ingested exactly as a polled document would be (decode, parse, store once, tag),
 * with no fetch of the feed.
 */
export async function receivePush(
  feedId: string,
  push: { body: Buffer; contentType: string | null; signature: string | undefined },
  deps: PushDeps,
): Promise<PushOutcome> {
  const feed = await deps.feeds.get(feedId);
  const secret = feed?.push ? await deps.feeds.pushSecret(feedId) : null;
  let outcome: PushOutcome;
  if (!feed || !secret) {
    outcome = 'unknown-feed';
  } else if (!verifyHubSignature(push.body, push.signature, secret)) {
    await deps.feeds.notePush(feedId, 'rejected', deps.now());
    deps.log.warn({ feedId }, 'websub push with a bad or missing signature ignored');
    outcome = 'bad-signature';
  } else {
    const started = deps.now();
    try {
      const ingested = await ingestDocument(feedId, { body: push.body, contentType: push.contentType, baseUrl: feed.url, lane: 'live', fullText: feed.fullText }, started, deps);
      await deps.feeds.notePush(feedId, 'ingested', started);
      deps.log.debug({ feedId, newItems: ingested.newItems }, 'websub push ingested');
      outcome = 'ingested';
    } catch (err) {
      if (!isAppError(err)) throw err;
      deps.log.warn({ feedId, code: err.code, reason: err.message }, 'websub push unusable');
      outcome = 'unusable';
    }
  }
  deps.metrics.websubPushes.inc({ outcome });
  return outcome;
}
