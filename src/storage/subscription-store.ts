import type { Redis } from 'ioredis';
import type { SubscriptionRecord } from '../model/subscription.ts';
import { defineScript } from './define-script.ts';
import type { Keys } from './keys.ts';

// Takes the send of one period: free ("" or missing) or a lapsed lease becomes "sending" for
// the lease; "sent" or a live lease is refused. KEYS: the send marker. ARGV: lease ms.
const CLAIM_SEND = `
local state = redis.call('GET', KEYS[1])
if state == 'sent' then return 0 end
if state then return -1 end
redis.call('SET', KEYS[1], 'sending', 'PX', ARGV[1])
return 1
`;

// Records a finished send in one step: the subscription (only if it still exists, so a
// concurrent delete is never undone), its next due time, and the period marked sent for a
// week, so a retried job or a second worker never sends it again.
// KEYS: subscription, due set, send marker. ARGV: new JSON, id, next send ms.
const COMPLETE_SEND = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SET', KEYS[3], 'sent', 'PX', 604800000)
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('SET', KEYS[3], 'sent', 'PX', 604800000)
return 1
`;

/** Digest subscriptions per owner in the order they were made. */
const MAX_LISTED = 500;

/** Redis storage of digest subscriptions, their schedule and the once-per-period send markers. */
export class SubscriptionStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    defineScript(redis, 'awClaimDigestSend', CLAIM_SEND);
    defineScript(redis, 'awCompleteDigestSend', COMPLETE_SEND);
  }

  /** Saves a new subscription and schedules it, unless the owner already has `maxPerOwner`; false when over. */
  async create(sub: SubscriptionRecord, maxPerOwner: number): Promise<boolean> {
    if ((await this.redis.scard(this.keys.subscriptionsOf(sub.owner))) >= maxPerOwner) return false;
    await this.redis
      .multi()
      .set(this.keys.subscription(sub.id), JSON.stringify(sub))
      .sadd(this.keys.subscriptionsOf(sub.owner), sub.id)
      .zadd(this.keys.subscriptionsDue, sub.nextSendAt, sub.id)
      .exec();
    return true;
  }

  /** One subscription, or null. */
  async get(id: string): Promise<SubscriptionRecord | null> {
    const raw = await this.redis.get(this.keys.subscription(id));
    return raw ? (JSON.parse(raw) as SubscriptionRecord) : null;
  }

  /** An owner's subscriptions, oldest first. */
  async listByOwner(owner: string): Promise<SubscriptionRecord[]> {
    const ids = (await this.redis.smembers(this.keys.subscriptionsOf(owner))).slice(0, MAX_LISTED);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(...ids.map((id) => this.keys.subscription(id)));
    return raws
      .flatMap((raw) => (raw ? [JSON.parse(raw) as SubscriptionRecord] : []))
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /** Deletes a subscription; true when it existed (an unsubscribe link works once). */
  async delete(sub: Pick<SubscriptionRecord, 'id' | 'owner'>): Promise<boolean> {
    const results = await this.redis
      .multi()
      .del(this.keys.subscription(sub.id))
      .srem(this.keys.subscriptionsOf(sub.owner), sub.id)
      .zrem(this.keys.subscriptionsDue, sub.id)
      .exec();
    return Number(results?.[0]?.[1] ?? 0) === 1;
  }

  /** Subscriptions due at `now`, with the send time each is due for (its period), oldest first. */
  async due(now: number, limit: number): Promise<Array<{ id: string; dueAt: number }>> {
    const raw = await this.redis.zrange(this.keys.subscriptionsDue, '-inf', now, 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES');
    const out: Array<{ id: string; dueAt: number }> = [];
    for (let i = 0; i < raw.length; i += 2) out.push({ id: raw[i]!, dueAt: Number(raw[i + 1]) });
    return out;
  }

  /** Takes the send of one period for `leaseMs`: "claimed", "sent" (done before) or "busy" (another worker holds it). */
  async claimSend(id: string, period: string, leaseMs: number): Promise<'claimed' | 'sent' | 'busy'> {
    const code = await this.redis.awClaimDigestSend(1, this.keys.digestSend(id, period), String(leaseMs));
    return code === 1 ? 'claimed' : code === 0 ? 'sent' : 'busy';
  }

  /** Gives a claimed period back (the send failed and will be retried). */
  async releaseSend(id: string, period: string): Promise<void> {
    await this.redis.del(this.keys.digestSend(id, period));
  }

  /** Records a finished send of a period and the subscription's new state; false when it was deleted meanwhile. */
  async completeSend(sub: SubscriptionRecord, period: string): Promise<boolean> {
    const done = await this.redis.awCompleteDigestSend(
      3,
      this.keys.subscription(sub.id),
      this.keys.subscriptionsDue,
      this.keys.digestSend(sub.id, period),
      JSON.stringify(sub),
      sub.id,
      String(sub.nextSendAt),
    );
    return done === 1;
  }

  /** The key that signs unsubscribe tokens: the first process to ask generates it, every process then uses it. */
  async signingKey(candidate: string): Promise<string> {
    await this.redis.set(this.keys.unsubscribeSecret, candidate, 'NX');
    return (await this.redis.get(this.keys.unsubscribeSecret)) ?? candidate;
  }
}
