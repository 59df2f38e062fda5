import type { FeedRecord, FeedRegistration } from '../model/feed.ts';
import { AppError } from '../errors.ts';
import type { FeedStore } from '../storage/feed-store.ts';

/** What a registration needs; the optional parts differ between the API and FEEDS_FILE. */
export interface RegisterFeedDeps {
  feeds: Pick<FeedStore, 'create' | 'createMany'>;
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

/**
 * Registers many feeds as registerFeed does each (an OPML import), with their writes batched
 * (FeedStore.createMany) and their first polls queued together. A URL the policy refuses is
 * that entry's AppError, in its place; any other failure fails the whole call.
 */
export async function registerFeeds(inputs: FeedRegistration[], deps: RegisterFeedDeps): Promise<Array<{ feed: FeedRecord; created: boolean } | AppError>> {
  const checked = await Promise.all(
    inputs.map(async (input) => {
      try {
        return deps.checkUrl ? (await deps.checkUrl(input.url)).href : input.url;
      } catch (err) {
        if (err instanceof AppError) return err;
        throw err;
      }
    }),
  );
  const now = deps.now();
  const accepted = inputs.flatMap((input, i) => {
    const url = checked[i]!;
    if (url instanceof AppError) return [];
    return [{ i, creation: { url, title: input.title, intervalSeconds: input.intervalSeconds, now, ...(deps.requestPoll ? { firstPollAt: now + FIRST_POLL_GRACE_MS } : {}), htmlUrl: input.htmlUrl, category: input.category, fullText: input.fullText ?? null } }];
  });
  const results = await deps.feeds.createMany(accepted.map((a) => a.creation));
  if (deps.requestPoll) await Promise.all(results.filter((r) => r.created).map((r) => deps.requestPoll!(r.feed.id)));
  const out: Array<{ feed: FeedRecord; created: boolean } | AppError> = checked.map((c) => c as AppError);
  accepted.forEach((a, k) => (out[a.i] = results[k]!));
  return out;
}
