import type { Store, Options, ClientRateLimitInfo } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';

/**
 * A fixed-window counter per caller in Redis, for express-rate-limit: every API process
 * counts against the same window, so running several of them does not multiply a key's
 * allowance.
 */
export class RedisRateLimitStore implements Store {
  private windowMs = 60_000;
  /** Counts are shared across processes. */
  readonly localKeys = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Takes the window length from the limiter's options. */
  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  /** Counts one more write of the caller in the current window. */
  async increment(caller: string): Promise<ClientRateLimitInfo> {
    const key = this.keys.rateLimit(caller);
    const results = (await this.redis.multi().incr(key).pttl(key).exec()) ?? [];
    const totalHits = Number(results[0]?.[1] ?? 1);
    let ttl = Number(results[1]?.[1] ?? -1);
    if (ttl < 0) {
      // First write of the window: start its clock.
      await this.redis.pexpire(key, this.windowMs);
      ttl = this.windowMs;
    }
    return { totalHits, resetTime: new Date(Date.now() + ttl) };
  }

  /** Takes back one count (a request the limiter decided not to count). */
  async decrement(caller: string): Promise<void> {
    await this.redis.decr(this.keys.rateLimit(caller));
  }

  /** Forgets a caller's count. */
  async resetKey(caller: string): Promise<void> {
    await this.redis.del(this.keys.rateLimit(caller));
  }
}
