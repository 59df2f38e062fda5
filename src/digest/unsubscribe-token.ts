import { createHmac, timingSafeEqual } from 'node:crypto';

/** A signed unsubscribe token for a subscription: its id and nonce, and an HMAC-SHA256 over both. */
export function signUnsubscribeToken(subscriptionId: string, nonce: string, key: string): string {
  const mac = createHmac('sha256', key).update(`unsubscribe:${subscriptionId}:${nonce}`).digest('base64url');
  return `${subscriptionId}.${nonce}.${mac}`;
}

/** The subscription id and nonce of a token whose signature verifies, or null (forged, garbled, another key's). */
export function verifyUnsubscribeToken(token: string, key: string): { subscriptionId: string; nonce: string } | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]{1,100}$/.test(p))) return null;
  const [subscriptionId, nonce, mac] = parts as [string, string, string];
  const expected = Buffer.from(signUnsubscribeToken(subscriptionId, nonce, key).split('.')[2]!);
  const given = Buffer.from(mac);
  return given.length === expected.length && timingSafeEqual(given, expected) ? { subscriptionId, nonce } : null;
}
