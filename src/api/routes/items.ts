import { Router } from 'express';
import { z } from 'zod';
import type { DigestReader } from '../../pipeline/digest-reader.ts';
import type { AnchorStore } from '../../storage/anchor-store.ts';
import { decodeCursor } from '../../storage/page-cursor.ts';
import { anchorOr404, defaultAnchor } from '../find-or-404.ts';
import { accessTokenParam, limitParam } from '../query-schemas.ts';
import { validate } from '../validate.ts';

/** A cursor this API gave out. */
export const cursorParam = z
  .string()
  .refine((c) => decodeCursor(c) !== null, 'is not a cursor this API gave out')
  .optional();

const itemsQuery = z
  .object({
    anchorId: z.string().min(1).max(100).optional(),
    feedId: z.string().min(1).max(100).optional(),
    limit: limitParam,
    cursor: cursorParam,
    access_token: accessTokenParam,
  })
  .strict();

/** What /api/items uses. */
export interface ItemsRouterDeps {
  anchors: Pick<AnchorStore, 'get' | 'defaultId'>;
  reader: Pick<DigestReader, 'itemsPage'>;
}

/** /api/items: every stored item, newest first, with its tags for one anchor. */
export function itemsRouter(deps: ItemsRouterDeps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const query = validate(itemsQuery, req.query, 'query');
    // A named anchor must exist; without one, the default anchor if there is any.
    const anchor = query.anchorId ? await anchorOr404(deps.anchors, query.anchorId) : await defaultAnchor(deps.anchors);
    const page = await deps.reader.itemsPage(anchor, { feedId: query.feedId ?? null, limit: query.limit, cursor: query.cursor ?? null });
    res.json(page);
  });

  return router;
}
