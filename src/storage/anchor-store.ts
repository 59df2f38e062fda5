import type { Redis } from 'ioredis';
import type { AnchorRecord } from '../model/anchor.ts';
import type { Keys } from './keys.ts';

/** Redis storage of the anchors (source pieces). */
export class AnchorStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Every anchor, in registration order (the first one is the default). */
  async list(): Promise<AnchorRecord[]> {
    const ids = await this.redis.zrange(this.keys.anchors, 0, -1);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(...ids.map((id) => this.keys.anchor(id)));
    return raws.flatMap((raw) => (raw ? [JSON.parse(raw) as AnchorRecord] : []));
  }

  /** One anchor, or null. */
  async get(id: string): Promise<AnchorRecord | null> {
    const raw = await this.redis.get(this.keys.anchor(id));
    return raw ? (JSON.parse(raw) as AnchorRecord) : null;
  }

  /** The id of the default (first) anchor, or null when there is none. */
  async defaultId(): Promise<string | null> {
    const [first] = await this.redis.zrange(this.keys.anchors, 0, 0);
    return first ?? null;
  }

  /** Writes an anchor and bumps the generation counter taggers watch. */
  async save(record: AnchorRecord): Promise<void> {
    // Registration order: an existing anchor keeps its position (NX).
    const position = await this.redis.zcard(this.keys.anchors);
    await this.redis
      .multi()
      .set(this.keys.anchor(record.id), JSON.stringify(record))
      .zadd(this.keys.anchors, 'NX', position, record.id)
      .incr(this.keys.anchorsGeneration)
      .exec();
  }

  /** The counter that changes whenever any anchor changes. */
  async generation(): Promise<number> {
    return Number((await this.redis.get(this.keys.anchorsGeneration)) ?? 0);
  }
}
