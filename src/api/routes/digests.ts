import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.ts';
import { buildAtomFeed, buildJsonFeed } from '../../digest/build-syndication.ts';
import type { AnchorRecord } from '../../storage/anchor-store.ts';
import type { StreamEntry } from '../../streams/stream-hub.ts';
import type { ApiDeps } from '../api-deps.ts';
import { DigestReader } from '../digest-reader.ts';
import { presentAnchor } from '../present.ts';
import { accessTokenParam, isoDateParam, limitParam } from '../query-schemas.ts';
import { lastEventIdOf, serveResumableStream, type RenderedEvent } from '../resumable-stream.ts';
import { SseSession } from '../sse-session.ts';
import { validate } from '../validate.ts';
import { cursorParam } from './items.ts';

const digestQuery = z
  .object({
    limit: limitParam,
    cursor: cursorParam,
    entity: z.string().min(1).max(100).optional(),
    since: isoDateParam.optional(),
    access_token: accessTokenParam,
  })
  .strict();

const streamQuery = z.object({ lastEventId: z.string().optional(), access_token: accessTokenParam }).strict();
const feedQuery = z.object({ limit: limitParam, access_token: accessTokenParam }).strict();

/** Rendered events per stream entry, shared by every client of this process (bounded). */
const RENDER_CACHE_SIZE = 2000;

/** /api/digests/:anchorId: the digest as JSON pages, a resumable event stream, Atom and JSON Feed. */
export function digestsRouter(deps: ApiDeps): Router {
  const router = Router();
  const { anchors, items } = deps.stores;
  const reader = new DigestReader(deps.stores);
  const rendered = new Map<string, Promise<RenderedEvent>>();

  const anchorOf = async (req: Request): Promise<AnchorRecord> => {
    const anchor = await anchors.get(String(req.params.anchorId));
    if (!anchor) throw new AppError(ErrorCodes.notFound, 'No anchor with this id.');
    return anchor;
  };

  const firstPage = async (anchor: AnchorRecord, limit: number) => {
    const page = await items.pageDigest(anchor.id, { limit, cursor: null, sinceMs: null, entity: null });
    return (await reader.build(page.ids, anchor, true)).map(({ stored: _stored, ...item }) => item);
  };

  const baseUrl = (req: Request) => `${req.protocol}://${req.get('host') ?? `${deps.config.host}:${deps.config.port}`}`;

  router.get('/:anchorId', async (req, res) => {
    const query = validate(digestQuery, req.query, 'query');
    const anchor = await anchorOf(req);
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
    const built = await reader.build(page.ids, anchor, true);
    res.json({
      anchor: presentAnchor(anchor),
      items: built.map(({ stored: _stored, ...item }) => item),
      nextCursor: page.nextCursor,
    });
  });

  router.get('/:anchorId/stream', async (req, res) => {
    const query = validate(streamQuery, req.query, 'query');
    const anchor = await anchorOf(req);
    const lastEventId = lastEventIdOf(req.get('last-event-id'), query.lastEventId);
    const session = new SseSession(res, req, deps.sse, deps.metrics.sseClients);
    const render = (entries: StreamEntry[]) =>
      Promise.all(
        entries.map((entry) => {
          const cacheKey = `${anchor.id}:${anchor.version}:${entry.id}`;
          let event = rendered.get(cacheKey);
          if (!event) {
            event = (async (): Promise<RenderedEvent> => {
              const itemId = entry.fields.item;
              if (!itemId) return null;
              const [built] = await reader.build([itemId], anchor, true);
              if (!built) return null;
              const { stored: _stored, ...item } = built;
              return { event: 'item', data: JSON.stringify(item) };
            })();
            rendered.set(cacheKey, event);
            event.catch(() => rendered.delete(cacheKey));
            if (rendered.size > RENDER_CACHE_SIZE) rendered.delete(rendered.keys().next().value!);
          }
          return event;
        }),
      );
    await serveResumableStream({
      session,
      hub: deps.hub,
      streams: deps.streams,
      key: deps.stores.keys.digestStream(anchor.id),
      lastEventId,
      render,
    });
  });

  router.get('/:anchorId/feed.atom', async (req, res) => {
    const query = validate(feedQuery, req.query, 'query');
    const anchor = await anchorOf(req);
    const base = baseUrl(req);
    const xml = buildAtomFeed({
      anchor: { id: anchor.id, title: anchor.source.title, url: anchor.source.url },
      items: await firstPage(anchor, query.limit),
      selfUrl: `${base}/api/digests/${encodeURIComponent(anchor.id)}/feed.atom`,
      homeUrl: `${base}/`,
      now: new Date(deps.now()),
    });
    res.type('application/atom+xml; charset=utf-8').send(xml);
  });

  router.get('/:anchorId/feed.json', async (req, res) => {
    const query = validate(feedQuery, req.query, 'query');
    const anchor = await anchorOf(req);
    const base = baseUrl(req);
    const feed = buildJsonFeed({
      anchor: { id: anchor.id, title: anchor.source.title, url: anchor.source.url },
      items: await firstPage(anchor, query.limit),
      selfUrl: `${base}/api/digests/${encodeURIComponent(anchor.id)}/feed.json`,
      homeUrl: `${base}/`,
      now: new Date(deps.now()),
    });
    res.type('application/feed+json; charset=utf-8').send(JSON.stringify(feed));
  });

  return router;
}
