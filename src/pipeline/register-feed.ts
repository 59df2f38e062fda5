import type { FeedRecord, FeedRegistration } from '../model/feed.ts';
import type { FeedStore } from '../storage/feed-store.ts';

/** What a registration needs; the optional parts differ between the API and FEEDS_FILE. */
export interface RegisterFeedDeps {
  feeds: FeedStore;
  now(): number;
  /** Checks the URL against the SSRF policy and gives its canonical form (the API, OPML import); FEEDS_FILE is trusted. */
  checkUrl?(url: string): Promise<URL>;
  /** Queues a poll of a new feed at once (the API, OPML import); without it the schedule picks the feed up now. */
  requestPoll?(feedId: string): Promise<void>;
}

/**
 * A feed polled at once by a queued job is left to the schedule only after this grace (which
 * polls it then if that job was lost), so it is not fetched twice.
 */
const FIRST_POLL_GRACE_MS = 2 * 60_000;

/**
 * Registers one feed: the one path of POST /api/feeds, OPML import and FEEDS_FILE. A URL
 * already registered keeps its feed (`created` false), so registering twice changes nothing.
 */
export async function registerFeed(input: FeedRegistration, deps: RegisterFeedDeps): Promise<{ feed: FeedRecord; created: boolean }> {
  const url = deps.checkUrl ? (await deps.checkUrl(input.url)).href : input.url;
  const now = deps.now();
  const result = await deps.feeds.create({
    url,
    title: input.title,
    intervalSeconds: input.intervalSeconds,
    now,
    ...(deps.requestPoll ? { firstPollAt: now + FIRST_POLL_GRACE_MS } : {}),
    htmlUrl: input.htmlUrl,
    category: input.category,
    fullText: input.fullText ?? null,
  });
  if (result.created && deps.requestPoll) await deps.requestPoll(result.feed.id);
  return result;
}
