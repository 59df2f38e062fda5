import type { Redis } from 'ioredis';
import type { Verdict } from '../model/feedback.ts';
import type { Keys } from './keys.ts';

/** Redis storage of the analyst's verdicts on items, one hash per anchor. */
export class FeedbackStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Records (or replaces) the verdict on one item; setting the same verdict twice changes nothing but its time. */
  async set(anchorId: string, verdict: Verdict): Promise<void> {
    await this.redis.hset(this.keys.feedback(anchorId), verdict.itemId, JSON.stringify({ relevant: verdict.relevant, at: verdict.at }));
  }

  /** Withdraws the verdict on one item; true when there was one. */
  async remove(anchorId: string, itemId: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.feedback(anchorId), itemId)) === 1;
  }

  /** Every verdict on an anchor's items, oldest first. */
  async list(anchorId: string): Promise<Verdict[]> {
    const raw = await this.redis.hgetall(this.keys.feedback(anchorId));
    return Object.entries(raw)
      .map(([itemId, json]) => {
        const parsed = JSON.parse(json) as { relevant: boolean; at: number };
        return { itemId, relevant: parsed.relevant, at: parsed.at };
      })
      .sort((a, b) => a.at - b.at || a.itemId.localeCompare(b.itemId));
  }

  /** Drops every verdict of an anchor (the anchor is being deleted). */
  async clear(anchorId: string): Promise<void> {
    await this.redis.del(this.keys.feedback(anchorId));
  }
}
