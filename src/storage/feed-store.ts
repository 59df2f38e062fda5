import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import type { FeedRecord, FeedUpdate, FullTextMode, LastPoll, PushState } from '../model/feed.ts';
import type { Keys } from './keys.ts';
import { defineScript } from './define-script.ts';
import { runBatch, type BatchCommand } from './slot-batch.ts';

const nullableNumber = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
const nullableString = (v: string | undefined) => (v === undefined || v === '' ? null : v);

/** The feed id: a short stable hash of the URL it was registered with. */
export function feedIdFor(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 16);
}

/** What registering one feed writes. */
export interface FeedCreation {
  url: string;
  title: string | null;
  intervalSeconds: number | null;
  now: number;
  /** When the schedule first picks it up: now, or later when the caller polls it at once itself. */
  firstPollAt?: number;
  htmlUrl?: string | null;
  category?: string | null;
  fullText?: FullTextMode | null;
}

/** Redis storage of the feed registry and its schedule. */
export class FeedStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    defineScript(redis, 'awClaimDue', CLAIM_DUE, 1);
    defineScript(redis, 'awAcquireSlots', ACQUIRE_SLOTS, 1);
    defineScript(redis, 'awRenewSlots', RENEW_SLOTS, 1);
  }

  /**
   * Registers many feeds (an OPML import) in a few round trips: every URL's registration lock
   * in one pipeline, the won feeds' writes sent together, their records read back in one batch.
   * A URL already known (or twice in `inputs`) takes create's path. Results in input order.
   */
  async createMany(inputs: FeedCreation[]): Promise<Array<{ feed: FeedRecord; created: boolean }>> {
    const prepared = inputs.map((input) => {
      const url = new URL(input.url).href;
      return { input, url, id: feedIdFor(url) };
    });
    if (prepared.length === 0) return [];
    const locks = this.redis.pipeline();
    for (const p of prepared) locks.hsetnx(this.keys.feedUrls, p.url, p.id);
    const won = ((await locks.exec()) ?? []).map(([err, v]) => {
      if (err) throw err;
      return Number(v) === 1;
    });
    const winners = prepared.filter((_, i) => won[i]);
    await Promise.all(winners.map((p) => this.writeNew(p.id, p.url, p.input)));
    const records = await this.getMany(winners.map((p) => p.id));
    const byId = new Map(records.map((r, i) => [winners[i]!.id, r]));
    const out: Array<{ feed: FeedRecord; created: boolean }> = [];
    for (const [i, p] of prepared.entries()) out.push(won[i] ? { feed: byId.get(p.id)!, created: true } : await this.create(p.input));
    return out;
  }

  /** Registers a feed unless its URL is known; returns the feed and whether it was created. */
  async create(input: FeedCreation): Promise<{ feed: FeedRecord; created: boolean }> {
    // WHATWG serialisation: "HTTP://Example.COM:80/feed" and "http://example.com/feed" are one feed.
    const url = new URL(input.url).href;
    const id = feedIdFor(url);
    // HSETNX on the URL map is the registration lock: exactly one caller wins for a URL.
    const won = await this.redis.hsetnx(this.keys.feedUrls, url, id);
    if (won === 0) {
      const existingId = await this.redis.hget(this.keys.feedUrls, url);
      for (let attempt = 0; attempt < 5; attempt++) {
        const existing = existingId ? await this.get(existingId) : null;
        if (existing) return { feed: existing, created: false };
        // Another caller may be between its two writes right now: give it a moment.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Still half-written: a registration that crashed between the two writes. Finish it.
      await this.redis.hset(this.keys.feedUrls, url, id);
    }
    await this.writeNew(id, url, input);
    return { feed: (await this.get(id))!, created: true };
  }

  /** A won registration's writes: the feed hash, the registry and the schedule, together. */
  private async writeNew(id: string, url: string, input: FeedCreation): Promise<void> {
    const fields: Record<string, string> = {
      id,
      url,
      title: input.title ?? '',
      status: 'active',
      intervalSeconds: input.intervalSeconds === null ? '' : String(input.intervalSeconds),
      errorCount: '0',
      createdAt: String(input.now),
      nextPollAt: String(input.firstPollAt ?? input.now),
      htmlUrl: input.htmlUrl ?? '',
      category: input.category ?? '',
      fullText: input.fullText ?? '',
    };
    await this.redis
      .multi()
      .hset(this.keys.feed(id), fields)
      .zadd(this.keys.feeds, 'NX', input.now, id)
      .zadd(this.keys.schedule, input.firstPollAt ?? input.now, id)
      .exec();
  }

  /** The feed, or null. */
  async get(id: string): Promise<FeedRecord | null> {
    const [feed] = await this.getMany([id]);
    return feed ?? null;
  }

  /** Several feeds by id, in order (null where unknown), in one round trip; `itemCount: false` leaves the count at 0 (a poll needs none). */
  async getMany(ids: string[], opts: { itemCount?: boolean } = {}): Promise<Array<FeedRecord | null>> {
    if (ids.length === 0) return [];
    const withCount = opts.itemCount !== false;
    const step = withCount ? 2 : 1;
    // itemCount is the length of the feed's item list, which the item aggregate keeps (ItemStore),
    // under another hash tag: a batch, not one pipeline, so it also runs on a cluster.
    const commands: BatchCommand[] = [];
    for (const id of ids) {
      commands.push(['hgetall', this.keys.feed(id)]);
      if (withCount) commands.push(['zcard', this.keys.feedItems(id)]);
    }
    const results = await runBatch(this.redis, commands);
    return ids.map((_, i) => {
      const raw = results[i * step]?.[1] as Record<string, string> | undefined;
      const count = withCount ? ((results[i * step + 1]?.[1] as number | undefined) ?? 0) : 0;
      return raw && raw.id ? toRecord(raw, count) : null;
    });
  }

  /** The display name of each feed (its title, else its URL; null for an unknown id), in one round trip. */
  async titles(ids: Iterable<string>): Promise<Map<string, string | null>> {
    const unique = [...new Set(ids)];
    const feeds = await this.getMany(unique);
    return new Map(unique.map((id, i) => [id, feeds[i] ? (feeds[i]!.title ?? feeds[i]!.url) : null]));
  }

  /** Every feed, oldest registration first. */
  async list(): Promise<FeedRecord[]> {
    const ids = await this.redis.zrange(this.keys.feeds, 0, -1);
    return (await this.getMany(ids)).filter((f): f is FeedRecord => f !== null);
  }

  /**
   * Applies a poll's outcome to the feed and, when given, reschedules it. Updates made while an
   * earlier group is being written go out together as the next group (a group commit): one
   * pipeline of one HSET per feed and one ZADD for the whole group's schedule, so a busy pass
   * pays one schedule write and one round trip per group, and a lone update waits for nothing.
   */
  update(id: string, update: FeedUpdate): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pendingUpdates.push({ id, update, resolve, reject });
      if (!this.writingUpdates) this.writingUpdates = this.writeUpdateGroups();
    });
  }

  private pendingUpdates: Array<{ id: string; update: FeedUpdate; resolve: () => void; reject: (err: unknown) => void }> = [];
  private writingUpdates: Promise<void> | null = null;

  private async writeUpdateGroups(): Promise<void> {
    // The rest of this turn's updates join the first group.
    await Promise.resolve();
    while (this.pendingUpdates.length > 0) {
      const group = this.pendingUpdates.splice(0);
      try {
        await this.writeUpdates(group);
        for (const u of group) u.resolve();
      } catch (err) {
        for (const u of group) u.reject(err);
      }
    }
    this.writingUpdates = null;
  }

  private async writeUpdates(group: Array<{ id: string; update: FeedUpdate }>): Promise<void> {
    // One pipeline, no transaction (all of it in the {feeds} slot): each write is idempotent, and
    // a schedule entry not moved on yet (a crash in between) only means the lease runs out and the
    // feed is polled again.
    const tx = this.redis.pipeline();
    // The last update of a feed in the group decides its schedule entry, as if applied in order.
    const schedule = new Map<string, number | null>();
    for (const { id, update } of group) {
      const fields: Record<string, string> = {};
      for (const k in update) {
        const v = update[k as keyof FeedUpdate];
        fields[k] = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      }
      tx.hset(this.keys.feed(id), fields);
      if (update.status === 'disabled') schedule.set(id, null);
      else if (update.nextPollAt !== undefined && update.nextPollAt !== null) schedule.set(id, update.nextPollAt);
    }
    const due: Array<number | string> = [];
    const gone: string[] = [];
    for (const [id, at] of schedule) {
      if (at === null) gone.push(id);
      else due.push(at, id);
    }
    if (due.length > 0) tx.zadd(this.keys.schedule, ...due);
    if (gone.length > 0) tx.zrem(this.keys.schedule, ...gone);
    for (const [err] of (await tx.exec()) ?? []) if (err) throw err;
  }

  /** Records the feed's WebSub subscription (hub, topic, state, lease); nothing when the feed is gone. */
  async setPush(id: string, push: Omit<PushState, 'lastPushAt' | 'rejectedPushes'> | null, secret?: string): Promise<void> {
    if ((await this.redis.exists(this.keys.feed(id))) === 0) return;
    if (push === null) {
      await this.redis.hdel(this.keys.feed(id), 'push', 'pushSecret');
      return;
    }
    const fields: Record<string, string> = { push: JSON.stringify(push) };
    if (secret !== undefined) fields.pushSecret = secret;
    await this.redis.hset(this.keys.feed(id), fields);
  }

  /** The per-feed secret the hub signs pushes with, or null. */
  async pushSecret(id: string): Promise<string | null> {
    return nullableString((await this.redis.hget(this.keys.feed(id), 'pushSecret')) ?? undefined);
  }

  /** Notes a verified push (its time) or a refused one (a counter), on a feed that still exists. */
  async notePush(id: string, outcome: 'ingested' | 'rejected', at: number): Promise<void> {
    if ((await this.redis.exists(this.keys.feed(id))) === 0) return;
    if (outcome === 'ingested') await this.redis.hset(this.keys.feed(id), 'pushLastAt', String(at));
    else await this.redis.hincrby(this.keys.feed(id), 'pushRejected', 1);
  }

  /** Remembers a deleted feed's topic while its hub verifies the unsubscription. */
  async markLeaving(id: string, topic: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.websubLeaving(id), topic, 'PX', ttlMs);
  }

  /** The topic a deleted feed is unsubscribing from, or null; `take` forgets it. */
  async leavingTopic(id: string, take = false): Promise<string | null> {
    return take ? this.redis.getdel(this.keys.websubLeaving(id)) : this.redis.get(this.keys.websubLeaving(id));
  }

  /** Moves a feed to a new URL after a permanent redirect; false when another feed owns that URL. */
  async changeUrl(id: string, oldUrl: string, newUrl: string): Promise<boolean> {
    const won = await this.redis.hsetnx(this.keys.feedUrls, newUrl, id);
    if (won === 0) return (await this.redis.hget(this.keys.feedUrls, newUrl)) === id;
    await this.redis.multi().hdel(this.keys.feedUrls, oldUrl).hset(this.keys.feed(id), 'url', newUrl).exec();
    return true;
  }

  /** Removes a feed from the registry and the schedule; its items stay. */
  async delete(id: string): Promise<boolean> {
    const feed = await this.get(id);
    if (!feed) return false;
    await this.redis
      .multi()
      .hdel(this.keys.feedUrls, feed.url)
      .del(this.keys.feed(id))
      .zrem(this.keys.feeds, id)
      .zrem(this.keys.schedule, id)
      .exec();
    return true;
  }

  /**
   * Claims up to `limit` feeds that are due, pushing each one's due time forward by
   * `leaseMs` so the next tick does not claim it again while its poll runs. A poll that
   * is lost (process killed) is claimed again when the lease ends: nothing stops silently.
   */
  async claimDue(
    now: number,
    leaseMs: number,
    limit: number,
    /** Claims nothing while fewer than `minBatch` are due and none has waited `maxWaitMs`: due feeds gather into full batches. */
    gather: { minBatch: number; maxWaitMs: number } = { minBatch: 1, maxWaitMs: 0 },
  ): Promise<Array<{ id: string; dueAt: number }>> {
    const raw = (await this.redis.awClaimDue(
      this.keys.schedule,
      String(now),
      String(leaseMs),
      String(limit),
      String(gather.minBatch),
      String(now - gather.maxWaitMs),
    )) as string[];
    const claimed: Array<{ id: string; dueAt: number }> = [];
    for (let i = 0; i < raw.length; i += 2) claimed.push({ id: raw[i]!, dueAt: Number(raw[i + 1]) });
    return claimed;
  }

  /** Takes a slot among `limit` concurrent requests to one host, or renews the lease of the one `token` holds; false when all are taken. */
  async acquireHostSlot(host: string, token: string, limit: number, leaseMs: number, now: number, renew = false): Promise<boolean> {
    if (renew) return (await this.renewHostSlots(host, [token], leaseMs, now)).length === 0;
    return (await this.acquireHostSlots(host, [token], limit, leaseMs, now)) === 1;
  }

  /** Takes up to `tokens.length` of the host's free slots among `limit` in one call; returns how many (the first ones of `tokens`). */
  async acquireHostSlots(host: string, tokens: string[], limit: number, leaseMs: number, now: number): Promise<number> {
    if (tokens.length === 0) return 0;
    return Number(await this.redis.awAcquireSlots(this.keys.hostSlots(host), String(limit), String(now), String(now + leaseMs), ...tokens));
  }

  /** Renews the leases of the host slots `tokens` hold, in one call; returns the tokens that hold none any more. */
  async renewHostSlots(host: string, tokens: string[], leaseMs: number, now: number): Promise<string[]> {
    if (tokens.length === 0) return [];
    return (await this.redis.awRenewSlots(this.keys.hostSlots(host), String(now + leaseMs), ...tokens)) as string[];
  }

  /** Gives a host slot back. */
  async releaseHostSlot(host: string, token: string): Promise<void> {
    await this.releaseHostSlots(host, [token]);
  }

  /** Gives host slots back, in one command. */
  async releaseHostSlots(host: string, tokens: string[]): Promise<void> {
    if (tokens.length === 0) return;
    await this.redis.zrem(this.keys.hostSlots(host), ...tokens);
  }
}

// One ZADD moves every claimed feed's due time on by the lease. Fewer than ARGV[4] due, the
// oldest of them due after ARGV[5]: nothing is claimed yet (the next check gathers more).
const CLAIM_DUE = `
local due = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[3]), 'WITHSCORES')
if #due == 0 then return due end
if #due < 2 * tonumber(ARGV[4]) and tonumber(due[2]) > tonumber(ARGV[5]) then return {} end
local lease = tonumber(ARGV[1]) + tonumber(ARGV[2])
local args = {}
for i = 1, #due, 2 do
  args[#args + 1] = lease
  args[#args + 1] = due[i]
end
redis.call('ZADD', KEYS[1], unpack(args))
return due
`;

// Takes up to #tokens slots while fewer than the limit are held, expired leases (a dead
// holder's) being dropped only when the host looks too full; one ZADD for all. The key lives as
// long as its latest lease.
const ACQUIRE_SLOTS = `
local limit = tonumber(ARGV[1])
local want = #ARGV - 3
local held = redis.call('ZCARD', KEYS[1])
if held + want > limit then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
  held = redis.call('ZCARD', KEYS[1])
end
local take = math.min(want, limit - held)
if take <= 0 then return 0 end
local args = {}
for i = 1, take do
  args[#args + 1] = ARGV[3]
  args[#args + 1] = ARGV[3 + i]
end
redis.call('ZADD', KEYS[1], unpack(args))
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return take
`;

// Renews the leases of the tokens still in the set (one ZADD XX) and returns those that are not.
const RENEW_SLOTS = `
local scores = redis.call('ZMSCORE', KEYS[1], unpack(ARGV, 2))
local args = {}
local lost = {}
for i = 1, #ARGV - 1 do
  if scores[i] then
    args[#args + 1] = ARGV[1]
    args[#args + 1] = ARGV[i + 1]
  else
    lost[#lost + 1] = ARGV[i + 1]
  end
end
if #args > 0 then
  redis.call('ZADD', KEYS[1], 'XX', unpack(args))
  redis.call('PEXPIREAT', KEYS[1], ARGV[1])
end
return lost
`;

function toRecord(raw: Record<string, string>, itemCount: number): FeedRecord {
  return {
    id: raw.id!,
    url: raw.url ?? '',
    title: nullableString(raw.title),
    status: (raw.status as FeedRecord['status']) || 'active',
    intervalSeconds: nullableNumber(raw.intervalSeconds),
    lastPolledAt: nullableNumber(raw.lastPolledAt),
    lastStatus: nullableNumber(raw.lastStatus),
    lastError: nullableString(raw.lastError),
    nextPollAt: nullableNumber(raw.nextPollAt),
    etag: nullableString(raw.etag),
    lastModified: nullableString(raw.lastModified),
    errorCount: Number(raw.errorCount ?? 0),
    createdAt: Number(raw.createdAt ?? 0),
    itemCount,
    lastPoll: parseLastPoll(raw.lastPoll),
    htmlUrl: nullableString(raw.htmlUrl),
    category: nullableString(raw.category),
    fullText: raw.fullText === 'auto' || raw.fullText === 'always' || raw.fullText === 'never' ? raw.fullText : null,
    push: parsePush(raw),
    weekItems: parseWeekItems(raw.weekItems),
  };
}

function parseWeekItems(raw: string | undefined): { count: number; at: number } | null {
  if (raw === undefined || raw === '') return null;
  try {
    const v = JSON.parse(raw) as { count?: unknown; at?: unknown };
    return typeof v.count === 'number' && typeof v.at === 'number' ? { count: v.count, at: v.at } : null;
  } catch {
    return null;
  }
}

function parsePush(raw: Record<string, string>): PushState | null {
  if (!raw.push) return null;
  try {
    const v = JSON.parse(raw.push) as Omit<PushState, 'lastPushAt' | 'rejectedPushes'>;
    return { ...v, lastPushAt: nullableNumber(raw.pushLastAt), rejectedPushes: Number(raw.pushRejected ?? 0) };
  } catch {
    return null;
  }
}

function parseLastPoll(raw: string | undefined): LastPoll | null {
  if (raw === undefined || raw === '') return null;
  try {
    const v = JSON.parse(raw) as Partial<LastPoll>;
    const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
    return { itemsSeen: n(v.itemsSeen), itemsNew: n(v.itemsNew), itemsTooOld: n(v.itemsTooOld), itemsRejected: n(v.itemsRejected) };
  } catch {
    return null;
  }
}
