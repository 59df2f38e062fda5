import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPrefix, testRedisUrl, uniquePrefix } from '../../test/helpers/redis-prefix.ts';
import type { AlertRecord } from '../model/alert.ts';
import { AlertStore } from './alert-store.ts';
import { createKeys } from './keys.ts';

// The hit scripts write every pending delivery of an event (one per channel target) in the
// same step as the hit itself; these check that against a real Redis.
const prefix = uniquePrefix('alert-store');
const redis = new Redis(testRedisUrl);
const store = new AlertStore(redis, createKeys(prefix));

afterAll(async () => {
  redis.disconnect();
  await dropPrefix(prefix);
});

const alert: AlertRecord = {
  id: 'a1',
  owner: 'admin',
  name: 'Talks',
  query: 'talks',
  anchorId: 'muscat-talks',
  spike: null,
  email: null,
  webhook: { url: 'https://hooks.example/x', secret: 'whsec_x', disabled: false },
  createdAt: 1,
};

describe('AlertStore hits and deliveries', () => {
  it('records a hit once per story, with a pending delivery per given target', async () => {
    const hit = {
      alertId: alert.id,
      owner: alert.owner,
      storyId: 's1',
      itemId: 'i1',
      matchedAt: 1000,
      streamData: '{}',
      deliveries: [{ id: 'msg_1', channel: 'webhook' as const, body: '{"type":"alert.hit"}' }],
    };
    expect(await store.recordHits([hit, { ...hit, storyId: 's2', itemId: 'i2', deliveries: [] }])).toEqual([true, true]);
    expect(await store.recordHits([{ ...hit, deliveries: [{ ...hit.deliveries[0]!, id: 'msg_again' }] }])).toEqual([false]);
    const deliveries = await store.deliveries(alert.id, 10);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ webhookId: 'msg_1', channel: 'webhook', alertId: 'a1', itemId: 'i1', status: 'pending', attempts: 0, body: '{"type":"alert.hit"}' });
    expect((await store.dueDeliveries(2000, 10)).map((d) => d.id)).toEqual(['msg_1']);
    expect(await store.getDelivery('msg_again')).toBeNull();
  });

  it('fires a spike once per rest period, its delivery naming the first item', async () => {
    const spike = { ...alert, id: 'a2' };
    const input = { alert: spike, firedAt: 5000, restMs: 60_000, itemIds: ['i7', 'i8'], streamData: '{}', deliveries: [{ id: 'msg_s', channel: 'webhook' as const, body: 'b' }] };
    expect(await store.fireSpike(input)).toBe(true);
    expect(await store.fireSpike({ ...input, firedAt: 6000, deliveries: [{ id: 'msg_s2', channel: 'webhook' as const, body: 'b' }] })).toBe(false);
    expect((await store.hits('a2', 10)).map((h) => h.itemId).sort()).toEqual(['i7', 'i8']);
    expect(await store.getDelivery('msg_s')).toMatchObject({ channel: 'webhook', itemId: 'i7', status: 'pending', nextAttemptAt: 5000 });
    expect(await store.getDelivery('msg_s2')).toBeNull();
  });

  it('disables the target of one channel', async () => {
    await store.create({ ...alert, id: 'a3' }, 10);
    await store.disableTarget('a3', 'webhook');
    expect((await store.get('a3'))?.webhook?.disabled).toBe(true);
  });
});
