import { verifyUnsubscribeToken } from '../digest/unsubscribe-token.ts';
import type { SubscriptionStore } from '../storage/subscription-store.ts';

/** What an unsubscribe link did: removed the subscription, found it already gone, or was not a valid link. */
export type UnsubscribeOutcome = 'removed' | 'already' | 'invalid';

/**
 * Follows an unsubscribe link: the token's signature must verify and its nonce match the
 * subscription, which is then deleted; the same link a second time finds nothing to remove.
 */
export async function unsubscribe(token: string, deps: { subscriptions: SubscriptionStore; signingKey(): Promise<string> }): Promise<UnsubscribeOutcome> {
  const claim = verifyUnsubscribeToken(token, await deps.signingKey());
  if (!claim) return 'invalid';
  const sub = await deps.subscriptions.get(claim.subscriptionId);
  if (!sub || sub.nonce !== claim.nonce) return 'already';
  return (await deps.subscriptions.delete(sub)) ? 'removed' : 'already';
}
