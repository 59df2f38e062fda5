import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.ts';
import { buildAtomFeed, buildJsonFeed, feedUpdated } from '../../digest/build-syndication.ts';
import type { AnchorRecord } from '../../model/anchor.ts';
import type { StreamEntry } from '../../storage/stream-store.ts';
import type { ApiDeps } from '../api-deps.ts';
import { DigestReader } from '../digest-reader.ts';
import { isNotModified } from '../not-modified.ts';
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

  /**
   * The URL this reader subscribed to, on PUBLIC_URL (never the Host header, which the
   * client chooses): its query, token included, is kept so the self link works as it is.
   */
  const selfUrlOf = (req: Request, anchor: AnchorRecord, file: string) =>
    `${deps.publicUrl()}/api/digests/${encodeURIComponent(anchor.id)}/${file}${new URL(req.originalUrl, 'http://self.invalid').search}`;

  /** The digest's last change that its entries' own times do not show: the anchor edited, an item entering. */
  const changedAtOf = async (anchor: AnchorRecord): Promise<string> => {
    const lastEntry = await deps.streams.lastGeneratedId(deps.stores.keys.digestStream(anchor.id));
    return new Date(Math.max(anchor.updatedAt || 0, Number(lastEntry.split('-')[0]) || 0)).toISOString();
  };

  const syndicationOf = async (req: Request, anchor: AnchorRecord, file: string, limit: number) => {
    const items = await firstPage(anchor, limit);
    return {
      anchor: { id: anchor.id, title: anchor.source.title, url: anchor.source.url },
      items,
      selfUrl: selfUrlOf(req, anchor, file),
      homeUrl: `${deps.publicUrl()}/`,
      changedAt: await changedAtOf(anchor),
    };
  };

  /**
   * Sends a feed document with a strong ETag (its bytes) and Last-Modified (its `updated`),
   * answering 304 to a reader that holds it already (If-None-Match, else If-Modified-Since).
   */
  const sendConditional = (req: Request, res: Response, type: string, body: string, updated: string) => {
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
    const lastModified = new Date(updated);
    res.type(type);
    res.set('ETag', etag);
    res.set('Last-Modified', lastModified.toUTCString());
    // The document is per reader (its token is in the self link): caches keep it private and revalidate.
    res.set('Cache-Control', 'private, no-cache');
    if (isNotModified(req.headers, { etag, lastModified })) {
      res.status(304).end();
      return;
    }
    res.send(body);
  };

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
    const input = await syndicationOf(req, anchor, 'feed.atom', query.limit);
    sendConditional(req, res, 'application/atom+xml; charset=utf-8', buildAtomFeed(input), feedUpdated(input));
  });

  router.get('/:anchorId/feed.json', async (req, res) => {
    const query = validate(feedQuery, req.query, 'query');
    const anchor = await anchorOf(req);
    const input = await syndicationOf(req, anchor, 'feed.json', query.limit);
    sendConditional(req, res, 'application/feed+json; charset=utf-8', JSON.stringify(buildJsonFeed(input)), feedUpdated(input));
  });

  return router;
}
