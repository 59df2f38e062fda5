import { describe, expect, it } from 'vitest';
import { signUnsubscribeToken, verifyUnsubscribeToken } from './unsubscribe-token.ts';

describe('unsubscribe tokens', () => {
  const token = signUnsubscribeToken('sub_1', 'nonce-a', 'key-1');

  it('verifies its own token and gives back the subscription and nonce', () => {
    expect(verifyUnsubscribeToken(token, 'key-1')).toEqual({ subscriptionId: 'sub_1', nonce: 'nonce-a' });
  });

  it('refuses another key, another subscription id or nonce under the same signature, and garbage', () => {
    expect(verifyUnsubscribeToken(token, 'key-2')).toBeNull();
    const [, nonce, mac] = token.split('.');
    expect(verifyUnsubscribeToken(`sub_2.${nonce}.${mac}`, 'key-1')).toBeNull();
    expect(verifyUnsubscribeToken(`sub_1.nonce-b.${mac}`, 'key-1')).toBeNull();
    for (const bad of ['', 'a.b', 'a.b.c.d', `${token}x`, 'sub_1.nonce-a.<script>']) expect(verifyUnsubscribeToken(bad, 'key-1')).toBeNull();
  });
});
