import express, { Router } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import { AppError, ErrorCodes } from '../../errors.ts';
import { receivePush, type PushDeps } from '../../pipeline/receive-push.ts';
import { verifyIntent, type WebSubDeps } from '../../pipeline/websub-subscription.ts';

/** What the WebSub callback uses: intent verification, push ingestion, and its own limits. */
export interface WebSubRouterDeps {
  subscriptions: WebSubDeps;
  pushes: PushDeps;
  /** Size cap of one pushed body (WEBSUB_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** Pushes accepted per feed and minute, across every API process (WEBSUB_PUSHES_PER_MINUTE). */
  pushesPerMinute: number;
  rateLimitStore(): Store;
}

const one = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * /websub/:feedId, outside /api and its tokens: the hub authenticates itself by echoing our
 * challenge (GET) and by signing each push with the feed's secret (POST). A push with a bad
 * or missing signature is answered 202 as the spec asks, and changes nothing.
 */
export function websubRouter(deps: WebSubRouterDeps): Router {
  const router = Router();

  router.get('/:feedId', async (req, res) => {
    const challenge = await verifyIntent(
      String(req.params.feedId),
      {
        mode: one(req.query['hub.mode']),
        topic: one(req.query['hub.topic']),
        challenge: one(req.query['hub.challenge']),
        leaseSeconds: /^\d{1,9}$/.test(one(req.query['hub.lease_seconds'])) ? Number(req.query['hub.lease_seconds']) : null,
        reason: one(req.query['hub.reason']) || null,
      },
      deps.subscriptions,
    );
    if (challenge === null) throw new AppError(ErrorCodes.notFound, 'No subscription of this feed to this topic was asked for.');
    res.status(200).type('text/plain').send(challenge);
  });

  router.post(
    '/:feedId',
    rateLimit({
      windowMs: 60_000,
      limit: deps.pushesPerMinute,
      keyGenerator: (req) => `websub:${String(req.params.feedId)}`,
      store: deps.rateLimitStore(),
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      handler: (_req, _res, next) => {
        deps.pushes.metrics.websubPushes.inc({ outcome: 'rate-limited' });
        next(new AppError(ErrorCodes.rateLimited, `Too many pushes for this feed: at most ${deps.pushesPerMinute} per minute.`));
      },
    }),
    // The signature covers the raw bytes: the body is kept exactly as sent, whatever its type.
    express.raw({ type: () => true, limit: deps.maxBodyBytes }),
    async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const outcome = await receivePush(
        String(req.params.feedId),
        { body, contentType: req.headers['content-type'] ?? null, signature: req.headers['x-hub-signature'] as string | undefined },
        deps.pushes,
      );
      if (outcome === 'unknown-feed') throw new AppError(ErrorCodes.notFound, 'No subscription for this feed.');
      res.status(outcome === 'ingested' ? 204 : 202).end();
    },
  );

  return router;
}
