import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../src/errors.ts';
import { analyseItem } from '../src/pipeline/analyse-items.ts';
import { compileSpec, type AnchorSpec } from '../src/pipeline/anchor-catalog.ts';
import { OffLoopPipeline } from '../src/pipeline/off-loop-pipeline.ts';
import { ThreadPool } from '../src/pipeline/thread-pool.ts';
import { readFeed } from '../src/reader/read-feed.ts';
import { encodeNewItem, encodeTags, unpackRecords } from '../src/storage/item-codec.ts';
import { TermTally } from '../src/pipeline/term-tally.ts';
import { loadAnchorSources } from '../src/tagging/anchor-file.ts';
import { collectionTermsOf } from '../src/tagging/collection-terms.ts';
import { extractEntities } from '../src/tagging/extract-entities.ts';
import { pipelineThreadScript } from '../workers/pipeline-thread-script.ts';
import { labelledItems } from './helpers/labelled-items.ts';
import { rssOf } from './helpers/feed-server.ts';

// The pipeline's CPU steps on real worker threads (the thread entry the workers start, under
// tsx's loader as in every process test): the same answers as on the event loop.
// The steps that may run on either side always go to the threads here, so their answers are compared.
const pipeline = new OffLoopPipeline(pipelineThreadScript(), 2, 'threads');
afterAll(() => pipeline.close());

const [source] = await loadAnchorSources('config/anchors');
function specOf(version: number, verdicts: Map<string, boolean> = new Map()): AnchorSpec {
  const record = { id: 'a1', source: source!, entities: extractEntities(source!), version, sourceHash: 'h', updatedAt: 0, language: 'en', warnings: [] };
  return { key: `a1@${version}@0`, record, stats: { documents: 50, frequencies: new Map([['talk', 20]]) }, judgments: [], coverage: [], verdicts };
}
const items = labelledItems().slice(0, 30).map((i, n) => ({ id: `i${n}`, title: i.title, summary: i.summary }));

describe('pipeline threads', () => {
  it('read a feed document into the same items as readFeed, and keep the error code of a bad one', async () => {
    // Until the threads have loaded, the steps run on the event loop: compare the threads' own answers.
    await pipeline.ready();
    const body = Buffer.from(rssOf('Wire', items.slice(0, 5).map((i, n) => ({ title: i.title, link: `http://news.example/${n}`, guid: `g${n}`, description: i.summary, pubDate: new Date(Date.UTC(2026, 10, 1 + n)).toUTCString() }))));
    const ctx = { feedId: 'f1', baseUrl: 'http://news.example/feed.xml', now: Date.UTC(2026, 11, 1) };
    const limits = { maxItems: 3, notBefore: Date.UTC(2026, 10, 2) };
    const { records, ...threaded } = await pipeline.read(body, 'application/rss+xml', ctx, limits);
    expect(threaded).toEqual(await readFeed(body, 'application/rss+xml', ctx, limits));
    expect(threaded.items).toHaveLength(3);
    // With each item's stored record, as the event loop would encode it for this feed and time.
    expect(unpackRecords(records!).map((r) => r.toString('hex'))).toEqual(threaded.items.map((i) => encodeNewItem(i, ctx.feedId, ctx.now).toString('hex')));

    const html = Buffer.from('<!doctype html><html><body>not a feed</body></html>');
    const inLoop = await readFeed(html, 'text/html', ctx).catch((e: unknown) => e);
    const inThread = await pipeline.read(html, 'text/html', ctx).catch((e: unknown) => e);
    expect(isAppError(inLoop)).toBe(true);
    expect(isAppError(inThread)).toBe(true);
    expect(inThread).toMatchObject({ code: (inLoop as { code: string }).code, message: (inLoop as Error).message });
  }, 120_000);

  it('tag items as the event loop does, and follow a new anchor version with its verdicts', async () => {
    const v1 = compileSpec(specOf(1));
    const threaded = await pipeline.analyse([v1], items);
    const inLoop = items.map((item) => analyseItem([v1], item));
    expect(threaded.map((a) => a.tags)).toEqual(inLoop.map((a) => a.tags));
    // The tags come encoded (with the anchor's version), and the bands as packed in the loop.
    expect(threaded.map((a) => a.encodedTags!.map((t) => t.toString('hex')))).toEqual(inLoop.map((a) => a.tags.map((t) => encodeTags({ ...t, version: 1 }).toString('hex'))));
    expect(threaded.map((a) => (a.bands ? Buffer.from(a.bands).toString('hex') : null))).toEqual(inLoop.map((a) => (a.bands ? Buffer.from(a.bands).toString('hex') : null)));
    expect(threaded.map((a) => (a.signature ? Buffer.from(a.signature).toString('hex') : null))).toEqual(inLoop.map((a) => (a.signature ? Buffer.from(a.signature).toString('hex') : null)));
    expect(inLoop.some((a) => a.tags[0]!.relevant)).toBe(true);
    expect(inLoop.some((a) => !a.tags[0]!.relevant)).toBe(true);

    // An analyst's verdict arrives with a new key: every thread compiles it before the next task.
    const target = inLoop.findIndex((a) => a.tags[0]!.relevant);
    const v2 = compileSpec(specOf(2, new Map([[items[target]!.id, false]])));
    for (let round = 0; round < 3; round++) {
      const again = await pipeline.analyse([v2], items);
      expect(again[target]!.tags[0]).toMatchObject({ relevant: false, judged: false });
    }
  }, 180_000);

  it('count collection terms as the event loop does', async () => {
    expect(await pipeline.terms(items)).toEqual(items.map((i) => collectionTermsOf(i)));
  });

  it('tally collection terms in the threads and hand every tally over once', async () => {
    await pipeline.drainTerms();
    for (let i = 0; i < items.length; i += 7) expect(await pipeline.countTerms(items.slice(i, i + 7))).toBeNull();
    const expected = new TermTally();
    for (const item of items) expected.add(collectionTermsOf(item));
    const merged = new TermTally();
    for (const tally of await pipeline.drainTerms()) merged.merge(tally);
    expect(merged.documents).toBe(items.length);
    expect(merged.frequencies).toEqual(expected.frequencies);
    // Drained: the next flush starts from nothing.
    const again = await pipeline.drainTerms();
    expect(again.reduce((n, t) => n + t.documents, 0)).toBe(0);
  });

  it('count new items in the analyse task that tags them, once each, with the same tags', async () => {
    await pipeline.drainTerms();
    const v1 = compileSpec(specOf(1));
    // Two items with one text: each is counted, once.
    const batch = [...items, { ...items[0]!, id: 'twin' }];
    expect(await pipeline.countTerms(batch)).toBeNull();
    const tagged = await pipeline.analyse([v1], batch.slice(0, 20));
    const rest = await pipeline.analyse([v1], batch.slice(20));
    expect([...tagged, ...rest].map((a) => a.tags)).toEqual(batch.map((item) => analyseItem([v1], item).tags));
    // Tagged again (a re-tag): not counted again.
    await pipeline.analyse([v1], batch.slice(0, 5));
    const expected = new TermTally();
    for (const item of batch) expected.add(collectionTermsOf(item));
    const merged = new TermTally();
    for (const tally of await pipeline.drainTerms()) merged.merge(tally);
    expect(merged.documents).toBe(batch.length);
    expect(merged.frequencies).toEqual(expected.frequencies);
  });

  it('count a held item on its own when no analyse task claims it', async () => {
    await pipeline.drainTerms();
    expect(await pipeline.countTerms(items.slice(0, 3))).toBeNull();
    // Past the hold (two ticks at most): posted as a count-terms task of its own.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const v1 = compileSpec(specOf(1));
    await pipeline.analyse([v1], items.slice(0, 3));
    const merged = new TermTally();
    for (const tally of await pipeline.drainTerms()) merged.merge(tally);
    expect(merged.documents).toBe(3);
  });
});

describe('the thread pool', () => {
  it('fails the tasks of a thread that dies and replaces it', async () => {
    const pool = new ThreadPool({ file: new URL('./fixtures/threads/flaky-thread.mjs', import.meta.url).pathname }, 1);
    try {
      expect(await pool.run({ kind: 'echo', value: 1 } as { kind: string })).toMatchObject({ echo: 1 });
      await expect(pool.run({ kind: 'die' })).rejects.toThrow(/exited with code 3/);
      expect(await pool.run({ kind: 'echo', value: 2 } as { kind: string })).toMatchObject({ echo: 2 });
    } finally {
      await pool.close();
    }
  });

  it('hands bulk answers that arrive together to their callers one per event-loop turn, so I/O runs in between', async () => {
    const pool = new ThreadPool({ file: new URL('./fixtures/threads/burst-thread.mjs', import.meta.url).pathname }, 1);
    try {
      const log: string[] = [];
      const answers = Array.from({ length: 5 }, (_, n) =>
        pool.run<{ n: number }>({ kind: 'hold', n } as { kind: string }).then((a) => {
          log.push(`answer ${a.n}`);
          // What the loop would do next turn (a socket read, the stream hub's reply).
          if (a.n === 0) setImmediate(() => log.push('next turn'));
        }),
      );
      await Promise.all([...answers, pool.run({ kind: 'release' })]);
      expect(log.filter((l) => l.startsWith('answer'))).toEqual(['answer 0', 'answer 1', 'answer 2', 'answer 3', 'answer 4']);
      // Without pacing, all five continuations ran in the one callback that delivered the messages.
      expect(log.indexOf('next turn')).toBeGreaterThan(-1);
      expect(log.indexOf('next turn')).toBeLessThan(log.indexOf('answer 4'));
    } finally {
      await pool.close();
    }
  });

  it('does not restart a thread that never started, and fails its tasks with the reason', async () => {
    const pool = new ThreadPool({ file: new URL('./fixtures/threads/broken-thread.mjs', import.meta.url).pathname }, 1);
    try {
      await expect(pool.each({ kind: 'ping' })).rejects.toThrow(/cannot load/);
      await expect(pool.run({ kind: 'ping' })).rejects.toThrow(/cannot load/);
    } finally {
      await pool.close();
    }
  });
});
