import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionStatsRecorder } from '../src/pipeline/collection-stats-recorder.ts';
import { CollectionStatsStore } from '../src/storage/collection-stats-store.ts';
import { createKeys } from '../src/storage/keys.ts';
import { collectionTermsOf } from '../src/tagging/collection-terms.ts';
import { dropPrefix, testRedisUrl, uniquePrefix } from './helpers/redis-prefix.ts';

// Collection statistics against the real Redis: counted once per item, written in one
// pipeline per flush (one HINCRBY per distinct term of the batch), read back as a snapshot.
const prefix = uniquePrefix('collection');
const keys = createKeys(prefix);
let redis: Redis;
const silent = { warn: () => {} };

beforeAll(async () => {
  redis = new Redis(testRedisUrl);
});

afterAll(async () => {
  redis?.disconnect();
  await dropPrefix(prefix);
});

const item = (n: number) => ({
  title: `Envoys meet in Muscat for round ${n % 7} of nuclear talks`,
  summary: `Mediators from Oman carried proposals on enrichment between the delegations; session ${n % 5}.`,
});

describe('collection statistics', () => {
  it('writes a batch of items as one pipeline with one HINCRBY per distinct term, and reads it back', async () => {
    const store = new CollectionStatsStore(redis, keys);
    const recorder = new CollectionStatsRecorder(store, silent, { flushItems: 1000, flushMs: 60_000 });
    // Every command the store sends goes through a pipeline: note each one as it is queued.
    const seen: string[][] = [];
    const pipelines: number[] = [];
    const realPipeline = redis.pipeline.bind(redis);
    (redis as unknown as { pipeline: () => unknown }).pipeline = () => {
      const p = realPipeline();
      pipelines.push(seen.length);
      for (const name of ['hincrby', 'incrby'] as const) {
        const real = (p[name] as unknown as (...args: Array<string | number>) => unknown).bind(p);
        (p as unknown as Record<string, unknown>)[name] = (...args: Array<string | number>) => {
          seen.push([name, ...args.map(String)]);
          return real(...args);
        };
      }
      return p;
    };
    const items = Array.from({ length: 200 }, (_, n) => item(n));
    recorder.record(items.slice(0, 120));
    recorder.record(items.slice(120));
    await recorder.flush();
    const distinct = new Set(items.flatMap((i) => collectionTermsOf(i)));
    expect(pipelines).toHaveLength(1);
    const hincrbys = seen.filter((a) => a[0]!.toLowerCase() === 'hincrby');
    const occurrences = items.reduce((n, i) => n + collectionTermsOf(i).length, 0);
    expect(hincrbys.length).toBe(distinct.size);
    expect(hincrbys.length).toBeLessThan(occurrences / 5);
    expect(seen.filter((a) => a[0]!.toLowerCase() === 'incrby')).toHaveLength(1);

    const snapshot = await store.snapshot();
    expect(snapshot.documents).toBe(200);
    const muscat = collectionTermsOf({ title: 'Muscat', summary: '' })[0]!;
    expect(snapshot.frequencies.get(muscat)).toBe(200);
    const enrichment = collectionTermsOf({ title: 'enrichment', summary: '' })[0]!;
    expect(Number(await redis.hget(keys.collectionDf, enrichment))).toBe(200);

    // An empty flush writes nothing; a second batch adds to the counts.
    const before = seen.length;
    await recorder.flush();
    expect(seen.length).toBe(before);
    recorder.record([item(1)]);
    await recorder.flush();
    expect((await store.snapshot()).documents).toBe(201);
  });

  it('flushes a partial batch on its own after a while', async () => {
    const store = new CollectionStatsStore(redis, keys);
    const recorder = new CollectionStatsRecorder(store, silent, { flushItems: 1000, flushMs: 100 });
    const start = (await store.snapshot()).documents;
    recorder.record([item(2), item(3)]);
    for (let i = 0; i < 100 && (await store.snapshot()).documents === start; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await store.snapshot()).documents).toBe(start + 2);
  });
});
