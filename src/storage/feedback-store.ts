import type { Redis } from 'ioredis';
import type { Verdict } from '../model/feedback.ts';
import { defineScript } from './define-script.ts';
import type { Keys } from './keys.ts';

/** Sets a verdict unless the same one is there already (which keeps its time); 1 when it changed. */
const SET_VERDICT = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and cjson.decode(cur).relevant == (ARGV[2] == '1') then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

/** Redis storage of the analyst's verdicts on items, one hash per anchor. */
export class FeedbackStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    defineScript(redis, 'awSetVerdict', SET_VERDICT, 1);
  }

  /**
   * Records (or reverses) the verdict on one item; true when it changed. The same verdict
   * again (a retried request, a double click) changes nothing, not even its time.
   */
  async set(anchorId: string, verdict: Verdict): Promise<boolean> {
    const json = JSON.stringify({ relevant: verdict.relevant, at: verdict.at });
    return Number(await this.redis.awSetVerdict(this.keys.feedback(anchorId), verdict.itemId, verdict.relevant ? '1' : '0', json)) === 1;
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
