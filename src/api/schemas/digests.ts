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
