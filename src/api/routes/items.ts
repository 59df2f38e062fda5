import { Router } from 'express';
import type { DigestReader } from '../../pipeline/digest-reader.ts';
import type { AnchorStore } from '../../storage/anchor-store.ts';
import { anchorOr404, defaultAnchor } from '../find-or-404.ts';
import { validate } from '../validate.ts';
import { itemsQuery } from '../schemas/items.ts';

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
