import { Router } from 'express';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.ts';
import { decodeCursor } from '../../storage/item-store.ts';
import type { AnchorRecord } from '../../storage/anchor-store.ts';
import type { StoredItem } from '../../storage/item-store.ts';
import type { ApiDeps } from '../api-deps.ts';
import { presentAnchor, presentDigestItem } from '../present.ts';
import { accessTokenParam, isoDateParam, limitParam } from '../query-schemas.ts';
import { validate } from '../validate.ts';

const cursorParam = z
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

const digestQuery = z
  .object({
    limit: limitParam,
    cursor: cursorParam,
    entity: z.string().min(1).max(100).optional(),
    since: isoDateParam.optional(),
    access_token: accessTokenParam,
  })
  .strict();

/** /api/items and /api/digests: newest-first pages of stored items with their tags. */
export function itemsRouter(deps: ApiDeps): Router {
  const router = Router();
  const { items, anchors, feeds } = deps.stores;

  const feedTitles = async (list: StoredItem[]) => {
    const ids = new Set<string>();
    for (const item of list) for (const feedId of [item.feedId, ...Object.keys(item.sources)]) ids.add(feedId);
    const titles = new Map<string, string | null>();
    await Promise.all(
      [...ids].map(async (id) => {
        const feed = await feeds.get(id);
        titles.set(id, feed ? (feed.title ?? feed.url) : null);
      }),
    );
    return titles;
  };

  const requireAnchor = async (anchorId: string | undefined): Promise<AnchorRecord | null> => {
    if (anchorId === undefined) {
      const id = await anchors.defaultId();
      return id ? anchors.get(id) : null;
    }
    const anchor = await anchors.get(anchorId);
    if (!anchor) throw new AppError(ErrorCodes.notFound, 'No anchor with this id.');
    return anchor;
  };

  router.get('/items', async (req, res) => {
    const query = validate(itemsQuery, req.query, 'query');
    const anchor = await requireAnchor(query.anchorId);
    const page = await items.pageAll({
      limit: query.limit,
      cursor: query.cursor ?? null,
      ...(query.feedId ? { feedId: query.feedId } : {}),
    });
    const list = await items.getMany(page.ids);
    const titles = await feedTitles(list);
    res.json({
      items: list.map((item) => ({
        ...presentDigestItem(item, anchor, titles),
        relevant: anchor ? item.tags[anchor.id]?.relevant === true : false,
      })),
      nextCursor: page.nextCursor,
    });
  });

  router.get('/digests/:anchorId', async (req, res) => {
    const query = validate(digestQuery, req.query, 'query');
    const anchor = await requireAnchor(req.params.anchorId);
    if (!anchor) throw new AppError(ErrorCodes.notFound, 'No anchor with this id.');
    if (query.entity && !anchor.entities.some((e) => e.key === query.entity)) {
      throw new AppError(ErrorCodes.validation, `Unknown entity key "${query.entity}" for anchor ${anchor.id}.`, {
        fieldErrors: [{ field: 'entity', message: 'is not an entity key of this anchor' }],
      });
    }
    const page = await items.pageDigest(anchor.id, {
      limit: query.limit,
      cursor: query.cursor ?? null,
      sinceMs: query.since ?? null,
      entity: query.entity ?? null,
    });
    const list = await items.getMany(page.ids);
    const titles = await feedTitles(list);
    res.json({
      anchor: presentAnchor(anchor),
      items: list.map((item) => presentDigestItem(item, anchor, titles)),
      nextCursor: page.nextCursor,
    });
  });

  return router;
}
