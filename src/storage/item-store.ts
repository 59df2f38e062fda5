import type { IngestResult, NormalizedItem, StoredItem } from '../model/item.ts';
import type { Evidence } from '../model/story.ts';
import type { ItemTags } from '../model/tags.ts';
import type { Keys } from './keys.ts';
import { defineScript } from './define-script.ts';
import { ASSIGN_STORIES, INDEX_ITEMS, STORE_ITEMS } from './batch-scripts.ts';
import { asBuffer, decodeItem, encodeTags, packRecords, type PackedRecords } from './item-codec.ts';
import { ANCHOR_TAGS, COUNTS_BELOW, DROP_ANCHOR_TAGS, ITEM_TAGS, SET_FULL_TEXT, SUM_HOURS, UNINDEX_ITEMS, UNTAG_ITEMS } from './item-scripts.ts';
import { decodeCursor, encodeCursor } from './page-cursor.ts';
import type { RedisClient } from './redis-connection.ts';
import { recordArgs } from './record-args.ts';
import { listedId } from './listed-id.ts';
import { retireItems } from './retire-items.ts';
import { storyArgs, type StoryEntry } from './story-args.ts';
import { groupBySlot, runBatch, runBatchOrThrow, scanKeys, type BatchCommand } from './slot-batch.ts';

/** A page of item ids in newest-first order with the cursor of the next page. */
export interface IdPage {
  ids: string[];
  nextCursor: string | null;
}

/** Entries a digest stream keeps (approximately); older ones are trimmed, and a client that missed them is told to reload. */
export const STREAM_MAX_LEN = 10_000;

/** LSH buckets are kept by week: the current week's hash and the last one's are searched, so an item is found for 7 to 14 days. */
const BAND_WEEK_MS = 7 * 24 * 3600_000;
const BAND_TTL_SECONDS = 15 * 24 * 3600;

const HOUR_MS = 3_600_000;
/** Items per ingest script call at most. */
const INGEST_CHUNK = 200;
/** Items per story script call at most (each carries its 42 bands). */
const STORY_CHUNK = 50;

/** One tag write: an item's tags for one anchor (and, from the tag job, its story leader). */
export interface TagWrite {
  anchorId: string;
  itemId: string;
  tags: ItemTags;
  /** The story leader clustering gave the item; kept on the item if it has none yet. */
  leader?: string;
  /** `tags` as encodeTags makes them, when a pipeline thread encoded them already. */
  encoded?: Buffer;
}

/**
 * The item aggregate: items, their tags, and every index derived from them (every item,
 * each feed's items, the untagged list, each anchor's digest and entity indexes with their
 * hourly counts, digest streams' entries, stories). Everything that writes or reads those
 * indexes goes through here, so digest pages, volume series, spike counts and retention all
 * read one set of indexes with one interval convention: a range is [from, to) in ms.
 */
export class ItemStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    defineScript(redis, 'awStoreItems', STORE_ITEMS);
    defineScript(redis, 'awIndexItems', INDEX_ITEMS, 4);
    defineScript(redis, 'awItemTags', ITEM_TAGS);
    defineScript(redis, 'awAnchorTags', ANCHOR_TAGS);
    defineScript(redis, 'awUntagItems', UNTAG_ITEMS, 3);
    defineScript(redis, 'awUnindexItems', UNINDEX_ITEMS, 3);
    defineScript(redis, 'awAssignStories', ASSIGN_STORIES, 4);
    defineScript(redis, 'awBucketCounts', COUNTS_BELOW);
    defineScript(redis, 'awSumHours', SUM_HOURS);
    defineScript(redis, 'awSetFullText', SET_FULL_TEXT);
    defineScript(redis, 'awDropAnchorTags', DROP_ANCHOR_TAGS);
    // Tag states keep entity keys only; the scripts rebuild the index keys by appending them.
    if (keys.entityItems('a', 'k') !== keys.entityItems('a', '') + 'k' || keys.entityHourly('a', 'k') !== keys.entityHourly('a', '') + 'k') {
      throw new Error('entity index keys must end with the entity key');
    }
  }

  /**
   * Stores each item once and indexes it; returns per item whether it was new, seen, or seen
   * but still untagged. Two steps per chunk: the item hashes (one script call per hash slot:
   * one call on a plain Redis), then the {items} indexes (one call). Only the second decides
   * what is new, so a crash between them is repaired by the next poll of the document, and
   * nothing is counted twice. `records`: the items' records as encodeNewItems(items, feedId, now)
   * packs them, when a pipeline thread encoded them already. With `countSince`, also the number
   * of the feed's items published since then, counted by the index step (null: no items).
   */
  async ingest(feedId: string, items: NormalizedItem[], now: number, records?: PackedRecords, countSince?: number): Promise<{ results: IngestResult[]; feedItemsSince: number | null }> {
    if (items.length === 0) return { results: [], feedItemsSince: null };
    const out: IngestResult[] = [];
    let feedItemsSince: number | null = null;
    const packed = records && records.ends.length === items.length ? records : null;
    const bytes = packed ? asBuffer(packed.bytes) : null;
    // Chunks keep one script call's argument list and run time modest for a huge document.
    for (let start = 0; start < items.length; start += INGEST_CHUNK) {
      const chunk = items.slice(start, start + INGEST_CHUNK);
      const at = chunk.map((_, i) => start + i);
      const groups = groupBySlot(this.redis, at, (i) => this.keys.item(items[i]!.id));
      const replies = await runBatchOrThrow(
        this.redis,
        groups.map((group): BatchCommand => {
          const keys = group.map((i) => this.keys.item(items[i]!.id));
          const published = group.map((i) => items[i]!.publishedAt).join(',');
          return ['awStoreItems', group.length, ...keys, feedId, published, ...recordArgs(group, items, feedId, now, packed, bytes)];
        }),
      );
      // One group (a plain Redis): its answer goes on to the index script as it is.
      let scores: string;
      if (groups.length === 1) scores = String(replies[0]);
      else {
        const scoreAt = new Map<number, string>();
        groups.forEach((group, g) => String(replies[g]).split(',').forEach((score, j) => scoreAt.set(group[j]!, score)));
        scores = at.map((i) => scoreAt.get(i) ?? '').join(',');
      }
      // The feed's count is asked of the last chunk only: it is read once every item is in.
      const last = start + INGEST_CHUNK >= items.length && countSince !== undefined;
      const indexKeys = [this.keys.items, this.keys.feedItems(feedId), this.keys.untagged, this.keys.itemsHourly];
      const codes = (await this.redis.awIndexItems(...indexKeys, String(now), scores, last ? String(countSince) : '', ...chunk.map((i) => i.id))) as number[];
      for (let j = 0; j < chunk.length; j++) out.push(codes[j] === 1 ? 'new' : codes[j] === 2 ? 'seen-untagged' : 'seen');
      if (last) feedItemsSince = Number(codes[chunk.length]);
    }
    return { results: out, feedItemsSince };
  }

  /** Loads items by id, in the order given; ids no longer stored are skipped. */
  async getMany(ids: string[]): Promise<StoredItem[]> {
    if (ids.length === 0) return [];
    const results = await runBatch(this.redis, ids.map((id): BatchCommand => ['getBuffer', this.keys.item(id)]));
    const found = new Map<string, StoredItem>();
    const legacy: string[] = [];
    ids.forEach((id, i) => {
      const [err, raw] = results[i] ?? [null, null];
      // WRONGTYPE: an item stored in the older hash layout, read the old way below.
      if (err) legacy.push(id);
      else if (raw) {
        const item = decodeItem(id, raw as Buffer);
        if (item) found.set(id, item);
      }
    });
    if (legacy.length > 0) {
      const old = await runBatch(this.redis, legacy.map((id): BatchCommand => ['hgetall', this.keys.item(id)]));
      legacy.forEach((id, i) => {
        const raw = old[i]?.[1] as Record<string, string> | undefined;
        if (raw && raw.d) found.set(id, legacyStoredItem(raw));
      });
    }
    const items: StoredItem[] = [];
    for (const id of ids) {
      const item = found.get(id);
      if (item) items.push(item);
    }
    return items;
  }

  /**
   * Writes tags of many (anchor, item) pairs; per pair, true when the item newly entered the
   * digest. Two idempotent steps in this order: the tags onto the item hashes (one script call
   * per slot: one on a plain Redis), then per anchor one script call that moves the items
   * between the anchor's indexes and appends to its stream. A reader that sees a stream entry
   * therefore finds the item's tags; a crash between the steps leaves the item untagged, and
   * the re-run (the sweep re-queues untagged items) writes the same tags again.
   */
  async writeTags(writes: TagWrite[]): Promise<boolean[]> {
    if (writes.length === 0) return [];
    const indexed = writes.map((w, i) => ({ w, i }));
    const groups = groupBySlot(this.redis, indexed, ({ w }) => this.keys.item(w.itemId));
    const replies = await runBatchOrThrow(
      this.redis,
      groups.map((group): BatchCommand => {
        const anchorAt = new Map<string, number>();
        const which = group.map(({ w }) => {
          let at = anchorAt.get(w.anchorId);
          if (at === undefined) anchorAt.set(w.anchorId, (at = anchorAt.size + 1));
          return at;
        });
        const hints = group.map(({ w }) => listedId(w.leader ?? '')).join(',');
        const { bytes, ends } = packRecords(group.map(({ w }) => w.encoded ?? encodeTags(w.tags)));
        return ['awItemTags', group.length, ...group.map(({ w }) => this.keys.item(w.itemId)), anchorAt.size, ...anchorAt.keys(), which.join(','), hints, ends.join(','), asBuffer(bytes)];
      }),
    );
    const written: Array<{ score: string; leader: string } | null> = new Array(writes.length).fill(null);
    groups.forEach((group, g) => {
      const reply = replies[g] as Array<number | string>;
      group.forEach(({ w, i }, j) => {
        if (Number(reply[j * 3]) === 1) written[i] = { score: String(reply[j * 3 + 1]), leader: String(reply[j * 3 + 2]) || w.itemId };
      });
    });
    const byAnchor = new Map<string, number[]>();
    written.forEach((state, i) => {
      if (!state) return;
      const anchorId = writes[i]!.anchorId;
      let list = byAnchor.get(anchorId);
      if (!list) byAnchor.set(anchorId, (list = []));
      list.push(i);
    });
    const entered: boolean[] = new Array(writes.length).fill(false);
    const anchors = [...byAnchor.entries()];
    const codes = await runBatchOrThrow(this.redis, anchors.map(([anchorId, at]) => this.anchorTagsCommand(anchorId, at.map((i) => ({ write: writes[i]!, ...written[i]! })))));
    anchors.forEach(([, at], a) => at.forEach((i, j) => (entered[i] = Number((codes[a] as number[])[j]) === 1)));
    return entered;
  }

  /** The one script call that applies a batch of one anchor's tag writes to its indexes. */
  private anchorTagsCommand(anchorId: string, batch: Array<{ write: TagWrite; score: string; leader: string }>): BatchCommand {
    const keys = [this.keys.digest(anchorId), this.keys.digestStream(anchorId), this.keys.anchor(anchorId), this.keys.tagState(anchorId), this.keys.digestFolds(anchorId)];
    // Each entity's index with its hourly counts, as a pair of KEYS named once per batch.
    const pairAt = new Map<string, number>();
    const args: string[] = [String(STREAM_MAX_LEN), this.keys.entityItems(anchorId, ''), this.keys.entityHourly(anchorId, '')];
    for (const { write, score, leader } of batch) {
      const positions = write.tags.entities.map((e) => {
        let at = pairAt.get(e.key);
        if (at === undefined) {
          at = keys.length + 1;
          pairAt.set(e.key, at);
          keys.push(this.keys.entityItems(anchorId, e.key), this.keys.entityHourly(anchorId, e.key));
        }
        return String(at);
      });
      args.push(write.itemId, String(write.tags.version), score, write.tags.relevant ? '1' : '0', leader, String(positions.length), ...positions);
    }
    return ['awAnchorTags', keys.length, ...keys, ...args];
  }

  /** Marks items whose article page was read and tagged with their main text (idempotent; a gone item stays gone). */
  async markFullText(itemIds: string[]): Promise<void> {
    if (itemIds.length === 0) return;
    const groups = groupBySlot(this.redis, itemIds, (id) => this.keys.item(id));
    await runBatchOrThrow(this.redis, groups.map((g): BatchCommand => ['awSetFullText', g.length, ...g.map((id) => this.keys.item(id))]));
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

  /** Removes up to `limit` items published before `cutoffMs`, with every index entry; returns how many (see retireItems). */
  retireBefore(cutoffMs: number, limit: number): Promise<number> {
    return retireItems(this.redis, this.keys, cutoffMs, limit);
  }

  /** Stored items of one feed published at or after `sinceMs` (for the adaptive interval). */
  async countFeedItemsSince(feedId: string, sinceMs: number): Promise<number> {
    return this.redis.zcount(this.keys.feedItems(feedId), sinceMs, '+inf');
  }

  /**
   * Assigns each item to a story (near-duplicates across feeds); returns the leader id per
   * item (itself when it leads). One script call for the batch, items in order, so copies
   * within the same batch find each other.
   */
  async assignStories(entries: StoryEntry[], threshold: number, now = Date.now()): Promise<string[]> {
    if (entries.length === 0) return [];
    const week = Math.floor(now / BAND_WEEK_MS);
    const out: string[] = [];
    const keys = [this.keys.storyBands(week), this.keys.storyBands(week - 1), this.keys.storySigs(week), this.keys.storySigs(week - 1)];
    for (let start = 0; start < entries.length; start += STORY_CHUNK) {
      const chunk = entries.slice(start, start + STORY_CHUNK);
      const leaders = (await this.redis.awAssignStories(...keys, String(threshold), this.keys.storyMembers(''), String(BAND_TTL_SECONDS), ...storyArgs(chunk))) as string[];
      for (const l of leaders) out.push(String(l));
    }
    return out;
  }

  /** The member ids of the stories led by the given items, per leader. */
  async storyMembersOf(leaderIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (leaderIds.length === 0) return out;
    const results = await runBatch(this.redis, leaderIds.map((id): BatchCommand => ['zrange', this.keys.storyMembers(id), 0, -1]));
    leaderIds.forEach((id, i) => out.set(id, (results[i]?.[1] as string[] | undefined) ?? []));
    return out;
  }

  /**
   * Items per bucket [b[i], b[i+1]) of each entity of an anchor, and of all items (for
   * shares). Buckets made of whole UTC hours (hour and day series in zones with whole-hour
   * offsets) are summed from the hourly counts kept beside each index; others (minutes,
   * half-hour zones) are counted on the index itself.
   */
  async bucketCounts(anchorId: string, entityKeys: string[], bounds: number[], withTotal: boolean): Promise<{ byEntity: number[][]; total: number[] | null }> {
    if (bounds.every((b) => b % HOUR_MS === 0)) {
      const hourly = entityKeys.map((k) => this.keys.entityHourly(anchorId, k));
      if (withTotal) hourly.push(this.keys.itemsHourly);
      const series = await this.perSlot(hourly, 'awSumHours', bounds.map((b) => b / HOUR_MS).join(','));
      return { byEntity: series.slice(0, entityKeys.length), total: withTotal ? series[entityKeys.length]! : null };
    }
    const keys = entityKeys.map((k) => this.keys.entityItems(anchorId, k));
    if (withTotal) keys.push(this.keys.items);
    if (keys.length === 0) return { byEntity: [], total: null };
    // Scores are whole ms, so "b - 1" is "before b".
    const series = (await this.perSlot(keys, 'awBucketCounts', bounds.map((b) => b - 1).join(','))).map((below) => {
      const counts = new Array<number>(below.length - 1);
      for (let i = 0; i + 1 < below.length; i++) counts[i] = below[i + 1]! - below[i]!;
      return counts;
    });
    return { byEntity: series.slice(0, entityKeys.length), total: withTotal ? series[entityKeys.length]! : null };
  }

  /**
   * Runs a counting script over keys (one call per hash slot: the anchor's keys in one, the
   * {items} totals in another; one call on a plain Redis) and returns one series per key, in order.
   */
  private async perSlot(keys: string[], script: 'awSumHours' | 'awBucketCounts', bounds: string): Promise<number[][]> {
    if (keys.length === 0) return [];
    const groups = groupBySlot(this.redis, keys.map((key, i) => ({ key, i })), (e) => e.key);
    const replies = await runBatchOrThrow(this.redis, groups.map((g): BatchCommand => [script, g.length, ...g.map((e) => e.key), bounds]));
    const out: number[][] = new Array(keys.length);
    groups.forEach((g, n) => {
      const series = String(replies[n]).split(';');
      g.forEach((e, j) => (out[e.i] = series[j]!.split(',').map(Number)));
    });
    return out;
  }

  /** Items of an anchor's entity published in [from, to). */
  async countEntity(anchorId: string, entityKey: string, fromMs: number, toMs: number): Promise<number> {
    return this.redis.zcount(this.keys.entityItems(anchorId, entityKey), fromMs, `(${toMs}`);
  }

  /** Stored items published in [from, to), counted without reading them. */
  async countBetween(fromMs: number, toMs: number): Promise<number> {
    return this.redis.zcount(this.keys.items, fromMs, `(${toMs}`);
  }

  /** Ids of an anchor's entity's items published in [from, to), newest first. */
  async entityIdsBetween(anchorId: string, entityKey: string, fromMs: number, toMs: number, limit: number): Promise<string[]> {
    return this.redis.zrange(this.keys.entityItems(anchorId, entityKey), `(${toMs}`, fromMs, 'BYSCORE', 'REV', 'LIMIT', 0, limit);
  }

  /** Every item published in [from, to), oldest first, up to `limit`, with its publication time. */
  itemsBetween(fromMs: number, toMs: number, limit: number) {
    return this.idsBetween(this.keys.items, fromMs, toMs, limit);
  }

  /** The items of an anchor's entity published in [from, to), oldest first, up to `limit`. */
  entityItemsBetween(anchorId: string, entityKey: string, fromMs: number, toMs: number, limit: number) {
    return this.idsBetween(this.keys.entityItems(anchorId, entityKey), fromMs, toMs, limit);
  }

  /** The digest items of an anchor published in [from, to), oldest first, up to `limit`. */
  digestItemsBetween(anchorId: string, fromMs: number, toMs: number, limit: number) {
    return this.idsBetween(this.keys.digest(anchorId), fromMs, toMs, limit);
  }

  /** Ids with their publication times in a ZSET in [from, to). */
  private async idsBetween(key: string, fromMs: number, toMs: number, limit: number): Promise<Array<{ id: string; at: number }>> {
    const raw = await this.redis.zrange(key, fromMs, `(${toMs}`, 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES');
    const out: Array<{ id: string; at: number }> = [];
    for (let i = 0; i < raw.length; i += 2) out.push({ id: raw[i]!, at: Number(raw[i + 1]) });
    return out;
  }

  /** Trims a digest stream's entries older than `minId` (its age cap), approximately, as XADD trims by length. */
  async trimDigestStream(anchorId: string, minId: string): Promise<void> {
    await this.redis.xtrim(this.keys.digestStream(anchorId), 'MINID', '~', minId);
  }

  /**
   * Removes every index of one anchor (its digest, its stream, its entity indexes and their
   * hourly counts) and its tag fields on the items; the items themselves stay. Idempotent:
   * running it again finds nothing left to remove.
   */
  async dropAnchorIndexes(anchorId: string): Promise<void> {
    const doomed: string[] = [this.keys.digest(anchorId), this.keys.digestStream(anchorId), this.keys.tagState(anchorId), this.keys.digestFolds(anchorId)];
    // Every key of the anchor is in its slot, so the UNLINKs are legal on a cluster too.
    for (const pattern of this.keys.entityIndexesOf(anchorId)) doomed.push(...(await scanKeys(this.redis, pattern)));
    for (let i = 0; i < doomed.length; i += 500) await this.redis.unlink(...doomed.slice(i, i + 500));
    // The tag fields go too: an anchor created later under the same id starts from version 1,
    // and tags of a higher old version would otherwise refuse its writes.
    const page = 1000;
    for (let offset = 0; ; offset += page) {
      const ids = await this.redis.zrange(this.keys.items, offset, offset + page - 1);
      if (ids.length === 0) break;
      const groups = groupBySlot(this.redis, ids, (id) => this.keys.item(id));
      await runBatchOrThrow(this.redis, groups.map((g): BatchCommand => ['awDropAnchorTags', g.length, ...g.map((id) => this.keys.item(id)), anchorId]));
      if (ids.length < page) break;
    }
  }

  /** Number of stored items. */
  async count(): Promise<number> {
    return this.redis.zcard(this.keys.items);
  }
}

/** An item stored in the older hash layout (before the one-record layout of item-codec.ts), read as it was. */
function legacyStoredItem(raw: Record<string, string>): StoredItem {
  const tags: Record<string, ItemTags> = {};
  const sources: Record<string, string> = {};
  for (const [field, value] of Object.entries(raw)) {
    if (field.startsWith('s:')) {
      sources[field.slice(2)] = value;
      continue;
    }
    if (!field.startsWith('t:')) continue;
    const anchorId = field.slice(2);
    const parsed = JSON.parse(value) as { e: Array<[string, number]>; s: number; r: boolean; w?: [number, Array<[Evidence['kind'], string, number]>]; j?: boolean };
    tags[anchorId] = {
      entities: parsed.e.map(([key, count]) => ({ key, count })),
      score: parsed.s,
      relevant: parsed.r,
      version: Number(raw[`tv:${anchorId}`] ?? 0),
      ...(parsed.w ? { why: { threshold: parsed.w[0], evidence: parsed.w[1].map(([kind, name, weight]) => ({ kind, name, weight })) } } : {}),
      judged: typeof parsed.j === 'boolean' ? parsed.j : null,
    };
  }
  const [id, feedId, link, , title, summary, author, hasPublishedDate] = JSON.parse(raw.d!) as [string, string, string, string, string, string, string, number];
  return {
    id,
    feedId,
    link: link ? link : null,
    title,
    summary,
    author: author ? author : null,
    publishedAt: Number(raw.p),
    hasPublishedDate: hasPublishedDate === 1,
    firstSeenAt: Number(raw.f),
    fullText: raw.fullText === '1',
    sources,
    tags,
  };
}
