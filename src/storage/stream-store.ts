import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';

/** One entry of a Redis Stream. */
export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

/** The fields of an entry as Redis sends them (a flat name, value list). */
export function fieldsOf(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}

/** What trimming left of a stream. */
export interface StreamTrimState {
  /** The oldest entry still there, or null for an empty or missing stream. */
  firstId: string | null;
  /** The id of the newest entry ever added ("0-0" for a missing stream). */
  lastGeneratedId: string;
  /** The newest entry ever deleted with XDEL ("0-0" when none; trimming does not set it on Redis 7.0). */
  maxDeletedId: string;
  /** Entries ever added, and entries there now: equal exactly when none was ever trimmed or deleted. */
  entriesAdded: number;
  length: number;
}

/**
 * True when entries after `lastId` may be gone: the stream no longer reaches back to it.
 * A stream that never lost an entry holds everything, so any id (even `0-0`, "from the
 * start") is whole. Otherwise entries only leave our streams by trimming from the old end,
 * so a client is whole exactly when the oldest retained entry is not newer than its id (or
 * nothing was added since).
 */
export function mayHaveLostEntries(state: StreamTrimState, lastId: string, compare: (a: string, b: string) => number): boolean {
  if (state.entriesAdded === state.length) return false;
  if (compare(state.maxDeletedId, lastId) > 0) return true;
  if (state.firstId !== null) return compare(state.firstId, lastId) > 0;
  return compare(state.lastGeneratedId, lastId) > 0;
}

/**
 * Reads of the event streams for resuming clients: an anchor's digest stream (written by the
 * item aggregate's tagging script) and an owner's alert-hit stream (written by the alert
 * store's hit scripts).
 */
export class StreamStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** The stream of an anchor's digest events. */
  digestStream(anchorId: string): string {
    return this.keys.digestStream(anchorId);
  }

  /** The stream of one owner's alert hits. */
  alertStream(owner: string): string {
    return this.keys.alertStream(owner);
  }

  /** Entries strictly after `afterId` up to and including `untilId`, oldest first, at most `count`. */
  async range(key: string, afterId: string, untilId: string, count: number): Promise<StreamEntry[]> {
    const raw = await this.redis.xrange(key, `(${afterId}`, untilId, 'COUNT', count);
    return raw.map(([id, flat]) => ({ id, fields: fieldsOf(flat) }));
  }

  /** The newest id ever added to a stream ("0-0" when it does not exist): where following starts. */
  async lastGeneratedId(key: string): Promise<string> {
    return (await this.trimState(key)).lastGeneratedId;
  }

  /** The trim state of a stream. */
  async trimState(key: string): Promise<StreamTrimState> {
    let info: unknown[];
    try {
      info = (await this.redis.xinfo('STREAM', key)) as unknown[];
    } catch {
      // No such key: nothing was ever trimmed.
      return { firstId: null, lastGeneratedId: '0-0', maxDeletedId: '0-0', entriesAdded: 0, length: 0 };
    }
    const get = (name: string) => {
      const i = info.indexOf(name);
      return i >= 0 ? info[i + 1] : undefined;
    };
    const first = get('first-entry') as [string, string[]] | null | undefined;
    const maxDeleted = get('max-deleted-entry-id');
    const lastGenerated = get('last-generated-id');
    return {
      firstId: first ? first[0] : null,
      lastGeneratedId: typeof lastGenerated === 'string' ? lastGenerated : '0-0',
      maxDeletedId: typeof maxDeleted === 'string' ? maxDeleted : '0-0',
      // Redis before 7.0 reports no entries-added: then judge by ids alone, as before.
      entriesAdded: typeof get('entries-added') === 'number' ? (get('entries-added') as number) : Number.NaN,
      length: typeof get('length') === 'number' ? (get('length') as number) : 0,
    };
  }
}
