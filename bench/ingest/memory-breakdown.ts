/** Where the ingest benchmark's Redis memory went: MEMORY USAGE of the run's keys by kind, and of sampled items. */
import type { Redis } from 'ioredis';
import { QueueNames } from '../../src/queue/queue-names.ts';
import { packValue, unpackValue } from '../../src/storage/item-codec.ts';
import type { Keys } from '../../src/storage/keys.ts';

/** Queues whose keys count as BullMQ's (`bullmq:<queue>`) rather than the app's own data. */
const BULLMQ_QUEUES: string[] = Object.values(QueueNames);

/**
 * The kind of a key, from its name after the prefix: `{tag}:name:...` (keys.ts) is named by
 * the name's first segment (`digest`, `entity`, `bands`...), a key that is its tag alone by the
 * tag's type (`{i:ID}` is an `item`), and a queue's keys (`{q:poll}:poll:...`) as BullMQ's.
 */
function kindOf(rest: string): string {
  const close = rest.indexOf('}');
  if (!rest.startsWith('{') || close < 0) return rest.split(':')[0]!;
  const tag = rest.slice(1, close);
  const name = rest.slice(close + 2).split(':')[0];
  if (tag.startsWith('q:')) return `bullmq:${tag.slice(2)}`;
  if (!name) return tag.startsWith('i:') ? 'item' : tag.split(':')[0]!;
  return BULLMQ_QUEUES.includes(name) ? `bullmq:${name}` : name;
}

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
      const kind = kindOf(k.slice(head.length));
      const slot = (out[kind] ??= { keys: 0, bytes: 0 });
      slot.keys++;
      slot.bytes += Number(results[j]?.[1] ?? 0);
    });
  } while (cursor !== '0');
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1].bytes - a[1].bytes));
}

/** Names of the record's positions, for the report. */
const RECORD_POSITIONS = ['format', 'feedId', 'link', 'bodyEncoding', 'titleBytes', 'body', 'author', 'hasPublishedDate', 'publishedAt', 'firstSeenAt', 'otherSources', 'fullText', 'story', 'tags', 'signature'];

/** Mean MEMORY USAGE of the item key over the first 200 stored items, its encoding, and the mean stored length of each of its fields (hash fields, or the encoded string's). */
export async function sampledItemBytes(redis: Redis, keys: Keys): Promise<{ itemHash: number; itemSources: number; encoding: string | null; fieldBytes: Record<string, number> }> {
  const sampleIds = await redis.zrange(keys.items, 0, 199);
  const samplePipe = redis.pipeline();
  // The sources live in the item itself now: itemSources stays 0 for older readers of the result.
  for (const id of sampleIds) samplePipe.memory('USAGE', keys.item(id), 'SAMPLES', '0');
  const sampleRes = (await samplePipe.exec()) ?? [];
  const mean = sampleRes.reduce((n, r) => n + Number(r[1] ?? 0), 0) / Math.max(1, sampleIds.length);
  const first = sampleIds[0];
  const encoding = first ? ((await redis.object('ENCODING', keys.item(first))) as string | null) : null;
  // Field names are generalised (`t:<anchor>` → `t:*`) so the means add up across anchors and feeds.
  const fieldBytes: Record<string, number> = {};
  const typePipe = redis.pipeline();
  for (const id of sampleIds) typePipe.type(keys.item(id));
  const types = ((await typePipe.exec()) ?? []).map((r) => String(r[1]));
  const readPipe = redis.pipeline();
  sampleIds.forEach((id, i) => (types[i] === 'hash' ? readPipe.hgetallBuffer(keys.item(id)) : readPipe.getBuffer(keys.item(id))));
  const reads = (await readPipe.exec()) ?? [];
  reads.forEach(([, value], i) => {
    if (types[i] !== 'hash') {
      // The one-record layout (src/storage/item-codec.ts): the packed size of each position.
      const fields = unpackValue(value as Buffer, true) as Array<Parameters<typeof packValue>[0]>;
      fields.forEach((f, pos) => {
        const name = RECORD_POSITIONS[pos] ?? `#${pos + 1}`;
        fieldBytes[name] = (fieldBytes[name] ?? 0) + packValue(f).length / sampleIds.length;
      });
      fieldBytes['(record)'] = (fieldBytes['(record)'] ?? 0) + (value as Buffer).length / sampleIds.length;
      return;
    }
    for (const [field, v] of Object.entries(value as Record<string, Buffer>)) {
      const name = field.includes(':') ? `${field.slice(0, field.indexOf(':'))}:*` : field;
      fieldBytes[name] = (fieldBytes[name] ?? 0) + (field.length + v.length) / sampleIds.length;
    }
  });
  for (const k of Object.keys(fieldBytes)) fieldBytes[k] = Math.round(fieldBytes[k]!);
  return { itemHash: mean, itemSources: 0, encoding, fieldBytes };
}
