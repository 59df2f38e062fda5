import type { Redis } from 'ioredis';
import { defineScript } from './define-script.ts';
import type { Keys } from './keys.ts';

// For every ZSET given (scored by publication time, integer ms) and every boundary, the
// number of members published before it: one O(log n) ZCOUNT per boundary and series, all
// in one call; the caller subtracts neighbours to get the half-open buckets [b[i], b[i+1]).
// The series read the very index the digest uses, so they can never drift from it.
// Boundaries come in as one comma-separated string of "b - 1" (scores are whole ms, so that
// is "before b"), and the answer goes back as one string per series: with thousands of
// buckets, one bulk string parses far faster than thousands of integer replies.
const COUNTS_BELOW = `
local call, bounds, series = redis.call, {}, {}
for b in string.gmatch(ARGV[1], '[^,]+') do bounds[#bounds + 1] = b end
for k = 1, #KEYS do
  local key, out = KEYS[k], {}
  for i = 1, #bounds do out[i] = call('ZCOUNT', key, '-inf', bounds[i]) end
  series[k] = table.concat(out, ',')
end
return table.concat(series, ';')
`;

const HOUR_MS = 3_600_000;

// Sums the hourly counts of each hash into buckets whose boundaries are whole hours (given as
// hour numbers, comma-separated), inside Redis: the answer is one short string per series.
const SUM_HOURS = `
local bounds = {}
for b in string.gmatch(ARGV[1], '[^,]+') do bounds[#bounds + 1] = tonumber(b) end
local first, last, nb = bounds[1], bounds[#bounds], #bounds - 1
local fields = {}
for h = first, last - 1 do fields[#fields + 1] = string.format('%d', h) end
local series = {}
for k = 1, #KEYS do
  local values = redis.call('HMGET', KEYS[k], unpack(fields))
  local counts, b, sum = {}, 1, 0
  for i = 1, #values do
    local h = first + i - 1
    while h >= bounds[b + 1] do counts[b] = sum; sum = 0; b = b + 1 end
    if values[i] then sum = sum + tonumber(values[i]) end
  end
  while b <= nb do counts[b] = sum; sum = 0; b = b + 1 end
  series[k] = table.concat(counts, ',')
end
return table.concat(series, ';')
`;

/** Reads of the per-item indexes for coverage volume. */
export class VolumeStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    defineScript(redis, 'awBucketCounts', COUNTS_BELOW);
    defineScript(redis, 'awSumHours', SUM_HOURS);
  }

  /**
   * Items per bucket of each entity of an anchor, and of all items (for shares). Buckets made
   * of whole UTC hours (hour and day series in zones with whole-hour offsets) are summed from
   * the hourly counts kept beside each index; others (minutes, half-hour zones) are counted on
   * the index itself.
   */
  async counts(anchorId: string, entityKeys: string[], bounds: number[], withTotal: boolean): Promise<{ byEntity: number[][]; total: number[] | null }> {
    if (bounds.every((b) => b % HOUR_MS === 0)) {
      const hourly = entityKeys.map((k) => this.keys.entityHourly(anchorId, k));
      if (withTotal) hourly.push(this.keys.itemsHourly);
      const series = await this.sumHours(hourly, bounds);
      return { byEntity: series.slice(0, entityKeys.length), total: withTotal ? series[entityKeys.length]! : null };
    }
    const keys = entityKeys.map((k) => this.keys.entityItems(anchorId, k));
    if (withTotal) keys.push(this.keys.items);
    if (keys.length === 0) return { byEntity: [], total: null };
    const reply = String(await this.redis.awBucketCounts(keys.length, ...keys, bounds.map((b) => b - 1).join(',')));
    const series = reply.split(';').map((csv) => {
      const below = csv.split(',').map(Number);
      const counts = new Array<number>(below.length - 1);
      for (let i = 0; i + 1 < below.length; i++) counts[i] = below[i + 1]! - below[i]!;
      return counts;
    });
    return { byEntity: series.slice(0, entityKeys.length), total: withTotal ? series[entityKeys.length]! : null };
  }

  /** Per bucket, the sum of the hourly counts of each hash, in one call. */
  private async sumHours(hashes: string[], bounds: number[]): Promise<number[][]> {
    if (hashes.length === 0) return [];
    const reply = String(await this.redis.awSumHours(hashes.length, ...hashes, bounds.map((b) => b / HOUR_MS).join(',')));
    return reply.split(';').map((csv) => csv.split(',').map(Number));
  }

  /** Items of an anchor's entity between two times (ms, [from, to)). */
  async entityCount(anchorId: string, entityKey: string, fromMs: number, toMs: number): Promise<number> {
    return this.redis.zcount(this.keys.entityItems(anchorId, entityKey), fromMs, `(${toMs}`);
  }

  /** Stored items published between two times (ms, [from, to)), counted without reading them. */
  async itemCount(fromMs: number, toMs: number): Promise<number> {
    return this.redis.zcount(this.keys.items, fromMs, `(${toMs}`);
  }

  /** Ids with their publication times in a ZSET between two times, [from, to). */
  private async idsBetween(key: string, fromMs: number, toMs: number, limit: number): Promise<Array<{ id: string; at: number }>> {
    const raw = await this.redis.zrange(key, fromMs, `(${toMs}`, 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES');
    const out: Array<{ id: string; at: number }> = [];
    for (let i = 0; i < raw.length; i += 2) out.push({ id: raw[i]!, at: Number(raw[i + 1]) });
    return out;
  }

  /** Every item published between two times, up to `limit`. */
  allItemsBetween(fromMs: number, toMs: number, limit: number) {
    return this.idsBetween(this.keys.items, fromMs, toMs, limit);
  }

  /** The items of an anchor's entity published between two times, up to `limit`. */
  entityItemsBetween(anchorId: string, entityKey: string, fromMs: number, toMs: number, limit: number) {
    return this.idsBetween(this.keys.entityItems(anchorId, entityKey), fromMs, toMs, limit);
  }

  /** The digest items of an anchor published between two times, up to `limit`. */
  digestItemsBetween(anchorId: string, fromMs: number, toMs: number, limit: number) {
    return this.idsBetween(this.keys.digest(anchorId), fromMs, toMs, limit);
  }
}
