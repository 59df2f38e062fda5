import { Router } from 'express';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.ts';
import { registerAnchorSource, replaceAnchorEntities, type AnchorDeps } from '../../pipeline/register-anchor.ts';
import type { Entity } from '../../model/anchor.ts';
import { generateAliases } from '../../tagging/entity-aliases.ts';
import { entityKey, entityWeight, slug } from '../../tagging/extract-entities.ts';
import { extractEntitiesOffLoop } from '../../runtime/extract-off-loop.ts';
import { enqueueRetag } from '../../queue/queues.ts';
import type { ApiDeps } from '../api-deps.ts';
import { requireAdmin } from '../auth.ts';
import { presentAnchor } from '../present.ts';
import { accessTokenParam } from '../query-schemas.ts';
import { validate } from '../validate.ts';

const kind = z.enum(['person', 'place', 'organization', 'topic']);

const createAnchorBody = z.object({
  title: z.string().trim().min(1).max(300),
  text: z.string().trim().min(1).max(200_000),
  url: z.string().trim().url().max(2048).refine((u) => /^https?:/i.test(u), 'must be an http(s) URL').optional(),
  publishedAt: z.string().datetime({ offset: true }).optional(),
});

const entitiesBody = z.object({
  entities: z
    .array(
      z.object({
        name: z.string().trim().min(1).max(200),
        kind,
        aliases: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
      }),
    )
    .max(500),
});

const noQuery = z.object({ access_token: accessTokenParam }).strict();

/** The id of a posted anchor: a slug of its title. */
function anchorIdOf(title: string): string {
  return slug(title).slice(0, 60) || 'anchor';
}

/** /api/anchors: the source pieces and their entity lists. */
export function anchorsRouter(deps: ApiDeps): Router {
  const router = Router();
  const { anchors } = deps.stores;
  const anchorDeps: AnchorDeps = {
    anchors,
    extract: extractEntitiesOffLoop,
    requestRetag: (anchorId, version) => enqueueRetag(deps.queues.retag, anchorId, version),
    now: deps.now,
  };

  router.get('/', async (req, res) => {
    validate(noQuery, req.query, 'query');
    res.json({ anchors: (await anchors.list()).map(presentAnchor) });
  });

  router.get('/:id', async (req, res) => {
    validate(noQuery, req.query, 'query');
    const anchor = await anchors.get(req.params.id);
    if (!anchor) throw new AppError(ErrorCodes.notFound, 'No anchor with this id.');
    res.json(presentAnchor(anchor));
  });

  router.post('/', requireAdmin, async (req, res) => {
    const body = validate(createAnchorBody, req.body, 'body');
    const base = anchorIdOf(body.title);
    let id = base;
    for (let n = 2; await anchors.get(id); n++) id = `${base}-${n}`;
    const record = await registerAnchorSource(
      {
        id,
        title: body.title,
        url: body.url ?? null,
        publishedAt: body.publishedAt ?? null,
        text: body.text,
        overrides: { entities: [], aliases: {}, exclude: [] },
      },
      anchorDeps,
    );
    res.status(201).location(`/api/anchors/${id}`).json(presentAnchor(record));
  });

  router.put('/:id/entities', requireAdmin, async (req, res) => {
    const body = validate(entitiesBody, req.body, 'body');
    const anchor = await anchors.get(String(req.params.id));
    if (!anchor) throw new AppError(ErrorCodes.notFound, 'No anchor with this id.');
    const previous = new Map(anchor.entities.map((e) => [e.name.toLowerCase(), e]));
    const seen = new Set<string>();
    const entities: Entity[] = [];
    for (const input of body.entities) {
      const before = previous.get(input.name.toLowerCase());
      const key = before?.key ?? entityKey(input.name, input.kind);
      if (seen.has(key)) {
        throw new AppError(ErrorCodes.validation, `Two entities share the key "${key}".`, {
          fieldErrors: [{ field: 'entities', message: `duplicate entity "${input.name}"` }],
        });
      }
      seen.add(key);
      // The user's aliases come on top of the generated ones (demonyms, surname, variants).
      const aliases = [...new Set([...(input.aliases ?? []), ...generateAliases(input.name, input.kind)])].filter(
        (a) => a.toLowerCase() !== input.name.toLowerCase(),
      );
      entities.push({ key, name: input.name, kind: input.kind, aliases, weight: before?.weight ?? entityWeight(input.name, input.kind) });
    }
    const record = await replaceAnchorEntities(anchor, entities, anchorDeps);
    res.json(presentAnchor(record));
  });

  return router;
}
