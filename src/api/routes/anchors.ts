import { Router } from 'express';
import { AppError, ErrorCodes } from '../../errors.ts';
import { createAnchor } from '../../pipeline/create-anchor.ts';
import { createAnchorFromUrl, type AnchorFromUrlDeps } from '../../pipeline/create-anchor-from-url.ts';
import type { AnchorDeps } from '../../pipeline/register-anchor.ts';
import { updateAnchorEntities } from '../../pipeline/update-anchor-entities.ts';
import { requireAdmin } from '../auth.ts';
import { anchorOr404 } from '../find-or-404.ts';
import { presentAnchor } from '../present.ts';
import { validate } from '../validate.ts';
import { createAnchorBody, entitiesBody, scopeBody } from '../schemas/anchors.ts';
import { deleteAnchor, type DeleteAnchorDeps } from '../../pipeline/delete-anchor.ts';
import { setAnchorScope } from '../../pipeline/set-anchor-scope.ts';
import { noQuery } from '../schemas/common.ts';

/** What /api/anchors uses: anchor registration (extraction off the event loop, re-tag requests, reading a URL) and deletion. */
export type AnchorsRouterDeps = AnchorDeps & Partial<Pick<AnchorFromUrlDeps, 'checkUrl' | 'readArticle'>> & { deletion: DeleteAnchorDeps };

/** /api/anchors: the source pieces and their entity lists. */
export function anchorsRouter(deps: AnchorsRouterDeps): Router {
  const router = Router();
  const { anchors } = deps;

  router.get('/', async (req, res) => {
    validate(noQuery, req.query, 'query');
    res.json({ anchors: (await anchors.list()).map(presentAnchor) });
  });

  router.get('/:id', async (req, res) => {
    validate(noQuery, req.query, 'query');
    res.json(presentAnchor(await anchorOr404(anchors, req.params.id)));
  });

  router.post('/', requireAdmin, async (req, res) => {
    const body = validate(createAnchorBody, req.body, 'body');
    let record;
    if (body.text !== undefined) {
      record = await createAnchor({ ...body, title: body.title!, text: body.text }, deps);
    } else {
      const { checkUrl, readArticle } = deps;
      if (!checkUrl || !readArticle) throw new AppError(ErrorCodes.badRequest, 'This process cannot fetch pages: give the text');
      record = await createAnchorFromUrl({ url: body.url!, ...(body.title ? { title: body.title } : {}) }, { ...deps, checkUrl, readArticle });
    }
    res.status(201).location(`/api/anchors/${record.id}`).json(presentAnchor(record));
  });

  router.put('/:id/entities', requireAdmin, async (req, res) => {
    const body = validate(entitiesBody, req.body, 'body');
    const anchor = await anchorOr404(anchors, String(req.params.id));
    res.json(presentAnchor(await updateAnchorEntities(anchor, body.entities, deps)));
  });

  router.put('/:id/scope', requireAdmin, async (req, res) => {
    const body = validate(scopeBody, req.body, 'body');
    const anchor = await anchorOr404(anchors, String(req.params.id));
    res.json(presentAnchor(await setAnchorScope(anchor, body.scope, deps)));
  });

  router.delete('/:id', requireAdmin, async (req, res) => {
    validate(noQuery, req.query, 'query');
    await deleteAnchor(String(req.params.id), deps.deletion);
    res.status(204).end();
  });

  return router;
}
