import { z } from 'zod';
import { Anchor, entityKind } from './anchors.ts';
import { accessTokenParam, cursorParam, isoDateParam, isoTime, limitParam } from './common.ts';

/** Query of GET /api/digests/:anchorId. */
export const digestQuery = z
  .object({
    limit: limitParam,
    cursor: cursorParam,
    entity: z.string().min(1).max(100).optional().meta({ description: 'Only items tagged with this entity key of the anchor.' }),
    since: isoDateParam.optional().meta({ description: 'Only items published at or after this time (ISO 8601 with a zone).' }),
    access_token: accessTokenParam,
  })
  .strict();

/** Query of the Atom and JSON Feed documents of a digest. */
export const feedQuery = z.object({ limit: limitParam, access_token: accessTokenParam }).strict();

/** One story of a digest. */
export const DigestItem = z
  .object({
    id: z.string(),
    title: z.string(),
    link: z.url().nullable(),
    source: z.object({ feedId: z.string(), title: z.string().nullable() }),
    publishedAt: isoTime.nullable(),
    firstSeenAt: isoTime.nullable(),
    score: z.number().nullable().meta({ description: 'Relevance to the anchor; null when not scored for it.' }),
    entities: z.array(z.object({ key: z.string(), name: z.string(), kind: entityKind, count: z.int().min(1) })),
    snippet: z.string().meta({ description: 'The summary, cut at a word boundary near 280 characters.' }),
    why: z
      .object({
        score: z.number(),
        threshold: z.number().meta({ description: 'The score from which an item is in the digest.' }),
        evidence: z.array(
          z.object({
            kind: z.enum(['entity', 'term', 'feedback', 'scope']),
            name: z.string(),
            weight: z.number().meta({ description: 'What it added to the score (negative: what it took away); for `scope`, 0 when the item passes it and -1 when it keeps the item out.' }),
          }),
        ),
        judged: z.boolean().nullable().meta({ description: 'The analyst’s own verdict on this item, or null.' }),
      })
      .nullable()
      .meta({ description: 'Why the item scored as it did; null when it was not scored for the anchor.' }),
    alsoReportedBy: z
      .array(z.object({ feedId: z.string(), title: z.string().nullable(), link: z.url().nullable() }))
      .meta({ description: 'Other feeds that carried the same story (same canonical link, or near-identical words in the digest).' }),
    fullText: z.boolean().meta({ description: 'True when the item was tagged and scored with its article page\'s main text too (FULL_TEXT).' }),
  })
  .meta({ id: 'DigestItem', description: 'One story, however many feeds reported it.' });

/** GET /api/digests/:anchorId. */
export const DigestPage = z
  .object({
    anchor: Anchor,
    items: z.array(DigestItem),
    nextCursor: z.string().nullable().meta({ description: 'Null on the last page.' }),
  })
  .meta({ id: 'DigestPage' });

/** GET /api/digests/:anchorId/feed.json. */
export const JsonFeed = z
  .object({
    version: z.literal('https://jsonfeed.org/version/1.1'),
    title: z.string(),
    home_page_url: z.url().optional(),
    feed_url: z.url().optional(),
    items: z.array(z.object({ id: z.string(), url: z.string().optional(), title: z.string().optional() })),
  })
  .meta({ id: 'JsonFeed', description: 'A JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/).' });

/** Body of POST /api/digests/:anchorId/feedback. */
export const feedbackBody = z
  .object({
    itemId: z.string().min(1).max(200).meta({ description: 'A stored item (as `id` in a DigestItem).' }),
    relevant: z.boolean().meta({ description: 'true: it belongs in this digest; false: it is not about this story.' }),
  })
  .strict()
  .meta({ id: 'FeedbackInput' });

/** The answer to POST /api/digests/:anchorId/feedback. */
export const FeedbackResult = z
  .object({ itemId: z.string(), relevant: z.boolean(), score: z.number().meta({ description: 'The item’s relevance score for the anchor.' }) })
  .meta({ id: 'FeedbackResult' });

/** GET /api/digests/:anchorId/feedback. */
export const FeedbackList = z
  .object({ feedback: z.array(z.object({ itemId: z.string(), relevant: z.boolean(), at: isoTime })) })
  .meta({ id: 'FeedbackList' });
