/** A feed of the registry: what the API shows and what polling needs to stay polite. */

/** Where a feed stands: polled normally, failing (retried with backoff), or disabled (410 Gone). */
export type FeedStatus = 'active' | 'failing' | 'disabled';

/** What the last successful read of a feed's document found. */
export interface LastPoll {
  /** Items in the document. */
  itemsSeen: number;
  /** Items stored for the first time. */
  itemsNew: number;
  /** Items published before the retention window: counted, not stored. */
  itemsTooOld: number;
  /** Items that failed normalisation (nothing to show). */
  itemsRejected: number;
}

/** When a feed's items have their article page read before tagging (FULL_TEXT, or the feed's own). */
export type FullTextMode = 'auto' | 'always' | 'never';

/** Where a WebSub subscription stands. */
export type PushStatus = 'pending' | 'subscribed' | 'failed';

/** A feed's WebSub subscription: the hub, the topic it was asked for, and how it goes. */
export interface PushState {
  hub: string;
  /** The self URL subscribed to (hub.topic). */
  topic: string;
  state: PushStatus;
  /** Epoch ms the hub's lease ends; null until verified. */
  leaseExpiresAt: number | null;
  /** Epoch ms of the last push that verified and was ingested. */
  lastPushAt: number | null;
  lastError: string | null;
  /** Pushes refused for a bad or missing signature. */
  rejectedPushes: number;
  /** Epoch ms of the last subscription request sent to the hub. */
  requestedAt: number | null;
}

/** A feed as stored: the public fields plus what polling needs to stay polite. */
export interface FeedRecord {
  id: string;
  url: string;
  title: string | null;
  status: FeedStatus;
  /** Interval the user asked for; null means the configured default. */
  intervalSeconds: number | null;
  lastPolledAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  nextPollAt: number | null;
  etag: string | null;
  lastModified: string | null;
  errorCount: number;
  createdAt: number;
  itemCount: number;
  /** Null before the first successful read. */
  lastPoll: LastPoll | null;
  /** The site's own page and folder path ("News/World") an import or the caller gave; null when none. */
  htmlUrl: string | null;
  category: string | null;
  /** The feed's own full-text setting; null follows FULL_TEXT. */
  fullText: FullTextMode | null;
  /** The WebSub subscription, or null when the feed names no hub. */
  push: PushState | null;
  /** Items of the feed published in the week before `at`, as last counted (polling's own: not shown). */
  weekItems?: { count: number; at: number } | null;
}

/** Fields a poll may change. */
export type FeedUpdate = Partial<
  Pick<
    FeedRecord,
    | 'url'
    | 'title'
    | 'status'
    | 'lastPolledAt'
    | 'lastStatus'
    | 'lastError'
    | 'nextPollAt'
    | 'etag'
    | 'lastModified'
    | 'errorCount'
    | 'lastPoll'
    | 'weekItems'
  >
>;

/** What a registration asks for: the feed's URL and what the caller knows about it. */
export interface FeedRegistration {
  url: string;
  title: string | null;
  intervalSeconds: number | null;
  htmlUrl: string | null;
  category: string | null;
  /** The feed's own full-text setting; omitted or null follows FULL_TEXT. */
  fullText?: FullTextMode | null;
}
