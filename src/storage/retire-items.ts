import { decodeIndexEntries } from './item-codec.ts';
import type { Keys } from './keys.ts';
import type { RedisClient } from './redis-connection.ts';
import { runBatchOrThrow, type BatchCommand } from './slot-batch.ts';

/** How long a retiring item's hash outlives a crash of the retirement (it is deleted at the end). */
const RETIRING_TTL_MS = 24 * 3600_000;

/**
 * Removes up to `limit` items published before `cutoffMs`, with every index entry; returns
 * how many. The steps span slots, so their order makes a crash harmless: the item hashes get
 * a day's expiry first (so a retirement cut short can never leave one behind for good), then
 * each anchor's indexes, the stories and the {items} indexes let go of them, and the hashes
 * go last. Until the {items} step the ids are still listed, so the next pass redoes it all;
 * every step is idempotent.
 */
export async function retireItems(redis: RedisClient, keys: Keys, cutoffMs: number, limit: number): Promise<number> {
  const ids = await redis.zrange(keys.items, '-inf', `(${cutoffMs}`, 'BYSCORE', 'LIMIT', 0, limit);
  if (ids.length === 0) return 0;
  const read = await runBatchOrThrow(
    redis,
    ids.flatMap((id): BatchCommand[] => [
      ['pexpire', keys.item(id), RETIRING_TTL_MS],
      ['type', keys.item(id)],
    ]),
  );
  // Items are records (item-codec.ts); one stored in the older hash layout is read as a hash.
  const bodies = await runBatchOrThrow(redis, ids.map((id, i): BatchCommand => (read[i * 2 + 1] === 'hash' ? ['hgetall', keys.item(id)] : ['getBuffer', keys.item(id)])));
  const byAnchor = new Map<string, string[]>();
  const storyCommands: BatchCommand[] = [];
  const unindexArgs: string[] = [keys.feedItems('')];
  ids.forEach((id, i) => {
    const body = bodies[i];
    let entry: { publishedAt: number | string; feeds: string[]; anchors: string[]; story: string } = { publishedAt: '0', feeds: [], anchors: [], story: '' };
    if (Buffer.isBuffer(body)) entry = decodeIndexEntries(body) ?? entry;
    else if (body && typeof body === 'object') {
      const fields = body as Record<string, string>;
      const names = Object.keys(fields);
      entry = {
        publishedAt: fields.p ?? '0',
        feeds: names.filter((f) => f.startsWith('s:')).map((f) => f.slice(2)),
        anchors: names.filter((f) => f.startsWith('tv:')).map((f) => f.slice(3)),
        story: fields.story ?? '',
      };
    }
    const score = String(entry.publishedAt);
    for (const anchorId of entry.anchors) {
      let list = byAnchor.get(anchorId);
      if (!list) byAnchor.set(anchorId, (list = []));
      list.push(id, score);
    }
    unindexArgs.push(id, String(entry.feeds.length), ...entry.feeds);
    if (entry.story && entry.story !== id) storyCommands.push(['zrem', keys.storyMembers(entry.story), id]);
    storyCommands.push(['del', keys.storyMembers(id)]);
  });
  await runBatchOrThrow(
    redis,
    [...byAnchor.entries()].map(
      ([anchorId, args]): BatchCommand => ['awUntagItems', keys.digest(anchorId), keys.tagState(anchorId), keys.digestFolds(anchorId), keys.entityItems(anchorId, ''), keys.entityHourly(anchorId, ''), ...args],
    ),
  );
  await runBatchOrThrow(redis, storyCommands);
  await redis.awUnindexItems(keys.items, keys.untagged, keys.itemsHourly, ...unindexArgs);
  await runBatchOrThrow(redis, ids.map((id): BatchCommand => ['unlink', keys.item(id)]));
  return ids.length;
}
