import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostBusyError, HostLanes, type HostSlotRegistry } from '../src/pipeline/host-lanes.ts';
import { FeedStore } from '../src/storage/feed-store.ts';
import { createKeys } from '../src/storage/keys.ts';
import { dropPrefix, testRedisUrl, uniquePrefix } from './helpers/redis-prefix.ts';

const prefix = uniquePrefix('host-lanes');
let redis: Redis;
let feeds: FeedStore;

/** The real slot registry, counting how often each process goes to Redis for slots (asks and renewals) and gives them back. */
function counted(store: FeedStore): HostSlotRegistry & { acquires: number; releases: number } {
  const registry = {
    acquires: 0,
    releases: 0,
    acquireHostSlots: (host: string, tokens: string[], limit: number, leaseMs: number, now: number) => {
      registry.acquires++;
      return store.acquireHostSlots(host, tokens, limit, leaseMs, now);
    },
    renewHostSlots: (host: string, tokens: string[], leaseMs: number, now: number) => {
      registry.acquires++;
      return store.renewHostSlots(host, tokens, leaseMs, now);
    },
    releaseHostSlots: (host: string, tokens: string[]) => {
      registry.releases++;
      return store.releaseHostSlots(host, tokens);
    },
  };
  return registry;
}

/** `n` requests through `lanes` to one host, each taking `ms`; tracks how many run at once. */
function requests(lanes: HostLanes[], n: number, ms: number, gauge: { now: number; peak: number }): Promise<void[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      lanes[i % lanes.length]!.run('http://busy.example:8080/feed.xml', async () => {
        gauge.now++;
        gauge.peak = Math.max(gauge.peak, gauge.now);
        await new Promise((r) => setTimeout(r, ms));
        gauge.now--;
      }),
    ),
  );
}

beforeAll(() => {
  redis = new Redis(testRedisUrl);
  feeds = new FeedStore(redis, createKeys(prefix));
});
afterAll(async () => {
  redis.disconnect();
  await dropPrefix(prefix);
});

describe('host lanes', () => {
  it('keeps every slot of a host busy and hands each on without going back to Redis', async () => {
    const slots = counted(feeds);
    const lanes = new HostLanes({ slots, hostConcurrency: 4, leaseMs: 60_000, now: Date.now });
    const gauge = { now: 0, peak: 0 };
    await requests([lanes], 60, 5, gauge);
    expect(gauge.peak).toBe(4);
    // Four leases taken at the start in one or two asks, then every request got a slot handed on.
    expect(slots.acquires).toBeLessThanOrEqual(2);
    // The slots linger for the host's next request, then go back together.
    expect(await redis.zcard(createKeys(prefix).hostSlots('busy.example:8080'))).toBe(4);
    await lanes.releaseIdle();
    expect(slots.releases).toBe(1);
    expect(lanes.state('http://busy.example:8080/')).toEqual({ held: 0, waiting: 0 });
    expect(await redis.zcard(createKeys(prefix).hostSlots('busy.example:8080'))).toBe(0);
  });

  it('gives lingering slots back by themselves, and a request arriving meanwhile takes one without asking Redis', async () => {
    const slots = counted(feeds);
    const lanes = new HostLanes({ slots, hostConcurrency: 2, leaseMs: 60_000, now: Date.now, lingerMs: 300 });
    const key = createKeys(prefix).hostSlots('linger.example');
    await lanes.run('http://linger.example/a.xml', async () => undefined);
    expect(await lanes.run('http://linger.example/b.xml', async () => 'second')).toBe('second');
    expect(slots.acquires).toBe(1);
    expect(await redis.zcard(key)).toBe(1);
    for (let i = 0; i < 100 && (await redis.zcard(key)) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await redis.zcard(key)).toBe(0);
    expect(lanes.state('http://linger.example/')).toEqual({ held: 0, waiting: 0 });
  });

  it('never lets two processes together exceed the limit, and both get through', async () => {
    const a = new HostLanes({ slots: counted(feeds), hostConcurrency: 3, leaseMs: 60_000, now: Date.now });
    const b = new HostLanes({ slots: counted(feeds), hostConcurrency: 3, leaseMs: 60_000, now: Date.now });
    const gauge = { now: 0, peak: 0 };
    await requests([a, b], 40, 8, gauge);
    expect(gauge.peak).toBeGreaterThanOrEqual(1);
    expect(gauge.peak).toBeLessThanOrEqual(3);
    await Promise.all([a.releaseIdle(), b.releaseIdle()]);
    expect(await redis.zcard(createKeys(prefix).hostSlots('busy.example:8080'))).toBe(0);
  });

  it('waits out the lease of a slot a dead process still holds, then proceeds', async () => {
    const leaseMs = 400;
    // A process that took every slot and died: its leases end by themselves.
    for (const token of ['dead-1', 'dead-2']) expect(await feeds.acquireHostSlot('busy.example:8080', token, 2, leaseMs, Date.now())).toBe(true);
    const lanes = new HostLanes({ slots: counted(feeds), hostConcurrency: 2, leaseMs, now: Date.now });
    const started = Date.now();
    const gauge = { now: 0, peak: 0 };
    await requests([lanes], 6, 5, gauge);
    expect(Date.now() - started).toBeGreaterThanOrEqual(leaseMs - 50);
    expect(gauge.peak).toBeLessThanOrEqual(2);
    await lanes.releaseIdle();
  });

  it('renews a slot handed on for longer than a third of its lease, so no other process can take it meanwhile', async () => {
    // A lease far longer than one request (as in production: the fetch timeout plus a minute),
    // so only a missing renewal, not a request slowed by a loaded machine, lets the intruder in.
    const leaseMs = 2000;
    const slots = counted(feeds);
    const lanes = new HostLanes({ slots, hostConcurrency: 1, leaseMs, now: Date.now });
    const key = createKeys(prefix).hostSlots('busy.example:8080');
    let stolen = 0;
    const gauge = { now: 0, peak: 0 };
    let done = false;
    const run = requests([lanes], 50, 60, gauge).then(() => {
      done = true;
    });
    // Another process keeps asking; with the lease renewed it never gets in while the run lasts.
    await new Promise((r) => setTimeout(r, 30));
    expect(await redis.zcard(key)).toBe(1);
    const other = (async () => {
      while (!done) {
        if (await feeds.acquireHostSlot('busy.example:8080', 'intruder', 1, leaseMs, Date.now())) {
          if (!done) stolen++;
          await feeds.releaseHostSlot('busy.example:8080', 'intruder');
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await run;
    await lanes.releaseIdle();
    await other;
    expect(stolen).toBe(0);
    expect(gauge.peak).toBe(1);
    // 50 requests of 60 ms on one slot: 3 s, more than a lease; renewals kept it.
    expect(slots.acquires).toBeGreaterThan(1);
  });
  it('keeps renewing the lease while one request outlasts it, so a slot in use is never taken', async () => {
    const leaseMs = 1500;
    const lanes = new HostLanes({ slots: feeds, hostConcurrency: 1, leaseMs, now: Date.now });
    let done = false;
    let stolen = 0;
    // `done` turns true when the work ends, before the slot is given back: an intruder that gets
    // in after that took a free slot, not one in use.
    const run = lanes.run('http://slow.example/feed.xml', async () => {
      await new Promise((r) => setTimeout(r, 4000));
      done = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    while (!done) {
      if (await feeds.acquireHostSlot('slow.example', 'intruder', 1, leaseMs, Date.now())) {
        if (!done) stolen++;
        await feeds.releaseHostSlot('slow.example', 'intruder');
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await run;
    expect(stolen).toBe(0);
    // Given back with the idle ones: the next request gets the slot at once.
    await lanes.releaseIdle();
    expect(await feeds.acquireHostSlot('slow.example', 'after', 1, leaseMs, Date.now())).toBe(true);
    await feeds.releaseHostSlot('slow.example', 'after');
  });

  it('does not use a lingering slot another process took while this one stalled past its lease', async () => {
    let clock = Date.now();
    const lanes = new HostLanes({ slots: feeds, hostConcurrency: 1, leaseMs: 60_000, now: () => clock, lingerMs: 10_000 });
    const url = 'http://stalled.example/feed.xml';
    const key = createKeys(prefix).hostSlots('stalled.example');
    await lanes.run(url, async () => undefined);
    expect(lanes.state(url).held).toBe(1);
    // The lease ran out meanwhile (the clock jumps past it) and another process took the slot.
    clock += 61_000;
    await redis.del(key);
    expect(await feeds.acquireHostSlot('stalled.example', 'other', 1, 60_000, clock)).toBe(true);
    let ran = false;
    await expect(
      lanes.run(url, async () => {
        ran = true;
      }, { maxWaitMs: 150 }),
    ).rejects.toBeInstanceOf(HostBusyError);
    expect(ran).toBe(false);
    expect(await redis.zrange(key, 0, -1)).toEqual(['other']);
    await feeds.releaseHostSlot('stalled.example', 'other');
    expect(await lanes.run(url, async () => 'after')).toBe('after');
    await lanes.releaseIdle();
    expect(await redis.exists(key)).toBe(0);
  });

  it('gives up with HostBusyError after maxWaitMs while every slot of the host stays busy, and leaves the lane usable', async () => {
    const lanes = new HostLanes({ slots: feeds, hostConcurrency: 1, leaseMs: 10_000, now: Date.now });
    const url = 'http://patient.example/page';
    const first = lanes.run(url, () => new Promise((r) => setTimeout(() => r('first'), 600)));
    await new Promise((r) => setTimeout(r, 20));
    await expect(lanes.run(url, async () => 'second', { maxWaitMs: 100 })).rejects.toBeInstanceOf(HostBusyError);
    // Another process holding the only slot: the same bounded wait, asking Redis instead.
    const other = new HostLanes({ slots: feeds, hostConcurrency: 1, leaseMs: 10_000, now: Date.now });
    await expect(other.run(url, async () => 'third', { maxWaitMs: 100 })).rejects.toBeInstanceOf(HostBusyError);
    expect(await first).toBe('first');
    await lanes.releaseIdle();
    expect(lanes.state(url)).toEqual({ held: 0, waiting: 0 });
    expect(await lanes.run(url, async () => 'later', { maxWaitMs: 1000 })).toBe('later');
  });
});
