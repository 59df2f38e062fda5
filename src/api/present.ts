import type { FeedRecord } from '../model/feed.ts';
import type { AnchorRecord } from '../model/anchor.ts';

/** ISO 8601 UTC, or null. */
function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The contract's Feed; `intervalSeconds` is the feed's own interval, else the configured default. */
export function presentFeed(feed: FeedRecord, defaultIntervalSeconds: number) {
  return {
    id: feed.id,
    url: feed.url,
    title: feed.title,
    status: feed.status,
    intervalSeconds: feed.intervalSeconds ?? defaultIntervalSeconds,
    lastPolledAt: iso(feed.lastPolledAt),
    lastStatus: feed.lastStatus,
    lastError: feed.lastError,
    nextPollAt: feed.status === 'disabled' ? null : iso(feed.nextPollAt),
    itemCount: feed.itemCount,
    lastPoll: feed.lastPoll,
    htmlUrl: feed.htmlUrl,
    category: feed.category,
    fullText: feed.fullText,
    push: feed.push && {
      hub: feed.push.hub,
      state: feed.push.state,
      leaseExpiresAt: iso(feed.push.leaseExpiresAt),
      lastPushAt: iso(feed.push.lastPushAt),
      lastError: feed.push.lastError,
      rejectedPushes: feed.push.rejectedPushes,
    },
  };
}

/** The contract's Anchor. */
export function presentAnchor(anchor: AnchorRecord) {
  return {
    id: anchor.id,
    title: anchor.source.title,
    url: anchor.source.url,
    publishedAt: anchor.source.publishedAt,
    // Records stored before language detection and roles read as unknown and core.
    language: anchor.language ?? 'und',
    warnings: anchor.warnings ?? [],
    entities: anchor.entities.map((e) => ({ key: e.key, name: e.name, kind: e.kind, aliases: e.aliases, weight: e.weight, role: e.role ?? 'core' })),
    scope: anchor.scope ?? null,
    story: { terms: anchor.model?.storyTerms ?? [] },
  };
}
