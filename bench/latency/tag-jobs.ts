/**
 * What the app's queues say about the latency samples: the BullMQ tag job that carried each
 * sample's item (its created / processedOn / finishedOn), and failed or retrying jobs when
 * items stop arriving. Key names: the app's queue prefix (createKeys) and BullMQ's own QueueKeys.
 */
import { QueueKeys } from 'bullmq';
import type { Redis } from 'ioredis';
import { QueueNames } from '../../src/queue/queue-names.ts';
import type { Keys } from '../../src/storage/keys.ts';
import type { Sample } from './samples.ts';
import { dist, type Dist } from './summary.ts';

/** Attaches the tag job (BullMQ hash: created, processedOn, finishedOn) that carried each sample's item. */
export async function attachTagJobs(redis: Redis, keys: Keys, samples: Sample[]): Promise<{ bulkJobMs: Dist; bulkItemsPerSecond: number | null }> {
  // Each queue has a prefix (a hash tag) of its own.
  const queue = { toKey: (name: string, type: string) => new QueueKeys(keys.queuePrefix(name)).toKey(name, type) };
  // A routine poll's few new items (every sample's) go to the live queue, a bulk backlog to `tag`.
  const pipe = redis.pipeline();
  for (const name of [QueueNames.tagLive, QueueNames.tag]) {
    for (const id of await redis.zrange(queue.toKey(name, 'completed'), 0, -1)) {
      pipe.hmget(queue.toKey(name, id), 'data', 'timestamp', 'processedOn', 'finishedOn');
    }
  }
  const rows = ((await pipe.exec()) ?? []).map(([, v]) => v as Array<string | null>);
  const byItem = new Map<string, Sample['tag']>();
  for (const [data, ts, proc, fin] of rows) {
    if (!data) continue;
    let itemIds: string[] = [];
    try {
      itemIds = (JSON.parse(data) as { itemIds: string[] }).itemIds;
    } catch {
      continue;
    }
    const job = { created: Number(ts), processedOn: Number(proc), finishedOn: Number(fin), batch: itemIds.length };
    for (const id of itemIds) if (!byItem.has(id)) byItem.set(id, job);
  }
  for (const s of samples) {
    const job = s.itemId ? byItem.get(s.itemId) : undefined;
    if (job) s.tag = job;
  }
  // How long the tag worker spends on one bulk batch (the ingest's 100-item jobs).
  const bulk = [...new Set(byItem.values())].filter((j) => j && j.batch >= 50) as Array<NonNullable<Sample['tag']>>;
  const busy = bulk.reduce((a, j) => a + (j.finishedOn - j.processedOn), 0);
  return {
    bulkJobMs: dist(bulk.map((j) => j.finishedOn - j.processedOn)),
    bulkItemsPerSecond: busy > 0 ? Math.round(bulk.reduce((a, j) => a + j.batch, 0) / (busy / 1000)) : null,
  };
}

/** Why items may not be reaching the stream: failed or retrying jobs of the app, with their reasons. */
export async function pipelineTrouble(redis: Redis, keys: Keys): Promise<string> {
  // Each queue has a prefix (a hash tag) of its own.
  const queue = { toKey: (name: string, type: string) => new QueueKeys(keys.queuePrefix(name)).toKey(name, type) };
  const out: string[] = [];
  for (const name of [QueueNames.poll, QueueNames.pollLive, QueueNames.tagLive, QueueNames.tag]) {
    const ids = [...(await redis.zrange(queue.toKey(name, 'failed'), -3, -1)), ...(await redis.zrange(queue.toKey(name, 'delayed'), -3, -1))];
    for (const id of ids) {
      const [reason, attempts] = await redis.hmget(queue.toKey(name, id), 'failedReason', 'atm');
      if (reason) out.push(`${name} job ${id} (attempts ${attempts}): ${reason}`);
    }
  }
  return out.length ? `app job failures: ${out.join(' | ')}` : 'no failed jobs in the poll or tag queues';
}
