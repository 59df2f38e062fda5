import calculateSlot from 'cluster-key-slot';
import type { Redis } from 'ioredis';
import { isCluster, type RedisClient } from './redis-connection.ts';

/**
 * Batches that respect Redis Cluster slots. On one Redis every key is in reach of one script
 * call or one pipeline; on a cluster a script or MULTI may only touch keys of one slot, and a
 * pipeline only keys of one node. These helpers let a store write its batches once: grouped
 * by slot (one group on a plain Redis, so it pays nothing), and sent as one pipeline on a plain
 * Redis or as separate commands, all at once, on a cluster (each goes to its slot's node, and
 * they overlap on each node's connection, so a batch costs about one round trip either way).
 */

/** One command as a name (including the project's script commands) and its arguments. */
export type BatchCommand = [name: string, ...args: Array<string | number | Buffer>];

/** Per command: its error, or null and its reply. */
export type BatchResult = Array<[Error | null, unknown]>;

/** The slot of a key on a cluster; 0 for every key on a plain Redis, where slots do not matter. */
export function slotOf(redis: RedisClient, key: string): number {
  return isCluster(redis) ? calculateSlot(key) : 0;
}

/** Splits entries into groups whose keys share a slot (one group on a plain Redis), keeping their order within each group. */
export function groupBySlot<T>(redis: RedisClient, entries: T[], keyOf: (entry: T) => string): T[][] {
  if (!isCluster(redis)) return entries.length > 0 ? [entries] : [];
  const groups = new Map<number, T[]>();
  for (const entry of entries) {
    const slot = calculateSlot(keyOf(entry));
    let group = groups.get(slot);
    if (!group) groups.set(slot, (group = []));
    group.push(entry);
  }
  return [...groups.values()];
}

/** Runs commands whose keys may lie in different slots: one pipeline on a plain Redis, concurrent commands on a cluster. */
export async function runBatch(redis: RedisClient, commands: BatchCommand[]): Promise<BatchResult> {
  if (commands.length === 0) return [];
  // One command (every slot-grouped batch on a plain Redis) is sent as it is: a pipeline
  // object copies every script the connection knows, which costs more than the command.
  if (!isCluster(redis) && commands.length > 1) return ((await redis.pipeline(commands).exec()) ?? []) as BatchResult;
  const call = redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  return Promise.all(
    commands.map(([name, ...args]) =>
      call[name]!.apply(redis, args).then(
        (reply): [Error | null, unknown] => [null, reply],
        (err: Error): [Error | null, unknown] => [err, null],
      ),
    ),
  );
}

/** Like runBatch, but throws the first command error. */
export async function runBatchOrThrow(redis: RedisClient, commands: BatchCommand[]): Promise<unknown[]> {
  const results = await runBatch(redis, commands);
  return results.map(([err, reply]) => {
    if (err) throw err;
    return reply;
  });
}

/** The servers to SCAN: the one Redis, or every master of a cluster (a SCAN reaches only the node it is sent to). */
function scanTargets(redis: RedisClient): Redis[] {
  return isCluster(redis) ? (redis as unknown as { nodes(role: 'master'): Redis[] }).nodes('master') : [redis];
}

/** Every key matching a pattern, SCANning the one Redis or each master of a cluster in turn. */
export async function scanKeys(redis: RedisClient, pattern: string, count = 1000): Promise<string[]> {
  const found: string[] = [];
  for (const node of scanTargets(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}
