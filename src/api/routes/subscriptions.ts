import { Router, type Request } from 'express';
import { AppError, ErrorCodes } from '../../errors.ts';
import type { SubscriptionRecord } from '../../model/subscription.ts';
import { createSubscription, type CreateSubscriptionDeps } from '../../pipeline/create-subscription.ts';
import type { SubscriptionStore } from '../../storage/subscription-store.ts';
import { noQuery } from '../schemas/common.ts';
import { createSubscriptionBody } from '../schemas/subscriptions.ts';
import { validate } from '../validate.ts';

/** Subscriptions one key may own. */
export const MAX_SUBSCRIPTIONS_PER_KEY = 100;

/** What /api/subscriptions uses. */
export interface SubscriptionsRouterDeps {
  subscriptions: SubscriptionStore;
  creation: Omit<CreateSubscriptionDeps, 'maxPerOwner'>;
  /** Queues a send of the next e-mail now. */
  requestSend(subscriptionId: string, period: string): Promise<void>;
  now(): number;
}

function ownerOf(req: Request): string {
  const p = req.principal!;
  return p.kind === 'admin' ? 'admin' : p.keyId;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The contract's Subscription (the cursor and the token nonce stay inside). */
function present(sub: SubscriptionRecord) {
  return {
    id: sub.id,
    anchorId: sub.anchorId,
    email: sub.email,
    every: sub.every,
    at: sub.at,
    tz: sub.tz,
    minScore: sub.minScore,
    lastSentAt: iso(sub.lastSentAt),
    nextSendAt: iso(sub.nextSendAt),
    createdAt: iso(sub.createdAt),
  };
}

/** /api/subscriptions: the caller's digest e-mail subscriptions. */
export function subscriptionsRouter(deps: SubscriptionsRouterDeps): Router {
  const router = Router();
  // Another key's subscription is "not found", never "forbidden", like alerts.
  const own = async (req: Request): Promise<SubscriptionRecord> => {
    const sub = await deps.subscriptions.get(String(req.params.id));
    if (!sub || sub.owner !== ownerOf(req)) throw new AppError(ErrorCodes.notFound, 'No subscription with this id.');
    return sub;
  };

  router.post('/', async (req, res) => {
    const body = validate(createSubscriptionBody, req.body, 'body');
    const sub = await createSubscription(body, ownerOf(req), { ...deps.creation, maxPerOwner: MAX_SUBSCRIPTIONS_PER_KEY });
    res.status(201).location(`/api/subscriptions/${sub.id}`).json(present(sub));
  });

  router.get('/', async (req, res) => {
    validate(noQuery, req.query, 'query');
    res.json({ subscriptions: (await deps.subscriptions.listByOwner(ownerOf(req))).map(present) });
  });

  router.get('/:id', async (req, res) => {
    validate(noQuery, req.query, 'query');
    res.json(present(await own(req)));
  });

  router.delete('/:id', async (req, res) => {
    await deps.subscriptions.delete(await own(req));
    res.status(204).end();
  });

  router.post('/:id/send', async (req, res) => {
    const sub = await own(req);
    await deps.requestSend(sub.id, `manual-${deps.now()}`);
    res.status(202).json({ queued: true });
  });

  return router;
}
