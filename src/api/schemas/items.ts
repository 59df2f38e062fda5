import { z } from 'zod';
import { accessTokenParam, anchorIdParam, cursorParam, limitParam } from './common.ts';
import { DigestItem } from './digests.ts';

/** Query of GET /api/items. */
export const itemsQuery = z
  .object({
    anchorId: anchorIdParam,
    feedId: z.string().min(1).max(100).optional().meta({ description: 'Only the items of this feed.' }),
    limit: limitParam,
    cursor: cursorParam,
    access_token: accessTokenParam,
  })
  .strict();

/** An item of GET /api/items: a DigestItem with its relevance to the anchor. */
export const ItemWithRelevance = z
  .intersection(DigestItem, z.object({ relevant: z.boolean() }))
  .meta({ id: 'ItemWithRelevance', description: 'A DigestItem with `relevant`: true exactly for the items the digest of the anchor shows.' });

/** GET /api/items. */
export const ItemsPage = z
  .object({
    items: z.array(ItemWithRelevance),
    nextCursor: z.string().nullable().meta({ description: 'Null on the last page.' }),
  })
  .meta({ id: 'ItemsPage' });
