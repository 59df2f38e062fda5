import type { Redis } from 'ioredis';
import type { StreamEntry } from '../streams/stream-hub.ts';

/** What trimming left of a stream. */
export interface StreamTrimState {
  /** The oldest entry still there, or null for an empty or missing stream. */
  firstId: string | null;
  /** The newest entry ever trimmed or deleted ("0-0" when none). */
  maxDeletedId: string;
}

/** Reads of Redis Streams for resuming clients (the writes happen inside the tagging script). */
export class StreamStore {
  constructor(private readonly redis: Redis) {}

  /** Entries strictly after `afterId` up to and including `untilId`, oldest first, at most `count`. */
  async range(key: string, afterId: string, untilId: string, count: number): Promise<StreamEntry[]> {
    const raw = await this.redis.xrange(key, `(${afterId}`, untilId, 'COUNT', count);
    return raw.map(([id, flat]) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
      return { id, fields };
    });
  }

  /** The trim state of a stream (Redis 7 reports the newest deleted id). */
  async trimState(key: string): Promise<StreamTrimState> {
    let info: unknown[];
    try {
      info = (await this.redis.xinfo('STREAM', key)) as unknown[];
    } catch {
      // No such key: nothing was ever trimmed.
      return { firstId: null, maxDeletedId: '0-0' };
    }
    const get = (name: string) => {
      const i = info.indexOf(name);
      return i >= 0 ? info[i + 1] : undefined;
    };
    const first = get('first-entry') as [string, string[]] | null | undefined;
    const maxDeleted = get('max-deleted-entry-id');
    return { firstId: first ? first[0] : null, maxDeletedId: typeof maxDeleted === 'string' ? maxDeleted : '0-0' };
  }

  /** Trims entries older than `minId` (age cap), approximately, as XADD trims by length. */
  async trimOlderThan(key: string, minId: string): Promise<void> {
    await this.redis.xtrim(key, 'MINID', '~', minId);
  }
}
