import type { Redis } from 'ioredis';
import type { IngestResult, NormalizedItem, StoredItem } from '../model/item.ts';
import type { ItemTags } from '../model/tags.ts';
import type { Keys } from './keys.ts';
import { defineScript } from './define-script.ts';

/** A page of item ids in newest-first order with the cursor of the next page. */
export interface IdPage {
  ids: string[];
  nextCursor: string | null;
}

// Per-hour counts beside every index (`*-hourly` hashes): a member added to an index adds
// one to its publication hour, a member removed takes one away, in the same script step,
// so the counts are the index's own and cannot drift from it. Volume reads them instead of
// counting thousands of ranges.
const HOURLY = `
local function hourOf(ms) return string.format('%d', math.floor(tonumber(ms) / 3600000)) end
local function countIn(hourly, ms, delta)
  local h = hourOf(ms)
  if redis.call('HINCRBY', hourly, h, delta) <= 0 then redis.call('HDEL', hourly, h) end
end
`;

// Stores an item once: the item hash doubles as the dedupe marker, so the check and the
// writes are one atomic step and a re-poll or a retried job can never store it twice.
const INGEST = HOURLY + `
local id = ARGV[1]
local feedId = ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSETNX', KEYS[2], feedId, ARGV[3])
  local score = redis.call('HGET', KEYS[1], 'publishedAt')
  redis.call('ZADD', KEYS[4], score, id)
  if redis.call('ZSCORE', KEYS[5], id) then return 2 end
  return 0
end
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HSET', KEYS[2], feedId, ARGV[3])
if redis.call('ZADD', KEYS[3], ARGV[4], id) == 1 then countIn(KEYS[6], ARGV[4], 1) end
redis.call('ZADD', KEYS[4], ARGV[4], id)
redis.call('ZADD', KEYS[5], ARGV[5], id)
return 1
`;

// Replaces an item's tags for one anchor and moves it between the entity and digest
// indexes accordingly. Indexes are sets of item ids, so applying the same tags twice
// (a retried job) or re-tagging with new entities never counts an item twice.
// Tags from an older anchor version never overwrite newer ones.
// The digest shows one entry per story: a relevant item enters it when it leads its story
// (or its leader is not shown); a leader that enters folds in members shown before it.
// An item entering the digest is appended to the anchor's capped stream, in the same step.
const WRITE_TAGS = HOURLY + `
local anchorId = ARGV[1]
local version = tonumber(ARGV[2])
local id = ARGV[5]
local current = tonumber(redis.call('HGET', KEYS[1], 'tv:' .. anchorId) or '-1')
if current > version then return 0 end
local score = redis.call('HGET', KEYS[1], 'publishedAt')
if not score then return -1 end
local newKeys = {}
for i = 4, #KEYS, 2 do newKeys[KEYS[i]] = true end
local old = redis.call('HGET', KEYS[1], 'tk:' .. anchorId)
if old then
  for _, pair in ipairs(cjson.decode(old)) do
    if not newKeys[pair[1]] and redis.call('ZREM', pair[1], id) == 1 then countIn(pair[2], score, -1) end
  end
end
for i = 4, #KEYS, 2 do
  if redis.call('ZADD', KEYS[i], score, id) == 1 then countIn(KEYS[i + 1], score, 1) end
end
local wasShown = redis.call('ZSCORE', KEYS[2], id) ~= false
local leader = redis.call('HGET', KEYS[1], 'story') or id
local show = false
if ARGV[4] == '1' then
  show = leader == id or redis.call('ZSCORE', KEYS[2], leader) == false
end
if show then
  redis.call('ZADD', KEYS[2], score, id)
  if leader == id then
    for _, m in ipairs(redis.call('ZRANGE', ARGV[8] .. id, 0, -1)) do redis.call('ZREM', KEYS[2], m) end
  end
else
  redis.call('ZREM', KEYS[2], id)
end
redis.call('HSET', KEYS[1], 't:' .. anchorId, ARGV[3], 'tk:' .. anchorId, ARGV[6], 'tv:' .. anchorId, ARGV[2], 'tr:' .. anchorId, ARGV[4])
if show and not wasShown then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', 'item', id)
  return 1
end
return 2
`;

// Removes an item and every index entry that points at it, in one step, so retention trims
// the digest, the entity series, the feed lists and the stories at once and never leaves a
// count behind. The tag fields name the entity index keys the item is in.
const RETIRE = HOURLY + `
local id = ARGV[1]
local score = redis.call('HGET', KEYS[1], 'publishedAt')
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local f = fields[i]
  if string.sub(f, 1, 3) == 'tk:' then
    for _, pair in ipairs(cjson.decode(fields[i + 1])) do
      if redis.call('ZREM', pair[1], id) == 1 then countIn(pair[2], score, -1) end
    end
    redis.call('ZREM', ARGV[3] .. string.sub(f, 4), id)
  end
  if f == 'story' and fields[i + 1] ~= id then redis.call('ZREM', ARGV[4] .. fields[i + 1], id) end
end
for _, feedId in ipairs(redis.call('HKEYS', KEYS[2])) do redis.call('ZREM', ARGV[2] .. feedId, id) end
redis.call('DEL', KEYS[1], KEYS[2], ARGV[4] .. id)
if redis.call('ZREM', KEYS[3], id) == 1 and score then countIn(KEYS[5], score, -1) end
redis.call('ZREM', KEYS[4], id)
return 1
`;

/** Entries a digest stream keeps (approximately); older ones are trimmed, and a client that missed them is told to reload. */
export const STREAM_MAX_LEN = 10_000;

/** Redis storage of items, their tags and the per-item indexes that digest and volume read. */
export class ItemStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    defineScript(redis, 'awIngestItem', INGEST, 6);
    defineScript(redis, 'awWriteTags', WRITE_TAGS);
    defineScript(redis, 'awRetireItem', RETIRE, 5);
  }

  /** Stores each item once; returns per item whether it was new, seen, or seen but still untagged. */
  async ingest(feedId: string, items: NormalizedItem[], now: number): Promise<IngestResult[]> {
    if (items.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const item of items) {
      const link = item.link ?? '';
      pipeline.awIngestItem(
        this.keys.item(item.id),
        this.keys.itemSources(item.id),
        this.keys.items,
        this.keys.feedItems(feedId),
        this.keys.untagged,
        this.keys.itemsHourly,
        item.id,
        feedId,
        link,
        String(item.publishedAt),
        String(now),
        'id', item.id,
        'feedId', feedId,
        'link', link,
        'guid', item.guid ?? '',
        'title', item.title,
        'summary', item.summary,
        'author', item.author ?? '',
        'publishedAt', String(item.publishedAt),
        'hasPublishedDate', item.hasPublishedDate ? '1' : '0',
        'firstSeenAt', String(now),
      );
    }
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, code]) => {
      if (err) throw err;
      return code === 1 ? 'new' : code === 2 ? 'seen-untagged' : 'seen';
    });
  }

  /** Loads items by id, in the order given; ids no longer stored are skipped. */
  async getMany(ids: string[]): Promise<StoredItem[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.item(id)).hgetall(this.keys.itemSources(id));
    const results = (await pipeline.exec()) ?? [];
    const items: StoredItem[] = [];
    for (let i = 0; i < ids.length; i++) {
      const raw = results[i * 2]?.[1] as Record<string, string> | undefined;
      const sources = (results[i * 2 + 1]?.[1] as Record<string, string> | undefined) ?? {};
      if (raw && raw.id) items.push(toStoredItem(raw, sources));
    }
    return items;
  }

  /** Writes tags of many (anchor, item) pairs in one round trip; per pair, true when the item newly entered the digest. */
  async writeTags(writes: Array<{ anchorId: string; itemId: string; tags: ItemTags }>): Promise<boolean[]> {
    if (writes.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const { anchorId, itemId, tags } of writes) {
      // Each entity's index with its hourly counts, as pairs: the script keeps them in step.
      const pairs = tags.entities.map((e) => [this.keys.entityItems(anchorId, e.key), this.keys.entityHourly(anchorId, e.key)]);
      pipeline.awWriteTags(
        3 + pairs.length * 2,
        this.keys.item(itemId),
        this.keys.digest(anchorId),
        this.keys.digestStream(anchorId),
        ...pairs.flat(),
        anchorId,
        String(tags.version),
        JSON.stringify({ e: tags.entities.map((e) => [e.key, e.count]), s: tags.score, r: tags.relevant }),
        tags.relevant ? '1' : '0',
        itemId,
        JSON.stringify(pairs),
        String(STREAM_MAX_LEN),
        this.keys.storyMembers(''),
      );
    }
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, code]) => {
      if (err) throw err;
      return code === 1;
    });
  }

  /** Marks items as tagged against every anchor. */
  async markTagged(itemIds: string[]): Promise<void> {
    if (itemIds.length > 0) await this.redis.zrem(this.keys.untagged, ...itemIds);
  }

  /** Items stored before `beforeMs` that are still untagged (a lost tag job), oldest first. */
  async untaggedBefore(beforeMs: number, limit: number): Promise<string[]> {
    return this.redis.zrange(this.keys.untagged, '-inf', beforeMs, 'BYSCORE', 'LIMIT', 0, limit);
  }

  /** Ids of items published at or after `sinceMs`, newest first (for re-tagging). */
  async idsSince(sinceMs: number, limit: number): Promise<string[]> {
    return this.redis.zrange(this.keys.items, '+inf', sinceMs, 'BYSCORE', 'REV', 'LIMIT', 0, limit);
  }

  /** Newest-first page over every item, or one feed's items. */
  pageAll(opts: { feedId?: string; limit: number; cursor: string | null; sinceMs?: number }): Promise<IdPage> {
    const key = opts.feedId ? this.keys.feedItems(opts.feedId) : this.keys.items;
    return this.page(key, opts.limit, opts.cursor, opts.sinceMs ?? null);
  }

  /** Newest-first page of an anchor's digest, optionally only the items that mention one entity. */
  pageDigest(anchorId: string, opts: { limit: number; cursor: string | null; sinceMs: number | null; entity: string | null }): Promise<IdPage> {
    if (!opts.entity) return this.page(this.keys.digest(anchorId), opts.limit, opts.cursor, opts.sinceMs);
    // Walk the (smaller) entity index and keep the items that are in the digest.
    const digestKey = this.keys.digest(anchorId);
    return this.page(this.keys.entityItems(anchorId, opts.entity), opts.limit, opts.cursor, opts.sinceMs, async (ids) => {
      if (ids.length === 0) return [];
      const scores = await this.redis.zmscore(digestKey, ...ids);
      return scores.map((s) => s !== null);
    });
  }

  /**
   * Keyset pagination over a ZSET scored by publication time, newest first. The cursor is
   * the (score, id) of the last item shown, so items that arrive while a client pages never
   * cause a repeat or a gap: each page starts strictly after the previous one's last entry.
   */
  async page(key: string, limit: number, cursor: string | null, sinceMs: number | null, filter?: (ids: string[]) => Promise<boolean[]>): Promise<IdPage> {
    const after = cursor ? decodeCursor(cursor) : null;
    const min = sinceMs === null ? '-inf' : String(sinceMs);
    let max = after ? String(after.score) : '+inf';
    const out: Array<{ id: string; score: number }> = [];
    let offset = 0;
    const batch = Math.max(limit + 1, 64);
    for (;;) {
      const raw = await this.redis.zrange(key, max, min, 'BYSCORE', 'REV', 'LIMIT', offset, batch, 'WITHSCORES');
      if (raw.length === 0) break;
      const candidates: Array<{ id: string; score: number }> = [];
      for (let i = 0; i < raw.length; i += 2) {
        const id = raw[i]!;
        const score = Number(raw[i + 1]);
        // Same score as the cursor: ZRANGE REV orders ties by descending member, so
        // the entries at or above the cursor's id were shown already.
        if (after && score === after.score && id >= after.id) continue;
        candidates.push({ id, score });
      }
      const keep = filter ? await filter(candidates.map((c) => c.id)) : candidates.map(() => true);
      candidates.forEach((c, i) => {
        if (keep[i]) out.push(c);
      });
      if (out.length > limit || raw.length < batch * 2) break;
      offset += batch;
    }
    const pageItems = out.slice(0, limit);
    const last = pageItems[pageItems.length - 1];
    return {
      ids: pageItems.map((c) => c.id),
      nextCursor: out.length > limit && last ? encodeCursor(last.score, last.id) : null,
    };
  }

  /** Items of an anchor's entity published between two times (ms, inclusive). */
  async countEntity(anchorId: string, entityKey: string, fromMs: number, toMs: number): Promise<number> {
    return this.redis.zcount(this.keys.entityItems(anchorId, entityKey), fromMs, toMs);
  }

  /** Ids of an anchor's entity's items published between two times, newest first. */
  async entityIdsBetween(anchorId: string, entityKey: string, fromMs: number, toMs: number, limit: number): Promise<string[]> {
    return this.redis.zrange(this.keys.entityItems(anchorId, entityKey), toMs, fromMs, 'BYSCORE', 'REV', 'LIMIT', 0, limit);
  }

  /** Removes up to `limit` items published before `cutoffMs`, with every index entry; returns how many. */
  async retireBefore(cutoffMs: number, limit: number): Promise<number> {
    const ids = await this.redis.zrange(this.keys.items, '-inf', `(${cutoffMs}`, 'BYSCORE', 'LIMIT', 0, limit);
    if (ids.length === 0) return 0;
    const pipeline = this.redis.pipeline();
    for (const id of ids) {
      pipeline.awRetireItem(
        this.keys.item(id),
        this.keys.itemSources(id),
        this.keys.items,
        this.keys.untagged,
        this.keys.itemsHourly,
        id,
        this.keys.feedItems(''),
        this.keys.digest(''),
        this.keys.storyMembers(''),
      );
    }
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
    return ids.length;
  }

  /** Number of stored items. */
  async count(): Promise<number> {
    return this.redis.zcard(this.keys.items);
  }
}

/** Opaque cursor: base64url of "score:id". */
export function encodeCursor(score: number, id: string): string {
  return Buffer.from(`${score}:${id}`).toString('base64url');
}

/** Reads a cursor; null when it is not one of ours. */
export function decodeCursor(cursor: string): { score: number; id: string } | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const sep = text.indexOf(':');
  if (sep <= 0) return null;
  const score = Number(text.slice(0, sep));
  const id = text.slice(sep + 1);
  if (!Number.isFinite(score) || !/^[0-9a-f]{8,64}$/.test(id)) return null;
  return { score, id };
}

function toStoredItem(raw: Record<string, string>, sources: Record<string, string>): StoredItem {
  const tags: Record<string, ItemTags> = {};
  for (const [field, value] of Object.entries(raw)) {
    if (!field.startsWith('t:')) continue;
    const anchorId = field.slice(2);
    const parsed = JSON.parse(value) as { e: Array<[string, number]>; s: number; r: boolean };
    tags[anchorId] = {
      entities: parsed.e.map(([key, count]) => ({ key, count })),
      score: parsed.s,
      relevant: parsed.r,
      version: Number(raw[`tv:${anchorId}`] ?? 0),
    };
  }
  return {
    id: raw.id!,
    feedId: raw.feedId ?? '',
    link: raw.link ? raw.link : null,
    title: raw.title ?? '',
    summary: raw.summary ?? '',
    author: raw.author ? raw.author : null,
    publishedAt: Number(raw.publishedAt),
    hasPublishedDate: raw.hasPublishedDate === '1',
    firstSeenAt: Number(raw.firstSeenAt),
    sources,
    tags,
  };
}
