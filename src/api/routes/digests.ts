import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { AppError, ErrorCodes } from '../../errors.ts';
import { buildAtomFeed, buildJsonFeed, feedUpdated } from '../../digest/build-syndication.ts';
import type { AnchorRecord } from '../../model/anchor.ts';
import type { DigestReader } from '../../pipeline/digest-reader.ts';
import type { AnchorStore } from '../../storage/anchor-store.ts';
import type { StreamFollower } from '../../storage/stream-follower.ts';
import type { StreamEntry, StreamStore } from '../../storage/stream-store.ts';
import { anchorOr404 } from '../find-or-404.ts';
import { isNotModified } from '../not-modified.ts';
import { presentAnchor } from '../present.ts';
import { lastEventIdOf, serveResumableStream, type RenderedEvent } from '../resumable-stream.ts';
import { SseSession, type SseOptions } from '../sse-session.ts';
import { validate } from '../validate.ts';
import { noQuery, streamQuery } from '../schemas/common.ts';
import { digestQuery, feedbackBody, feedQuery } from '../schemas/digests.ts';
import { recordFeedback, withdrawFeedback, type FeedbackDeps } from '../../pipeline/record-feedback.ts';
import { requireAdmin } from '../auth.ts';

/** Rendered events per stream entry, shared by every client of this process (bounded). */
const RENDER_CACHE_SIZE = 2000;
/** Parsed anchors shared by the open streams (one per anchor version; a few anchors are streamed at once). */
const SHARED_ANCHORS = 64;

/** What /api/digests uses. */
export interface DigestsRouterDeps {
  anchors: Pick<AnchorStore, 'get' | 'defaultId'>;
  reader: Pick<DigestReader, 'digestPage' | 'entry'>;
  streams: StreamStore;
  follower: StreamFollower;
  sse: SseOptions;
  /** Counts open event streams (the metrics gauge). */
  sseClients: { inc(): void; dec(): void };
  /** Where others reach this API (PUBLIC_URL, else where it listens): the base of every self link. */
  publicUrl(): string;
  /** The analyst's judgements: stored, applied at once, learned from by a re-tag. */
  feedback: FeedbackDeps;
}

/** A digest stream request that passed its checks: what serving it needs. */
export interface PreparedDigestStream {
  anchor: AnchorRecord;
  lastEventId: string | null;
}

/** The digest's resumable event stream: its checks and its serving, shared by the Express route and the node:http fast path. */
export interface DigestStream {
  /** Checks a request (query, anchor, Last-Event-ID); throws the AppError its answer is. */
  prepare(anchorId: string, query: unknown, lastEventIdHeader: string | undefined): Promise<PreparedDigestStream>;
  /**
   * Answers a prepared request with the event stream (headers already set on `res` are kept).
   * `detach`: the connection leaves node:http once the head is sent (nothing else listens on
   * this response); `onSession` sees the session as soon as it exists.
   */
  serve(prepared: PreparedDigestStream, req: IncomingMessage, res: ServerResponse, opts?: { detach?: boolean; onSession?(session: SseSession): void }): Promise<void>;
}

/**
 * GET /api/digests/:anchorId/stream: the digest's resumable event stream, with the render
 * cache and the shared anchors that every stream of this process uses.
 */
export function digestStream(deps: DigestsRouterDeps): DigestStream {
  const { reader } = deps;
  const rendered = new Map<string, Promise<RenderedEvent>>();
  const detachedSse: SseOptions = { ...deps.sse, detach: true };

  // An open stream keeps its anchor for as long as it lasts; a parsed anchor (source text,
  // entities, model) is tens of KB, so every stream of one anchor version shares one copy
  // instead of holding its own: 10,000 streams would otherwise hold 10,000 copies.
  const sharedAnchors = new Map<string, AnchorRecord>();
  const sharedAnchor = (anchor: AnchorRecord): AnchorRecord => {
    const key = `${anchor.id}\u0000${anchor.version}\u0000${anchor.updatedAt}`;
    const known = sharedAnchors.get(key);
    if (known) return known;
    sharedAnchors.set(key, anchor);
    if (sharedAnchors.size > SHARED_ANCHORS) sharedAnchors.delete(sharedAnchors.keys().next().value!);
    return anchor;
  };
  // One render function per anchor version, shared by its streams (not a closure per stream).
  const renders = new Map<AnchorRecord, (entries: StreamEntry[]) => Promise<RenderedEvent[]>>();
  const renderOf = (anchor: AnchorRecord) => {
    let render = renders.get(anchor);
    if (render) return render;
    render = (entries: StreamEntry[]) =>
      Promise.all(
        entries.map((entry) => {
          const cacheKey = `${anchor.id}:${anchor.version}:${entry.id}`;
          let event = rendered.get(cacheKey);
          if (!event) {
            event = (async (): Promise<RenderedEvent> => {
              // A departure carries the id only: the client drops what it shows under it.
              if (entry.fields.remove) return { event: 'remove', data: JSON.stringify({ id: entry.fields.remove }) };
              const itemId = entry.fields.item;
              const item = itemId ? await reader.entry(itemId, anchor) : null;
              return item ? { event: 'item', data: JSON.stringify(item) } : null;
            })();
            rendered.set(cacheKey, event);
            event.catch(() => rendered.delete(cacheKey));
            if (rendered.size > RENDER_CACHE_SIZE) rendered.delete(rendered.keys().next().value!);
          }
          return event;
        }),
      );
    renders.set(anchor, render);
    if (renders.size > SHARED_ANCHORS) renders.delete(renders.keys().next().value!);
    return render;
  };

  return {
    async prepare(anchorId, query, lastEventIdHeader) {
      const q = validate(streamQuery, query, 'query');
      const anchor = sharedAnchor(await anchorOr404(deps.anchors, anchorId));
      return { anchor, lastEventId: lastEventIdOf(lastEventIdHeader, q.lastEventId) };
    },
    async serve({ anchor, lastEventId }, req, res, opts) {
      const session = new SseSession(res, req, opts?.detach ? detachedSse : deps.sse, deps.sseClients);
      opts?.onSession?.(session);
      await serveResumableStream({
        session,
        follower: deps.follower,
        streams: deps.streams,
        key: deps.streams.digestStream(anchor.id),
        lastEventId,
        renderKey: `${anchor.id}:${anchor.version}`,
        render: renderOf(anchor),
      });
    },
  };
}

/** The Express route of the digest stream (createApp mounts it ahead of the per-request logger, see there). */
export function digestStreamHandler(stream: DigestStream): RequestHandler {
  return async (req, res) => {
    const prepared = await stream.prepare(String(req.params.anchorId), req.query, req.get('last-event-id'));
    await stream.serve(prepared, req, res);
  };
}

/** /api/digests/:anchorId: the digest as JSON pages, Atom and JSON Feed (the event stream is digestStreamHandler). */
export function digestsRouter(deps: DigestsRouterDeps): Router {
  const router = Router();
  const { reader } = deps;

  const anchorOf = (req: Request): Promise<AnchorRecord> => anchorOr404(deps.anchors, String(req.params.anchorId));

  /**
   * The URL this reader subscribed to, on PUBLIC_URL (never the Host header, which the
   * client chooses): its query, token included, is kept so the self link works as it is.
   */
  const selfUrlOf = (req: Request, anchor: AnchorRecord, file: string) =>
    `${deps.publicUrl()}/api/digests/${encodeURIComponent(anchor.id)}/${file}${new URL(req.originalUrl, 'http://self.invalid').search}`;

  /** The digest's last change that its entries' own times do not show: the anchor edited, an item entering. */
  const changedAtOf = async (anchor: AnchorRecord): Promise<string> => {
    const lastEntry = await deps.streams.lastGeneratedId(deps.streams.digestStream(anchor.id));
    return new Date(Math.max(anchor.updatedAt || 0, Number(lastEntry.split('-')[0]) || 0)).toISOString();
  };

  const syndicationOf = async (req: Request, anchor: AnchorRecord, file: string, limit: number) => {
    const page = await reader.digestPage(anchor, { limit, cursor: null, sinceMs: null, entity: null });
    return {
      anchor: { id: anchor.id, title: anchor.source.title, url: anchor.source.url },
      items: page.items,
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
    const page = await reader.digestPage(anchor, {
      limit: query.limit,
      cursor: query.cursor ?? null,
      sinceMs: query.since ?? null,
      entity: query.entity ?? null,
    });
    res.json({ anchor: presentAnchor(anchor), items: page.items, nextCursor: page.nextCursor });
  });

  router.post('/:anchorId/feedback', requireAdmin, async (req, res) => {
    validate(noQuery, req.query, 'query');
    const body = validate(feedbackBody, req.body, 'body');
    const anchor = await anchorOr404(deps.feedback.anchors, String(req.params.anchorId));
    res.json(await recordFeedback(anchor, body, deps.feedback));
  });

  router.get('/:anchorId/feedback', async (req, res) => {
    validate(noQuery, req.query, 'query');
    const anchor = await anchorOf(req);
    const verdicts = await deps.feedback.feedback.list(anchor.id);
    res.json({ feedback: verdicts.map((v) => ({ itemId: v.itemId, relevant: v.relevant, at: new Date(v.at).toISOString() })) });
  });

  router.delete('/:anchorId/feedback/:itemId', requireAdmin, async (req, res) => {
    validate(noQuery, req.query, 'query');
    const anchor = await anchorOr404(deps.feedback.anchors, String(req.params.anchorId));
    await withdrawFeedback(anchor, String(req.params.itemId), deps.feedback);
    res.status(204).end();
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
