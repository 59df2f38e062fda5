import type { Redis } from 'ioredis';
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

const BLOCK_MS = 5000;
const READ_COUNT = 500;

/**
 * Follows any number of Redis Streams for one process with a single blocking connection
 * (one XREAD over every followed stream) and fans entries out to in-process listeners,
 * so a thousand SSE clients cost one Redis connection, not a thousand. When the set of
 * streams changes, the blocked read is interrupted with CLIENT UNBLOCK so a new stream
 * is followed at once.
 */
export class StreamFollower {
  private readonly followed = new Map<string, Followed>();
  private readonly opening = new Map<string, Promise<Followed>>();
  private blockingClientId: number | null = null;
  private loop: Promise<void> | null = null;
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly blocking: Redis,
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
        if (followed.listeners.size === 0 && this.followed.get(key) === followed) this.followed.delete(key);
      },
    };
  }

  /** Stops following; pending reads are interrupted. */
  async close(): Promise<void> {
    this.closed = true;
    await this.interrupt();
    await this.loop?.catch(() => {});
    this.blocking.disconnect();
  }

  private async follow(key: string): Promise<Followed> {
    const existing = this.followed.get(key);
    if (existing) return existing;
    let pending = this.opening.get(key);
    if (!pending) {
      pending = (async () => {
        // Start after the newest entry now: older entries are the subscriber's catch-up.
        const followed: Followed = { lastId: await this.startIdOf(key), listeners: new Set() };
        this.followed.set(key, followed);
        this.opening.delete(key);
        this.ensureLoop();
        await this.interrupt();
        return followed;
      })();
      pending.catch(() => this.opening.delete(key));
      this.opening.set(key, pending);
    }
    return pending;
  }

  private ensureLoop(): void {
    this.loop ??= this.run();
  }

  private async interrupt(): Promise<void> {
    const wake = this.wake;
    this.wake = null;
    wake?.();
    if (this.blockingClientId === null) return;
    try {
      await this.redis.client('UNBLOCK', this.blockingClientId);
    } catch {
      // The connection may be away; the read ends on its own within BLOCK_MS.
    }
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      if (this.followed.size === 0) {
        // Nothing to follow: idle cheaply until a subscription (or close) interrupts.
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      try {
        if (this.blockingClientId === null) this.blockingClientId = Number(await this.blocking.client('ID'));
        const keys = [...this.followed.keys()];
        const ids = keys.map((k) => this.followed.get(k)!.lastId);
        const result = (await this.blocking.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys, ...ids)) as
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
        // The connection id changes when the blocking connection reconnects.
        this.blockingClientId = null;
        this.log.warn({ reason: (err as Error).message }, 'stream read failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
