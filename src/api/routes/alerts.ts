import { Router, type Request } from 'express';
import { AppError, ErrorCodes } from '../../errors.ts';
import type { AlertRecord } from '../../model/alert.ts';
import { createAlert, type CreateAlertDeps } from '../../pipeline/create-alert.ts';
import { listAlertHits } from '../../pipeline/list-alert-hits.ts';
import { previewAlert, type PreviewDeps } from '../../pipeline/preview-alert.ts';
import type { AlertStore } from '../../storage/alert-store.ts';
import type { ItemStore } from '../../storage/item-store.ts';
import type { StreamFollower } from '../../storage/stream-follower.ts';
import type { StreamStore } from '../../storage/stream-store.ts';
import { lastEventIdOf, serveResumableStream } from '../resumable-stream.ts';
import { SseSession, type SseOptions } from '../sse-session.ts';
import { validate } from '../validate.ts';
import { ConcurrencyGate } from '../concurrency-gate.ts';
import { createAlertBody, listQuery, previewAlertBody } from '../schemas/alerts.ts';
import { noQuery, streamQuery } from '../schemas/common.ts';

/** Alerts one key may own. */
export const MAX_ALERTS_PER_KEY = 200;

/** The owner id of the caller's alerts. */
function ownerOf(req: Request): string {
  const p = req.principal!;
  return p.kind === 'admin' ? 'admin' : p.keyId;
}

/** The contract's Alert. */
function presentAlert(alert: AlertRecord) {
  return {
    id: alert.id,
    name: alert.name,
    query: alert.query,
    anchorId: alert.anchorId,
    webhook: alert.webhook ? { url: alert.webhook.url, disabled: alert.webhook.disabled, format: alert.webhook.format ?? 'standard' } : null,
    email: alert.email ? { to: alert.email.to } : null,
    ...(alert.spike ? { spike: alert.spike } : {}),
    createdAt: new Date(alert.createdAt).toISOString(),
  };
}

/** What /api/alerts uses. */
export interface AlertsRouterDeps {
  alerts: AlertStore;
  items: ItemStore;
  /** Creating alerts: the anchors, the SSRF check of targets, the clock (the per-owner cap is this router's). */
  creation: Omit<CreateAlertDeps, 'maxPerOwner'>;
  streams: StreamStore;
  follower: StreamFollower;
  sse: SseOptions;
  /** Counts open event streams (the metrics gauge). */
  sseClients: { inc(): void; dec(): void };
  /** Previews: the stores they read and VOLUME_QUERY_MAX_ITEMS. */
  preview: Omit<PreviewDeps, 'now'>;
  /** EXPENSIVE_READ_CONCURRENCY: previews one process runs at once. */
  expensiveReadConcurrency: number;
}

/** /api/alerts: keyword and spike alerts of the caller, their hits, deliveries and live stream. */
export function alertsRouter(deps: AlertsRouterDeps): Router {
  const router = Router();
  const { alerts } = deps;

  // Another key's alert is "not found", never "forbidden": its existence is not disclosed.
  const ownAlert = async (req: Request): Promise<AlertRecord> => {
    const alert = await alerts.get(String(req.params.id));
    if (!alert || alert.owner !== ownerOf(req)) throw new AppError(ErrorCodes.notFound, 'No alert with this id.');
    return alert;
  };

  router.post('/', async (req, res) => {
    const body = validate(createAlertBody, req.body, 'body');
    const { alert, shownOnce } = await createAlert(body, ownerOf(req), { ...deps.creation, maxPerOwner: MAX_ALERTS_PER_KEY });
    // A generated secret is shown once, here; a supplied one is never echoed.
    let presented: Record<string, unknown> = presentAlert(alert);
    for (const [kind, extra] of Object.entries(shownOnce)) presented = { ...presented, [kind]: { ...(presented[kind] as object), ...extra } };
    res.status(201).location(`/api/alerts/${alert.id}`).json(presented);
  });

  // A preview tests stored items one by one, like a q= series: capped per process the same way.
  const previews = new ConcurrencyGate(deps.expensiveReadConcurrency);
  router.post('/preview', async (req, res) => {
    const body = validate(previewAlertBody, req.body, 'body');
    previews.enter(res);
    const result = await previewAlert(body, { ...deps.preview, now: deps.creation.now });
    res.json({
      count: result.count,
      hits: result.hits.map((h) => ({ ...h, publishedAt: new Date(h.publishedAt).toISOString() })),
      volume: result.volume.map((v) => ({ t: new Date(v.t).toISOString(), count: v.count })),
    });
  });

  router.get('/', async (req, res) => {
    validate(noQuery, req.query, 'query');
    res.json({ alerts: (await alerts.listByOwner(ownerOf(req))).map(presentAlert) });
  });

  router.get('/stream', async (req, res) => {
    const query = validate(streamQuery, req.query, 'query');
    const lastEventId = lastEventIdOf(req.get('last-event-id'), query.lastEventId);
    const session = new SseSession(res, req, deps.sse, deps.sseClients);
    await serveResumableStream({
      session,
      follower: deps.follower,
      streams: deps.streams,
      key: deps.streams.alertStream(ownerOf(req)),
      lastEventId,
      render: async (entries) => entries.map((e) => (e.fields.hit ? { event: 'hit', data: e.fields.hit } : null)),
    });
  });

  router.get('/:id', async (req, res) => {
    validate(noQuery, req.query, 'query');
    res.json(presentAlert(await ownAlert(req)));
  });

  router.delete('/:id', async (req, res) => {
    await alerts.delete(await ownAlert(req));
    res.status(204).end();
  });

  router.get('/:id/hits', async (req, res) => {
    const query = validate(listQuery, req.query, 'query');
    const alert = await ownAlert(req);
    const hits = await listAlertHits(alert.id, query.limit, deps);
    res.json({
      hits: hits.map((h) => ({
        itemId: h.itemId,
        title: h.title,
        link: h.link,
        publishedAt: h.publishedAt === null ? null : new Date(h.publishedAt).toISOString(),
        matchedAt: new Date(h.matchedAt).toISOString(),
      })),
    });
  });

  router.get('/:id/deliveries', async (req, res) => {
    const query = validate(listQuery, req.query, 'query');
    const alert = await ownAlert(req);
    const deliveries = await alerts.deliveries(alert.id, query.limit);
    res.json({
      deliveries: deliveries.map((d) => ({
        webhookId: d.webhookId,
        channel: d.channel,
        itemId: d.itemId,
        status: d.status,
        attempts: d.attempts,
        lastStatus: d.lastStatus,
        lastError: d.lastError,
        nextAttemptAt: d.status === 'pending' && d.nextAttemptAt !== null ? new Date(d.nextAttemptAt).toISOString() : null,
      })),
    });
  });

  return router;
}
