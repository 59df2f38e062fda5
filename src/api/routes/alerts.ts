import { Router, type Request } from 'express';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { compileQuery } from '../../alerts/evaluate-query.ts';
import { parseQuery } from '../../alerts/parse-query.ts';
import { generateWebhookSecret, isStandardWebhookSecret, WEBHOOK_SECRET_BYTES } from '../../alerts/sign-webhook.ts';
import { AppError, ErrorCodes } from '../../errors.ts';
import type { AlertRecord } from '../../model/alert.ts';
import type { AnchorRecord } from '../../model/anchor.ts';
import type { ApiDeps } from '../api-deps.ts';
import { accessTokenParam, limitParam } from '../query-schemas.ts';
import { lastEventIdOf, serveResumableStream } from '../resumable-stream.ts';
import { SseSession } from '../sse-session.ts';
import { validate } from '../validate.ts';

/** Alerts one key may own. */
export const MAX_ALERTS_PER_KEY = 200;

const webhookBody = z
  .object({
    url: z.string().trim().min(1).max(2048),
    // Receivers verify with `new Webhook(secret).verify()`, which only takes this form.
    secret: z
      .string()
      .max(256)
      .refine(isStandardWebhookSecret, {
        message: `must be a Standard Webhooks secret: whsec_ followed by the base64 of ${WEBHOOK_SECRET_BYTES.min} to ${WEBHOOK_SECRET_BYTES.max} random bytes (omit it to have one generated)`,
      })
      .optional(),
  })
  .strict();

const spikeBody = z
  .object({
    entity: z.string().min(1).max(100).optional(),
    query: z.string().min(1).optional(),
    windowMinutes: z.number().int().min(1).max(7 * 24 * 60),
    baselineHours: z.number().int().min(1).max(90 * 24),
    factor: z.number().min(1).max(1000),
    minCount: z.number().int().min(1).max(1_000_000),
  })
  .strict()
  .refine((s) => (s.entity === undefined) !== (s.query === undefined), 'give exactly one of entity and query');

const createAlertBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    query: z.string().min(1).optional(),
    anchorId: z.string().min(1).max(100).optional(),
    webhook: webhookBody.optional(),
    spike: spikeBody.optional(),
  })
  .strict()
  .refine((b) => (b.query === undefined) !== (b.spike === undefined), 'give exactly one of query and spike');

const noQuery = z.object({ access_token: accessTokenParam }).strict();
const listQuery = z.object({ limit: limitParam, access_token: accessTokenParam }).strict();
const streamQuery = z.object({ lastEventId: z.string().optional(), access_token: accessTokenParam }).strict();

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
    webhook: alert.webhook ? { url: alert.webhook.url, disabled: alert.webhook.disabled } : null,
    ...(alert.spike ? { spike: alert.spike } : {}),
    createdAt: new Date(alert.createdAt).toISOString(),
  };
}

/** /api/alerts: keyword and spike alerts of the caller, their hits, deliveries and live stream. */
export function alertsRouter(deps: ApiDeps): Router {
  const router = Router();
  const { alerts, anchors, items } = deps.stores;

  // Another key's alert is "not found", never "forbidden": its existence is not disclosed.
  const ownAlert = async (req: Request): Promise<AlertRecord> => {
    const alert = await alerts.get(String(req.params.id));
    if (!alert || alert.owner !== ownerOf(req)) throw new AppError(ErrorCodes.notFound, 'No alert with this id.');
    return alert;
  };

  const checkQuery = (query: string, anchor: AnchorRecord) => {
    compileQuery(parseQuery(query), { entityKeys: new Set(anchor.entities.map((e) => e.key)) });
  };

  router.post('/', async (req, res) => {
    const body = validate(createAlertBody, req.body, 'body');
    const anchorId = body.anchorId ?? (await anchors.defaultId());
    const anchor = anchorId ? await anchors.get(anchorId) : null;
    if (!anchor) throw new AppError(ErrorCodes.validation, 'No such anchor.', { fieldErrors: [{ field: 'anchorId', message: 'is not an anchor' }] });
    const query = body.query ?? body.spike?.query ?? null;
    if (query !== null) checkQuery(query, anchor);
    if (body.spike?.entity && !anchor.entities.some((e) => e.key === body.spike!.entity)) {
      throw new AppError(ErrorCodes.validation, `Unknown entity key "${body.spike.entity}" for anchor ${anchor.id}.`, {
        fieldErrors: [{ field: 'spike.entity', message: 'is not an entity key of this anchor' }],
      });
    }
    let webhook: AlertRecord['webhook'] = null;
    let generatedSecret: string | null = null;
    if (body.webhook) {
      const url = await deps.http.checkUrl(body.webhook.url);
      generatedSecret = body.webhook.secret ? null : generateWebhookSecret();
      webhook = { url: url.href, secret: body.webhook.secret ?? generatedSecret!, disabled: false };
    }
    const alert: AlertRecord = {
      id: randomBytes(9).toString('base64url'),
      owner: ownerOf(req),
      name: body.name,
      query,
      anchorId: anchor.id,
      spike: body.spike ? { ...body.spike } : null,
      webhook,
      createdAt: deps.now(),
    };
    if (!(await alerts.create(alert, MAX_ALERTS_PER_KEY))) {
      throw new AppError(ErrorCodes.conflict, `A key may own at most ${MAX_ALERTS_PER_KEY} alerts; delete some first.`);
    }
    const presented = presentAlert(alert);
    // A generated secret is shown once, here; a supplied one is never echoed.
    res
      .status(201)
      .location(`/api/alerts/${alert.id}`)
      .json(generatedSecret ? { ...presented, webhook: { ...presented.webhook, secret: generatedSecret } } : presented);
  });

  router.get('/', async (req, res) => {
    validate(noQuery, req.query, 'query');
    res.json({ alerts: (await alerts.listByOwner(ownerOf(req))).map(presentAlert) });
  });

  router.get('/stream', async (req, res) => {
    const query = validate(streamQuery, req.query, 'query');
    const lastEventId = lastEventIdOf(req.get('last-event-id'), query.lastEventId);
    const session = new SseSession(res, req, deps.sse, deps.metrics.sseClients);
    await serveResumableStream({
      session,
      hub: deps.hub,
      streams: deps.streams,
      key: deps.stores.keys.alertStream(ownerOf(req)),
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
    const hits = await alerts.hits(alert.id, query.limit);
    const byId = new Map((await items.getMany(hits.map((h) => h.itemId))).map((i) => [i.id, i]));
    res.json({
      hits: hits.map((h) => {
        const item = byId.get(h.itemId);
        return {
          itemId: h.itemId,
          title: item?.title ?? null,
          link: item?.link ?? null,
          publishedAt: item ? new Date(item.publishedAt).toISOString() : null,
          matchedAt: new Date(h.matchedAt).toISOString(),
        };
      }),
    });
  });

  router.get('/:id/deliveries', async (req, res) => {
    const query = validate(listQuery, req.query, 'query');
    const alert = await ownAlert(req);
    const deliveries = await alerts.deliveries(alert.id, query.limit);
    res.json({
      deliveries: deliveries.map((d) => ({
        webhookId: d.webhookId,
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
