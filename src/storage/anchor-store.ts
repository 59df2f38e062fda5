import type { Redis } from 'ioredis';
import type { AnchorRecord } from '../model/anchor.ts';
import type { AnchorModelSummary } from '../model/anchor-model.ts';
import type { Keys } from './keys.ts';
import { runBatchOrThrow, type BatchCommand } from './slot-batch.ts';

/** Redis storage of the anchors (source pieces). */
export class AnchorStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Every anchor, in registration order (the first one is the default), each with what its last compile found. */
  async list(): Promise<AnchorRecord[]> {
    const ids = await this.redis.zrange(this.keys.anchors, 0, -1);
    if (ids.length === 0) return [];
    // One MGET per anchor: each anchor's keys share its hash tag, different anchors do not.
    const replies = await runBatchOrThrow(this.redis, ids.map((id): BatchCommand => ['mget', this.keys.anchor(id), this.keys.anchorModel(id)]));
    const out: AnchorRecord[] = [];
    for (const reply of replies as Array<[string | null, string | null]>) if (reply[0]) out.push(withModel(reply[0], reply[1] ?? null));
    return out;
  }

  /** One anchor, with what its last compile found, or null. */
  async get(id: string): Promise<AnchorRecord | null> {
    const [raw, model] = await this.redis.mget(this.keys.anchor(id), this.keys.anchorModel(id));
    return raw ? withModel(raw, model ?? null) : null;
  }

  /**
   * Keeps what a compile of the anchor found (language, warnings, story terms) for the API to
   * show. Not an anchor change: the generation stays, so taggers do not reload for it.
   */
  async saveModel(id: string, model: AnchorModelSummary): Promise<void> {
    await this.redis.set(this.keys.anchorModel(id), JSON.stringify(model));
    // A compile that finished after the anchor was deleted leaves nothing behind.
    if ((await this.redis.exists(this.keys.anchor(id))) === 0) await this.redis.del(this.keys.anchorModel(id));
  }

  /**
   * Removes an anchor and its compile summary, and bumps the generation; true when it existed.
   * The list (under {anchors}) lets go first, then the record (under the anchor's tag): a crash
   * in between leaves an unlisted record, which the next delete or save of that id settles.
   */
  async delete(id: string): Promise<boolean> {
    const results = await this.redis.multi().zrem(this.keys.anchors, id).incr(this.keys.anchorsGeneration).exec();
    const removed = await this.redis.del(this.keys.anchor(id), this.keys.anchorModel(id));
    return removed > 0 || Number(results?.[0]?.[1] ?? 0) === 1;
  }

  /** The id of the default (first) anchor, or null when there is none. */
  async defaultId(): Promise<string | null> {
    const [first] = await this.redis.zrange(this.keys.anchors, 0, 0);
    return first ?? null;
  }

  /**
   * Writes an anchor and bumps the generation counter taggers watch. The record (under the
   * anchor's tag) is written before it is listed (under {anchors}), so a listed anchor always
   * has a record; both writes are idempotent, and a save cut short is completed by the next.
   */
  async save(record: AnchorRecord): Promise<void> {
    const position = await this.redis.zcard(this.keys.anchors);
    await this.redis.set(this.keys.anchor(record.id), JSON.stringify({ ...record, model: undefined }));
    await this.redis.multi().zadd(this.keys.anchors, 'NX', position, record.id).incr(this.keys.anchorsGeneration).exec();
  }

  /** The counter that changes whenever any anchor changes. */
  async generation(): Promise<number> {
    return Number((await this.redis.get(this.keys.anchorsGeneration)) ?? 0);
  }
}

/** A stored record with the summary of its last compile attached (kept under a key of its own). */
function withModel(raw: string, model: string | null): AnchorRecord {
  const record = JSON.parse(raw) as AnchorRecord;
  if (model) record.model = JSON.parse(model) as AnchorModelSummary;
  return record;
}
