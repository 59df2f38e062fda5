import { Router, type Response } from 'express';
import { escapeHtml } from '../../digest/escape-html.ts';
import { unsubscribe, type UnsubscribeOutcome } from '../../pipeline/unsubscribe.ts';
import type { SubscriptionStore } from '../../storage/subscription-store.ts';

/** What /unsubscribe uses. */
export interface UnsubscribeRouterDeps {
  subscriptions: SubscriptionStore;
  signingKey(): Promise<string>;
}

const MESSAGES: Record<UnsubscribeOutcome, [number, string, string]> = {
  removed: [200, 'Unsubscribed', 'You will receive no more digest e-mails from this subscription.'],
  already: [200, 'Already unsubscribed', 'This subscription was already removed; nothing more will be sent.'],
  invalid: [400, 'Link not valid', 'This unsubscribe link is not valid. Copy the whole link from the e-mail.'],
};

function page(res: Response, outcome: UnsubscribeOutcome): void {
  const [status, title, text] = MESSAGES[outcome];
  res
    .status(status)
    .type('html')
    .send(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`);
}

/**
 * /unsubscribe/:token, outside /api and without a bearer token: the signed token is the
 * authentication. GET removes the subscription and confirms; POST does the same for mail
 * clients' one-click unsubscribe (RFC 8058).
 */
export function unsubscribeRouter(deps: UnsubscribeRouterDeps): Router {
  const router = Router();
  const handle = async (token: string, res: Response) => page(res, await unsubscribe(token, deps));
  router.get('/:token', (req, res) => handle(String(req.params.token), res));
  router.post('/:token', (req, res) => handle(String(req.params.token), res));
  return router;
}
