import { describe, expect, it } from 'vitest';
import { createPipelineTasks, THREAD_SLICE } from '../src/pipeline/pipeline-thread-tasks.ts';
import { ThreadJobLoop, type SlicedRunner } from '../src/pipeline/thread-job-loop.ts';
import { ThreadPool, type Envelope, type ThreadReply } from '../src/pipeline/thread-pool.ts';
import { encodeNewItems } from '../src/storage/item-codec.ts';
import { rssOf } from './helpers/feed-server.ts';

/** A job loop over a runner that logs each step: a bulk task of `slices` steps, or a one-step task. */
function loopOf(onStep: (name: string, slice: number) => void = () => {}) {
  const log: string[] = [];
  const replies: ThreadReply[] = [];
  const run: SlicedRunner = async (task, between) => {
    const { name, slices = 1 } = task as { name: string; slices?: number };
    for (let s = 0; s < slices; s++) {
      if (s > 0) await between?.();
      log.push(`${name}.${s}`);
      onStep(name, s);
    }
    return name;
  };
  const loop = new ThreadJobLoop(run, (r) => replies.push(r), (err) => ({ name: 'Error', message: String(err) }));
  const settled = () =>
    new Promise<void>((resolve) => {
      const check = () => (log.length > 0 && replies.length === expected ? resolve() : setImmediate(check));
      setImmediate(check);
    });
  let expected = 0;
  const send = (e: Envelope) => {
    if (e.id !== 0) expected++;
    loop.receive(e);
  };
  return { log, replies, send, settled };
}

describe('pipeline thread job loop', () => {
  it('run a live task that arrives during a bulk task between two of its slices, not after the whole task', async () => {
    let sendLater: (() => void) | null = null;
    const t = loopOf((name, slice) => {
      // The live task arrives while the bulk task runs its first slice.
      if (name === 'bulk1' && slice === 0) sendLater?.();
    });
    sendLater = () => t.send({ id: 9, task: { name: 'live' }, lane: 'live' });
    t.send({ id: 1, task: { name: 'bulk1', slices: 4 }, lane: 'bulk' });
    t.send({ id: 2, task: { name: 'bulk2', slices: 2 }, lane: 'bulk' });
    await t.settled();
    expect(t.log).toEqual(['bulk1.0', 'live.0', 'bulk1.1', 'bulk1.2', 'bulk1.3', 'bulk2.0', 'bulk2.1']);
    // The live answer goes back before the bulk task's, which still answer in the order they came.
    expect(t.replies.map((r) => r.id)).toEqual([9, 1, 2]);
  });

  it('run queued live tasks before queued bulk ones, each lane first in, first out', async () => {
    const t = loopOf();
    t.send({ id: 1, task: { name: 'bulk1', slices: 2 }, lane: 'bulk' });
    t.send({ id: 2, task: { name: 'live1' }, lane: 'live' });
    t.send({ id: 3, task: { name: 'bulk2' }, lane: 'bulk' });
    t.send({ id: 4, task: { name: 'live2' }, lane: 'live' });
    await t.settled();
    expect(t.log).toEqual(['live1.0', 'live2.0', 'bulk1.0', 'bulk1.1', 'bulk2.0']);
    expect(t.replies.map((r) => r.id)).toEqual([2, 4, 1, 3]);
  });

  it('give a live task no pauses of its own (it runs its slices back to back)', async () => {
    const t = loopOf((name, slice) => {
      if (name === 'live1' && slice === 0) t.send({ id: 5, task: { name: 'live2' }, lane: 'live' });
    });
    t.send({ id: 4, task: { name: 'live1', slices: 3 }, lane: 'live' });
    await t.settled();
    expect(t.log).toEqual(['live1.0', 'live1.1', 'live1.2', 'live2.0']);
  });

  it('read an archive in slices into exactly the records of one pass', async () => {
    const n = THREAD_SLICE * 3 + 7;
    const body = Buffer.from(
      rssOf(
        'Archive',
        Array.from({ length: n }, (_, k) => ({ title: `Item ${k}`, link: `http://news.example/${k}`, guid: `g${k}`, description: `Talks in round ${k} went on.`, pubDate: new Date(Date.UTC(2026, 10, 1, 0, k)).toUTCString() })),
      ),
    );
    const ctx = { feedId: 'f1', baseUrl: 'http://news.example/feed.xml', now: Date.UTC(2026, 11, 1) };
    const run = createPipelineTasks();
    let pauses = 0;
    const sliced = (await run({ kind: 'read', body, contentType: 'application/rss+xml', ctx, limits: null, records: true }, async () => {
      pauses++;
    })) as { items: Parameters<typeof encodeNewItems>[0]; records: { bytes: Uint8Array; ends: number[] } };
    expect(sliced.items).toHaveLength(n);
    expect(pauses).toBe(Math.ceil(n / THREAD_SLICE));
    const whole = encodeNewItems(sliced.items, ctx.feedId, ctx.now);
    expect(sliced.records.ends).toEqual(whole.ends);
    expect(Buffer.from(sliced.records.bytes).equals(Buffer.from(whole.bytes))).toBe(true);
  });
});

describe('thread pool bulk turns', () => {
  it('hand out one bulk turn per turn of the event loop, in the order they were asked for', async () => {
    // No threads needed: the turns are the pool's pacing on this event loop.
    const pool = new ThreadPool({ file: 'unused.js' }, 0);
    const order: string[] = [];
    const turns = [pool.bulkTurn().then(() => order.push('a')), pool.bulkTurn().then(() => order.push('b')), pool.bulkTurn().then(() => order.push('c'))];
    // Queued after the first turn: it runs in the same check phase, before the second turn.
    setImmediate(() => order.push('same turn as a'));
    await Promise.all(turns);
    expect(order).toEqual(['a', 'same turn as a', 'b', 'c']);
    await pool.close();
  });
});
