import type { Redis } from 'ioredis';
import { isCluster, quietErrors, type RedisClient } from './redis-connection.ts';
import { slotOf } from './slot-batch.ts';
import type { Logger } from 'pino';
import { fieldsOf, type StreamEntry } from './stream-store.ts';

/** Receives the live entries of a stream it subscribed to. */
export type StreamListener = (entries: StreamEntry[]) => void;

/** A live subscription: entries after `fromId` reach the listener, in order. */
export interface Subscription {
  /** Every entry after this id is delivered to the listener; older ones are the caller's to read. */
  fromId: string;
  unsubscribe(): void;
}

interface Followed {
  lastId: string;
  listeners: Set<StreamListener>;
}

/** One blocking read loop: the followed streams of one hash slot (every stream, on a plain Redis). */
interface ReadLoop {
  slot: number;
  keys: Set<string>;
  connection: RedisClient;
  /** The server-side id of the blocked connection, for CLIENT UNBLOCK; null until known. */
  clientId: number | null;
  done: Promise<void>;
  /** Wakes the loop while it waits for a stream to follow. */
  wake: (() => void) | null;
}

const BLOCK_MS = 5000;
const READ_COUNT = 500;

/** The node connection of a cluster client that serves a slot (where its XREAD blocks), or null. */
function nodeOf(cluster: RedisClient, slot: number): Redis | null {
  const c = cluster as unknown as { slots: string[][]; nodes(role: 'master'): Redis[] };
  const key = c.slots[slot]?.[0];
  if (!key) return null;
  return c.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === key) ?? null;
}

/**
 * Follows any number of Redis Streams for one process with one blocking read per hash slot
 * (one XREAD over every followed stream of the slot: on a plain Redis that is every stream,
 * one connection) and fans entries out to in-process listeners, so a thousand SSE clients cost
 * one Redis connection, not a thousand. On a cluster an XREAD may not span slots, so each
 * slot's streams get a loop and a connection of their own (a digest stream's slot is its
 * anchor's; every alert stream shares {alerts}). When a loop's set of streams changes, its
 * blocked read is interrupted with CLIENT UNBLOCK so a new stream is followed at once.
 */
export class StreamFollower {
  private readonly followed = new Map<string, Followed>();
  private readonly opening = new Map<string, Promise<Followed>>();
  private readonly loops = new Map<number, ReadLoop>();
  private closed = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly blocking: RedisClient,
    private readonly log: Logger,
    /** Where following a stream starts: its newest id ever generated (trimming does not move it back). */
    private readonly startIdOf: (key: string) => Promise<string>,
  ) {}

  /** Follows a stream key; the listener gets every entry after the returned `fromId`. */
  async subscribe(key: string, listener: StreamListener): Promise<Subscription> {
    const followed = await this.follow(key);
    followed.listeners.add(listener);
    return {
      fromId: followed.lastId,
      unsubscribe: () => {
        followed.listeners.delete(listener);
        if (followed.listeners.size === 0 && this.followed.get(key) === followed) {
          this.followed.delete(key);
          this.loops.get(slotOf(this.redis, key))?.keys.delete(key);
        }
      },
    };
  }

  /** Stops following; pending reads are interrupted. */
  async close(): Promise<void> {
    this.closed = true;
    const loops = [...this.loops.values()];
    await Promise.all(loops.map((loop) => this.interrupt(loop)));
    await Promise.all(loops.map((loop) => loop.done.catch(() => {})));
    for (const loop of loops) if (loop.connection !== this.blocking) loop.connection.disconnect();
    this.blocking.disconnect();
  }

  private async follow(key: string): Promise<Followed> {
    const existing = this.followed.get(key);
    if (existing) return existing;
    let pending = this.opening.get(key);
    if (!pending) {
      pending = (async () => {
        const followed: Followed = { lastId: await this.startIdOf(key), listeners: new Set() };
        this.followed.set(key, followed);
        this.opening.delete(key);
        const slot = slotOf(this.redis, key);
        const running = this.loops.get(slot);
        if (running) {
          running.keys.add(key);
          await this.interrupt(running);
        } else {
          this.startLoop(slot, key);
        }
        return followed;
      })();
      pending.catch(() => this.opening.delete(key));
      this.opening.set(key, pending);
    }
    return pending;
  }

  /** Starts the read loop of a slot; on a cluster each loop has a connection of its own, as a blocked one serves nothing else. */
  private startLoop(slot: number, key: string): void {
    const connection = isCluster(this.blocking) ? quietErrors(this.blocking.duplicate()) : this.blocking;
    const loop: ReadLoop = { slot, keys: new Set([key]), connection, clientId: null, done: Promise.resolve(), wake: null };
    this.loops.set(slot, loop);
    loop.done = this.run(loop);
  }

  /** Interrupts a loop's blocked read, so it reads again with its current set of streams. */
  private async interrupt(loop: ReadLoop): Promise<void> {
    const wake = loop.wake;
    loop.wake = null;
    wake?.();
    if (loop.clientId === null) return;
    try {
      const node = isCluster(this.redis) ? nodeOf(this.redis, loop.slot) : this.redis;
      // Without the node (a slot map being refreshed), the read ends by itself within BLOCK_MS.
      await node?.client('UNBLOCK', loop.clientId);
    } catch {
      // The read ends by itself within BLOCK_MS.
    }
  }

  /** The server-side id of the connection a loop's XREAD blocks on. */
  private async clientIdOf(loop: ReadLoop): Promise<number> {
    const node = isCluster(loop.connection) ? nodeOf(loop.connection, loop.slot) : loop.connection;
    if (!node) throw new Error('no node serves the slot yet');
    return Number(await node.client('ID'));
  }

  private async run(loop: ReadLoop): Promise<void> {
    while (!this.closed) {
      // A loop with nothing to follow waits (it stays, for its slot's next stream).
      if (loop.keys.size === 0) {
        await new Promise<void>((resolve) => {
          loop.wake = resolve;
        });
        continue;
      }
      try {
        if (loop.clientId === null) loop.clientId = await this.clientIdOf(loop);
        const keys = [...loop.keys];
        const ids = keys.map((k) => this.followed.get(k)?.lastId ?? '$');
        const result = (await loop.connection.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys, ...ids)) as
          | Array<[string, Array<[string, string[]]>]>
          | null;
        if (!result) continue;
        for (const [key, raw] of result) {
          const followed = this.followed.get(key);
          if (!followed || raw.length === 0) continue;
          const entries = raw.map(([id, flat]) => ({ id, fields: fieldsOf(flat) }));
          followed.lastId = entries[entries.length - 1]!.id;
          for (const listener of followed.listeners) {
            try {
              listener(entries);
            } catch (err) {
              this.log.error({ err, key }, 'stream listener failed');
            }
          }
        }
      } catch (err) {
        if (this.closed) return;
        // The connection may have been replaced (a failover, a slot move): learn its id again.
        loop.clientId = null;
        this.log.warn({ reason: (err as Error).message }, 'stream read failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
