import type { Redis } from 'ioredis';
import { defineScript } from './define-script.ts';
import type { AlertHit, AlertRecord, ChannelKind } from '../model/alert.ts';
import type { DeliveryRecord } from '../model/delivery.ts';
import type { Keys } from './keys.ts';

/** A pending delivery to write with a hit: its id, its channel and the payload that channel rendered. */
export interface PendingDelivery {
  id: string;
  channel: ChannelKind;
  body: string;
}

/** A hit to record: the story it stands for decides whether it is new. */
export interface HitInput {
  alertId: string;
  owner: string;
  storyId: string;
  itemId: string;
  matchedAt: number;
  /** The event data for the owner's stream. */
  streamData: string;
  /** One per live target of the alert (none when it has none). */
  deliveries: PendingDelivery[];
}

// Writes the pending deliveries of a hit: KEYS[4] is the alert's delivery list, KEYS[5] the
// due list, KEYS[6..] the deliveries' hashes; ARGV from `first` holds (id, channel, body)
// triples in the same order.
const ADD_DELIVERIES = `
local function addDeliveries(first, alertId, itemId, at)
  for d = 1, #KEYS - 5 do
    local i = first + (d - 1) * 3
    redis.call('HSET', KEYS[5 + d], 'webhookId', ARGV[i], 'channel', ARGV[i + 1], 'alertId', alertId, 'itemId', itemId,
      'status', 'pending', 'attempts', '0', 'lastStatus', '', 'lastError', '', 'nextAttemptAt', at, 'createdAt', at, 'body', ARGV[i + 2])
    redis.call('ZADD', KEYS[4], at, ARGV[i])
    redis.call('ZADD', KEYS[5], at, ARGV[i])
  end
end
`;

// Records a hit once per (alert, story): the seen-set is the dedupe, and the hit list, the
// owner's stream entry and the pending deliveries are written in the same step, so a retried
// job or a syndicated copy never fires twice and a crash never leaves half a hit.
// ARGV: story id, item id, matched at, stream data, alert id, stream cap, then the deliveries.
const RECORD_HIT = ADD_DELIVERIES + `
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'hit', ARGV[4])
addDeliveries(7, ARGV[5], ARGV[2], ARGV[3])
return 1
`;

// Fires a spike alert at most once per rest period: the rest key (NX, expiring after one
// window) is the dedupe, and the hits, the owner's stream entry and the pending deliveries are
// written in the same step. ARGV: fired at, rest ms, stream data, stream cap, alert id, the
// deliveries, then the item ids (the deliveries name the first).
const FIRE_SPIKE = ADD_DELIVERIES + `
if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 0 end
local firstItem = 6 + 3 * (#KEYS - 5)
for i = firstItem, #ARGV do redis.call('ZADD', KEYS[2], ARGV[1], ARGV[i]) end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'hit', ARGV[3])
addDeliveries(6, ARGV[5], ARGV[firstItem] or '', ARGV[1])
return 1
`;

/** Entries an owner's hit stream keeps. */
export const ALERT_STREAM_MAX_LEN = 10_000;
/** Hits listed per alert (older ones are trimmed). */
const HITS_KEPT = 1000;

/** Redis storage of alerts, their hits and their deliveries (every channel's). */
export class AlertStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    defineScript(redis, 'awRecordHit', RECORD_HIT);
    defineScript(redis, 'awFireSpike', FIRE_SPIKE);
  }

  /** Saves a new alert, unless the owner already has `maxPerOwner`; false when over the limit. */
  async create(alert: AlertRecord, maxPerOwner: number): Promise<boolean> {
    if ((await this.redis.scard(this.keys.alertsOf(alert.owner))) >= maxPerOwner) return false;
    await this.redis
      .multi()
      .set(this.keys.alert(alert.id), JSON.stringify(alert))
      .sadd(this.keys.alerts, alert.id)
      .sadd(this.keys.alertsOf(alert.owner), alert.id)
      .incr(this.keys.alertsGeneration)
      .exec();
    return true;
  }

  /** One alert, or null. */
  async get(id: string): Promise<AlertRecord | null> {
    const raw = await this.redis.get(this.keys.alert(id));
    return raw ? (JSON.parse(raw) as AlertRecord) : null;
  }

  /** The alerts of one owner, oldest first. */
  async listByOwner(owner: string): Promise<AlertRecord[]> {
    return this.getMany(await this.redis.smembers(this.keys.alertsOf(owner)));
  }

  /** Every alert (for the matching index). */
  async listAll(): Promise<AlertRecord[]> {
    return this.getMany(await this.redis.smembers(this.keys.alerts));
  }

  private async getMany(ids: string[]): Promise<AlertRecord[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(...ids.map((id) => this.keys.alert(id)));
    return raws
      .flatMap((raw) => (raw ? [JSON.parse(raw) as AlertRecord] : []))
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /** Deletes an alert with its hits; deliveries already made stay until they expire with it. */
  async delete(alert: AlertRecord): Promise<void> {
    await this.redis
      .multi()
      .del(this.keys.alert(alert.id), this.keys.alertSeen(alert.id), this.keys.alertHits(alert.id), this.keys.alertMatches(alert.id), this.keys.spikeRest(alert.id))
      .srem(this.keys.alerts, alert.id)
      .srem(this.keys.alertsOf(alert.owner), alert.id)
      .incr(this.keys.alertsGeneration)
      .exec();
  }

  /** Turns an alert's target on one channel off (its receiver said it is gone for good). */
  async disableTarget(alertId: string, kind: ChannelKind): Promise<void> {
    const alert = await this.get(alertId);
    const target = alert?.[kind];
    if (!alert || !target) return;
    target.disabled = true;
    await this.redis.multi().set(this.keys.alert(alertId), JSON.stringify(alert)).incr(this.keys.alertsGeneration).exec();
  }

  /** The counter that changes whenever any alert changes. */
  async generation(): Promise<number> {
    return Number((await this.redis.get(this.keys.alertsGeneration)) ?? 0);
  }

  /** Records hits; per input, true when it was new (and its stream entry and delivery were written). */
  async recordHits(hits: HitInput[]): Promise<boolean[]> {
    if (hits.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const h of hits) {
      pipeline.awRecordHit(
        5 + h.deliveries.length,
        this.keys.alertSeen(h.alertId),
        this.keys.alertHits(h.alertId),
        this.keys.alertStream(h.owner),
        this.keys.alertDeliveries(h.alertId),
        this.keys.deliveriesDue,
        ...h.deliveries.map((d) => this.keys.delivery(d.id)),
        h.storyId,
        h.itemId,
        String(h.matchedAt),
        h.streamData,
        h.alertId,
        String(ALERT_STREAM_MAX_LEN),
        ...h.deliveries.flatMap((d) => [d.id, d.channel, d.body]),
      );
    }
    const results = (await pipeline.exec()) ?? [];
    const created = results.map(([err, code]) => {
      if (err) throw err;
      return code === 1;
    });
    const trim = this.redis.pipeline();
    for (const alertId of new Set(hits.map((h) => h.alertId))) trim.zremrangebyrank(this.keys.alertHits(alertId), 0, -HITS_KEPT - 1);
    await trim.exec();
    return created;
  }

  /** An alert's newest hits. */
  async hits(alertId: string, limit: number): Promise<AlertHit[]> {
    const raw = await this.redis.zrange(this.keys.alertHits(alertId), '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, limit, 'WITHSCORES');
    const out: AlertHit[] = [];
    for (let i = 0; i < raw.length; i += 2) out.push({ itemId: raw[i]!, matchedAt: Number(raw[i + 1]) });
    return out;
  }

  /** Records an item a spike alert's query matched, for its series. */
  async recordSpikeMatches(entries: Array<{ alertId: string; itemId: string; publishedAt: number }>): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const e of entries) pipeline.zadd(this.keys.alertMatches(e.alertId), e.publishedAt, e.itemId);
    await pipeline.exec();
  }

  /** Forgets spike-series matches published before `cutoffMs` (retention). */
  async trimMatchesBefore(alertId: string, cutoffMs: number): Promise<void> {
    await this.redis.zremrangebyscore(this.keys.alertMatches(alertId), '-inf', `(${cutoffMs}`);
  }

  /** Count of a spike alert's matched items published in [from, to). */
  async countMatches(alertId: string, fromMs: number, toMs: number): Promise<number> {
    return this.redis.zcount(this.keys.alertMatches(alertId), fromMs, `(${toMs}`);
  }

  /** Ids of a spike alert's matched items published in [from, to), newest first. */
  async matchedIds(alertId: string, fromMs: number, toMs: number, limit: number): Promise<string[]> {
    return this.redis.zrange(this.keys.alertMatches(alertId), `(${toMs}`, fromMs, 'BYSCORE', 'REV', 'LIMIT', 0, limit);
  }

  /**
   * Fires a spike alert unless it is resting: starts the rest period and records the hits,
   * the stream entry and the delivery in one step. False when it was resting.
   */
  async fireSpike(input: {
    alert: AlertRecord;
    firedAt: number;
    restMs: number;
    itemIds: string[];
    streamData: string;
    deliveries: PendingDelivery[];
  }): Promise<boolean> {
    const { alert } = input;
    const fired = await this.redis.awFireSpike(
      5 + input.deliveries.length,
      this.keys.spikeRest(alert.id),
      this.keys.alertHits(alert.id),
      this.keys.alertStream(alert.owner),
      this.keys.alertDeliveries(alert.id),
      this.keys.deliveriesDue,
      ...input.deliveries.map((d) => this.keys.delivery(d.id)),
      String(input.firedAt),
      String(Math.max(1, input.restMs)),
      input.streamData,
      String(ALERT_STREAM_MAX_LEN),
      alert.id,
      ...input.deliveries.flatMap((d) => [d.id, d.channel, d.body]),
      ...input.itemIds,
    );
    return fired === 1;
  }

  /** One delivery, or null. */
  async getDelivery(deliveryId: string): Promise<DeliveryRecord | null> {
    const raw = await this.redis.hgetall(this.keys.delivery(deliveryId));
    return raw.webhookId ? toDelivery(raw) : null;
  }

  /** An alert's deliveries, newest first. */
  async deliveries(alertId: string, limit: number): Promise<DeliveryRecord[]> {
    const ids = await this.redis.zrange(this.keys.alertDeliveries(alertId), 0, limit - 1, 'REV');
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.delivery(id));
    const results = (await pipeline.exec()) ?? [];
    return results.flatMap(([, raw]) => {
      const r = raw as Record<string, string>;
      return r && r.webhookId ? [toDelivery(r)] : [];
    });
  }

  /** Writes an attempt's outcome; `nextAttemptAt` null takes it off the due list. */
  async updateDelivery(deliveryId: string, update: Pick<DeliveryRecord, 'status' | 'attempts' | 'lastStatus' | 'lastError' | 'nextAttemptAt'>): Promise<void> {
    const tx = this.redis.multi().hset(this.keys.delivery(deliveryId), {
      status: update.status,
      attempts: String(update.attempts),
      lastStatus: update.lastStatus === null ? '' : String(update.lastStatus),
      lastError: update.lastError ?? '',
      nextAttemptAt: update.nextAttemptAt === null ? '' : String(update.nextAttemptAt),
    });
    if (update.nextAttemptAt === null) tx.zrem(this.keys.deliveriesDue, deliveryId);
    else tx.zadd(this.keys.deliveriesDue, update.nextAttemptAt, deliveryId);
    await tx.exec();
  }

  /** Pending deliveries due before `beforeMs` (a lost job is found here), oldest first. */
  async dueDeliveries(beforeMs: number, limit: number): Promise<Array<{ id: string; dueAt: number }>> {
    const raw = await this.redis.zrange(this.keys.deliveriesDue, '-inf', beforeMs, 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES');
    const out: Array<{ id: string; dueAt: number }> = [];
    for (let i = 0; i < raw.length; i += 2) out.push({ id: raw[i]!, dueAt: Number(raw[i + 1]) });
    return out;
  }
}

function toDelivery(raw: Record<string, string>): DeliveryRecord {
  return {
    webhookId: raw.webhookId!,
    channel: raw.channel || 'webhook',
    alertId: raw.alertId ?? '',
    itemId: raw.itemId ?? '',
    status: (raw.status as DeliveryRecord['status']) ?? 'pending',
    attempts: Number(raw.attempts ?? 0),
    lastStatus: raw.lastStatus ? Number(raw.lastStatus) : null,
    lastError: raw.lastError ? raw.lastError : null,
    nextAttemptAt: raw.nextAttemptAt ? Number(raw.nextAttemptAt) : null,
    createdAt: Number(raw.createdAt ?? 0),
    body: raw.body ?? '',
  };
}
