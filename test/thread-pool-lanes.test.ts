import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSpec, type AnchorSpec } from '../src/pipeline/anchor-catalog.ts';
import { OffLoopPipeline } from '../src/pipeline/off-loop-pipeline.ts';
import { loadAnchorSources } from '../src/tagging/anchor-file.ts';
import { extractEntities } from '../src/tagging/extract-entities.ts';
import { pipelineThreadScript } from '../workers/pipeline-thread-script.ts';
import { rssOf } from './helpers/feed-server.ts';
import { labelledItems } from './helpers/labelled-items.ts';

// The pipeline threads' lanes on a real worker thread: one thread, so every task shares its queue.
const pipeline = new OffLoopPipeline(pipelineThreadScript(), 1, 'threads');
afterAll(() => pipeline.close());
// Until the thread has loaded, the steps run on the event loop: every test waits for it.
beforeAll(() => pipeline.ready(), 120_000);

const [source] = await loadAnchorSources('config/anchors');
function specOf(version: number): AnchorSpec {
  const record = { id: 'a1', source: source!, entities: extractEntities(source!), version, sourceHash: 'h', updatedAt: 0, language: 'en', warnings: [] };
  return { key: `a1@${version}@0`, record, stats: { documents: 50, frequencies: new Map([['talk', 20]]) }, judgments: [], coverage: [], verdicts: new Map() };
}
const labelled = labelledItems();
// Any number of distinct items: the labelled ones over again, each copy with an id and title of its own.
const items = (from: number, n: number) =>
  Array.from({ length: n }, (_, k) => {
    const i = labelled[(from + k) % labelled.length]!;
    return { id: `i${from + k}`, title: `${i.title} (${from + k})`, summary: i.summary };
  });
const BACKLOG = 24;

describe('pipeline thread lanes', () => {
  it('tag a live item before a queued backlog of bulk batches, which still runs in the order it came', async () => {
    const anchor = compileSpec(specOf(1));
    const done: string[] = [];
    const backlog = Array.from({ length: BACKLOG }, (_, b) => pipeline.analyse([anchor], items(b * 20, 20)).then(() => done.push(`bulk${b}`)));
    // Pushed while the whole backlog waits: it waits only for what the thread already holds.
    const live = pipeline.analyse([anchor], items(BACKLOG * 20, 1), 'live').then((a) => {
      done.push('live');
      return a;
    });
    await Promise.all([...backlog, live]);
    expect(done.indexOf('live')).toBeLessThanOrEqual(2);
    expect(done.filter((d) => d !== 'live')).toEqual(Array.from({ length: BACKLOG }, (_, b) => `bulk${b}`));
    expect((await live)[0]!.tags).toHaveLength(1);
  }, 180_000);

  it('answer a bulk batch sent in slices exactly as the same batch in one task', async () => {
    const anchor = compileSpec(specOf(1));
    const batch = items(1000, 110);
    const sliced = await pipeline.analyse([anchor], batch);
    const whole = await pipeline.analyse([anchor], batch, 'live');
    expect(sliced).toHaveLength(110);
    expect(sliced.map((a) => a.tags)).toEqual(whole.map((a) => a.tags));
    expect(sliced.map((a) => a.encodedTags!.map((t) => t.toString('hex')))).toEqual(whole.map((a) => a.encodedTags!.map((t) => t.toString('hex'))));
  }, 180_000);

  it('read a known feed’s document before the archives of new feeds queued ahead of it', async () => {
    const doc = (n: number, from: number) =>
      Buffer.from(rssOf('Wire', items(from, n).map((i, k) => ({ title: i.title, link: `http://news.example/${from + k}`, guid: `g${from + k}`, description: i.summary, pubDate: new Date(Date.UTC(2026, 10, 1)).toUTCString() }))));
    const ctx = { feedId: 'f1', baseUrl: 'http://news.example/feed.xml', now: Date.UTC(2026, 11, 1) };
    const done: string[] = [];
    const archives = Array.from({ length: BACKLOG }, (_, b) => pipeline.read(doc(100, b), 'application/rss+xml', ctx).then(() => done.push(`bulk${b}`)));
    // As large as each archive: in first-in-first-out order it would come last.
    const live = pipeline.read(doc(100, 500), 'application/rss+xml', ctx, null, 'live').then((r) => {
      done.push('live');
      return r;
    });
    await Promise.all([...archives, live]);
    expect(done.indexOf('live')).toBeLessThanOrEqual(2);
    expect((await live).items).toHaveLength(100);
  }, 180_000);

  it('keep a replaced anchor version for the bulk batches that still wait with it', async () => {
    const v1 = compileSpec(specOf(11));
    const v2 = compileSpec(specOf(12));
    const waiting = Array.from({ length: 8 }, (_, b) => pipeline.analyse([v1], items(b * 20, 20)));
    // The new version is broadcast while batches naming the old one are still queued in the pool.
    const newer = pipeline.analyse([v2], items(400, 3), 'live');
    const results = await Promise.all([...waiting, newer]);
    expect(results.every((r) => r.length > 0)).toBe(true);
    // Once nothing names v1, the next new version lets it go; tasks on the newest still answer.
    const v3 = compileSpec(specOf(13));
    expect(await pipeline.analyse([v3], items(0, 2))).toHaveLength(2);
  }, 180_000);
});
