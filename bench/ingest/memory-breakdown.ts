/** Where the ingest benchmark's Redis memory went: MEMORY USAGE of the run's keys by kind, and of sampled items. */
import type { Redis } from 'ioredis';
import { QueueNames } from '../../src/queue/queue-names.ts';
import type { Keys } from '../../src/storage/keys.ts';

/** Queues whose keys count as BullMQ's (`bullmq:<queue>`) rather than the app's own data. */
const BULLMQ_QUEUES: string[] = Object.values(QueueNames);

/** MEMORY USAGE of every key of the prefix, summed by kind (the first segment after the prefix), largest first. */
export async function memoryBreakdown(redis: Redis, keys: Keys): Promise<Record<string, { keys: number; bytes: number }>> {
  // Every key name starts with the prefix's hash tag and a colon: what `keys.all` matches.
  const head = keys.all.slice(0, -1);
  const out: Record<string, { keys: number; bytes: number }> = {};
  let cursor = '0';
  do {
    // Batch by batch, so the driver never holds every key name at once.
    const [next, batch] = await redis.scan(cursor, 'MATCH', keys.all, 'COUNT', 2000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const k of batch) pipeline.memory('USAGE', k, 'SAMPLES', '0');
    const results = (await pipeline.exec()) ?? [];
    batch.forEach((k, j) => {
      const segments = k.slice(head.length).split(':');
      // BullMQ keys are {prefix}:<queue>:<job id or structure>.
      const queue = BULLMQ_QUEUES.includes(segments[0]!);
      const kind = queue ? `bullmq:${segments[0]}` : segments[0]!;
      const slot = (out[kind] ??= { keys: 0, bytes: 0 });
      slot.keys++;
      slot.bytes += Number(results[j]?.[1] ?? 0);
    });
  } while (cursor !== '0');
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1].bytes - a[1].bytes));
}

/** Mean MEMORY USAGE of the item hash and of the item-sources hash over the first 200 stored items. */
export async function sampledItemBytes(redis: Redis, keys: Keys): Promise<{ itemHash: number; itemSources: number }> {
  const sampleIds = await redis.zrange(keys.items, 0, 199);
  const samplePipe = redis.pipeline();
  // The sources live in the item hash now (`s:<feedId>` fields): itemSources stays 0 for older readers of the result.
  for (const id of sampleIds) samplePipe.memory('USAGE', keys.item(id), 'SAMPLES', '0');
  const sampleRes = (await samplePipe.exec()) ?? [];
  const mean = sampleRes.reduce((n, r) => n + Number(r[1] ?? 0), 0) / Math.max(1, sampleIds.length);
  return { itemHash: mean, itemSources: 0 };
}
