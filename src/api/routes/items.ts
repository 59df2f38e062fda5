import { Router } from 'express';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.ts';
import { decodeCursor } from '../../storage/page-cursor.ts';
import type { ApiDeps } from '../api-deps.ts';
import { DigestReader } from '../digest-reader.ts';
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

/** /api/items: every stored item, newest first, with its tags for one anchor. */
export function itemsRouter(deps: ApiDeps): Router {
  const router = Router();
  const { items, anchors } = deps.stores;
  const reader = new DigestReader(deps.stores);

  router.get('/', async (req, res) => {
    const query = validate(itemsQuery, req.query, 'query');
    const anchorId = query.anchorId ?? (await anchors.defaultId());
    const anchor = anchorId ? await anchors.get(anchorId) : null;
    if (query.anchorId && !anchor) throw new AppError(ErrorCodes.notFound, 'No anchor with this id.');
    const page = await items.pageAll({
      limit: query.limit,
      cursor: query.cursor ?? null,
      ...(query.feedId ? { feedId: query.feedId } : {}),
    });
    // Near-identical stories under different links stay separate items here.
    const built = await reader.build(page.ids, anchor, false);
    res.json({
      items: built.map(({ stored, ...item }) => ({ ...item, relevant: anchor ? stored.tags[anchor.id]?.relevant === true : false })),
      nextCursor: page.nextCursor,
    });
  });

  return router;
}
