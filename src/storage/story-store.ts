import type { Redis } from 'ioredis';
import { defineScript } from './define-script.ts';
import type { Keys } from './keys.ts';

/** How long an LSH bucket remembers items: syndicated copies arrive within days, not weeks. */
const BAND_TTL_SECONDS = 7 * 24 * 3600;

// Puts an item into a story, atomically so two workers clustering two copies at once
// cannot both become leaders. Candidates come from the LSH buckets the item falls in and
// are verified on their full signatures (raw bytes, 4 per 32-bit value). The item
// joins the story of the most similar candidate at or above the threshold, else leads
// its own. Idempotent: an item that has a story keeps it.
const ASSIGN_STORY = `
local id = ARGV[1]
local sig = ARGV[2]
local threshold = tonumber(ARGV[3])
local itemPrefix = ARGV[4]
local storyPrefix = ARGV[5]
local ttl = tonumber(ARGV[6])
local existing = redis.call('HGET', KEYS[1], 'story')
if existing then return existing end
local width = 4
local n = math.floor(#sig / width)
local best, bestSim = nil, threshold
local seen = {}
for i = 2, #KEYS do
  for _, c in ipairs(redis.call('SMEMBERS', KEYS[i])) do
    if c ~= id and not seen[c] then
      seen[c] = true
      local other = redis.call('HGET', itemPrefix .. c, 'sig')
      if other and #other == #sig then
        local same = 0
        for j = 0, n - 1 do
          local a = j * width + 1
          if string.sub(sig, a, a + width - 1) == string.sub(other, a, a + width - 1) then same = same + 1 end
        end
        local sim = same / n
        if sim >= bestSim then
          local leader = redis.call('HGET', itemPrefix .. c, 'story') or c
          if not best or sim > bestSim then best, bestSim = leader, sim end
        end
      end
    end
  end
end
local story = best or id
redis.call('HSET', KEYS[1], 'sig', sig, 'story', story)
if story ~= id then
  redis.call('ZADD', storyPrefix .. story, redis.call('HGET', KEYS[1], 'publishedAt') or 0, id)
end
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], id)
  redis.call('EXPIRE', KEYS[i], ttl)
end
return story
`;

/** Redis storage of story clusters (near-duplicate items across feeds). */
export class StoryStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    defineScript(redis, 'awAssignStory', ASSIGN_STORY);
  }

  /** Assigns each item to a story; returns the leader id per item (itself when it leads). */
  async assign(entries: Array<{ itemId: string; signature: Buffer; bands: string[] }>, threshold: number): Promise<string[]> {
    if (entries.length === 0) return [];
    // One call per item, in order, so copies within the same batch find each other.
    const pipeline = this.redis.pipeline();
    for (const e of entries) {
      const bandKeys = e.bands.map((b) => this.keys.storyBand(b));
      pipeline.awAssignStory(
        1 + bandKeys.length,
        this.keys.item(e.itemId),
        ...bandKeys,
        e.itemId,
        e.signature,
        String(threshold),
        this.keys.item(''),
        this.keys.storyMembers(''),
        String(BAND_TTL_SECONDS),
      );
    }
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, leader]) => {
      if (err) throw err;
      return String(leader);
    });
  }

  /** The member ids of the stories led by the given items, per leader. */
  async membersOf(leaderIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (leaderIds.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const id of leaderIds) pipeline.zrange(this.keys.storyMembers(id), 0, -1);
    const results = (await pipeline.exec()) ?? [];
    leaderIds.forEach((id, i) => out.set(id, (results[i]?.[1] as string[] | undefined) ?? []));
    return out;
  }
}
