import { z } from 'zod';
import { httpUrlOrNull } from '../../reader/opml.ts';
import { FieldError, isoTime } from './common.ts';

const count = z.int().min(0);

/** FULL_TEXT's values: read the article page of short items, of every item, or never. */
const fullTextMode = z.enum(['auto', 'always', 'never']);

/** A feed's WebSub subscription. */
const Push = z
  .object({
    hub: z.url(),
    state: z.enum(['pending', 'subscribed', 'failed']),
    leaseExpiresAt: isoTime.nullable(),
    lastPushAt: isoTime.nullable(),
    lastError: z.string().nullable(),
    rejectedPushes: count.meta({ description: 'Pushes refused for a bad or missing X-Hub-Signature (answered 2xx, nothing changed).' }),
  })
  .meta({ id: 'FeedPush' });

/** Body of POST /api/feeds. */
export const createFeedBody = z
  .object({
    url: z.string().trim().min(1).max(2048).meta({ description: 'An http(s) URL without credentials that resolves to a public address.' }),
    title: z.string().trim().min(1).max(300).optional(),
    intervalSeconds: z.number().int().min(1).max(86_400).optional(),
    htmlUrl: z
      .string()
      .trim()
      .max(2048)
      .refine((v) => httpUrlOrNull(v) !== null, 'must be an http(s) URL')
      .optional()
      .meta({ format: 'uri', description: 'The site’s own page (http or https), kept for OPML export.' }),
    category: z.string().trim().min(1).max(500).optional().meta({ description: 'A folder path such as "News/World", kept for OPML export.' }),
    fullText: fullTextMode.optional().meta({ description: 'When this feed\'s items have their article page read before tagging; overrides FULL_TEXT.' }),
  })
  .meta({ id: 'FeedInput' });


/** What the last successful read of a feed's document found. */
const LastPoll = z.object({
  itemsSeen: count.meta({ description: 'Items in the document.' }),
  itemsNew: count.meta({ description: 'Items stored for the first time (at most MAX_ITEMS_PER_FEED, the newest).' }),
  itemsTooOld: count.meta({ description: 'Items published before the retention window (RETENTION_DAYS): counted, not stored.' }),
  itemsRejected: count.meta({ description: 'Items that failed normalisation (no title, summary or link).' }),
});

/** The contract's Feed. */
export const Feed = z
  .object({
    id: z.string(),
    url: z.url(),
    title: z.string().nullable(),
    status: z.enum(['active', 'failing', 'disabled']),
    intervalSeconds: z.int().min(1).meta({ description: 'The base interval of the feed: its own, else the configured default (POLL_INTERVAL_SECONDS).' }),
    lastPolledAt: isoTime.nullable(),
    lastStatus: z.int().nullable().meta({ description: 'HTTP status of the last poll.' }),
    lastError: z.string().nullable(),
    nextPollAt: isoTime.nullable().meta({ description: 'Null for a disabled feed.' }),
    itemCount: count,
    lastPoll: LastPoll.nullable().meta({ description: 'What the last successful read of the document found; null before the first one.' }),
    htmlUrl: z.url().nullable().meta({ description: 'The site’s own page, as an OPML import or the caller gave it.' }),
    category: z
      .string()
      .nullable()
      .meta({ description: 'The folder path, segments joined by "/" ("News/World"), as an OPML import or the caller gave it; OPML export nests it as folders.' }),
    fullText: fullTextMode.nullable().meta({ description: 'The feed\'s own full-text setting; null follows FULL_TEXT.' }),
    push: Push.nullable().meta({ description: 'The WebSub subscription; null when the feed names no hub.' }),
  })
  .meta({ id: 'Feed', description: 'A registered news feed. Times are ISO 8601 UTC, null where none.' });

/** GET /api/feeds. */
export const FeedList = z.object({ feeds: z.array(Feed) }).meta({ id: 'FeedList' });

/** POST /api/feeds/:id/poll. */
export const PollQueued = z.object({ id: z.string(), status: z.literal('queued') }).meta({ id: 'PollQueued' });

/** POST /api/feeds/import. */
export const OpmlImportResult = z
  .object({
    added: count,
    skipped: count,
    errors: z.array(FieldError).optional().meta({ description: 'Outlines that were skipped for an error (`field` is the outline URL).' }),
  })
  .meta({ id: 'OpmlImportResult' });
