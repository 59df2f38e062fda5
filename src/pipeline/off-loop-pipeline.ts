import { AppError, type ErrorCode } from '../errors.ts';
import type { NormalizeContext } from '../reader/normalize-item.ts';
import { readFeed, type ReadFeedResult, type ReadLimits } from '../reader/read-feed.ts';
import { collectionTermsOf } from '../tagging/collection-terms.ts';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { analyseItems, type ItemAnalysis, type ItemText } from './analyse-items.ts';
import { withEncodedTags, type PackedAnalysis, type StoreReadyAnalyses } from './store-ready-analyses.ts';
import { shareEntry, type CatalogEntry, type SharedAnchor } from './anchor-catalog.ts';
import type { PipelineTask } from './pipeline-thread-tasks.ts';
import type { TermCounts } from './term-tally.ts';
import type { PackedRecords } from '../storage/item-codec.ts';
import { ThreadPool, type Lane, type ThreadError, type ThreadScript } from './thread-pool.ts';

/** Items one bulk analyse task carries at most (a 100-item batch is four tasks). */
const BULK_ANALYSE_SLICE = 25;

/**
 * How long a new item waits for its analyse task to carry its text to a thread for counting
 * (see countTerms): between one and two of these, then it is posted on its own.
 */
const COUNT_HOLD_MS = 500;

/** A new item whose collection terms are still to be counted. */
interface HeldCount {
  title: string;
  summary: string;
  /** Claimed by an analyse task (or posted): it is counted there. */
  done: boolean;
}

/** How often offload() compares the event loop's and the threads' utilisation at most. */
const OFFLOAD_CHECK_MS = 250;

/** A document read in a thread, with its items' stored records (absent when read on the event loop). */
export type ReadWithRecords = ReadFeedResult & { records?: PackedRecords };

/** A thread's error back as the error it was: an AppError keeps its code, so a bad feed is still a feed problem. */
function rebuildError(e: ThreadError): Error {
  if (e.code !== undefined) return new AppError(e.code as ErrorCode, e.message, e.details ? { details: e.details } : {});
  return Object.assign(new Error(e.message), { name: e.name });
}

/**
 * The pipeline's CPU-bound steps (reading a feed document, tagging new items, counting their
 * collection terms) run on a pool of worker threads, with the same results as on the event
 * loop: the loop keeps only I/O (fetches, Redis, BullMQ, the API in a one-process install),
 * and a 2-core machine uses both cores. Until the threads have loaded (or if they cannot),
 * the same steps run on the event loop. The threads' compiled anchors are kept in step with
 * the catalog: a key a thread has not been sent is broadcast before the task that needs it.
 */
export class OffLoopPipeline {
  private readonly pool: ThreadPool;
  /** The compiled anchors every thread holds, by key. */
  private readonly sent = new Map<string, SharedAnchor>();
  /**
   * Analyse tasks not yet answered, per anchor key: a bulk task may wait in the pool while a
   * newer version of its anchor is broadcast, so a replaced key stays with the threads until
   * the tasks that name it are done (it is dropped with the next broadcast after that).
   */
  private readonly keyUses = new Map<string, number>();

  /** True once every thread has loaded; until then (and if they never do) the steps run on the event loop. */
  private live = false;
  private readonly started: Promise<void>;

  /**
   * `movable`: where the steps that can run on either side go ('balanced': to the less busy
   * side; 'threads': always to the threads).
   */
  constructor(
    script: ThreadScript,
    threads: number,
    private readonly movable: 'balanced' | 'threads' = 'balanced',
  ) {
    this.pool = new ThreadPool(script, threads, rebuildError);
    // Loading a thread's modules takes seconds: the first polls are not held up behind it.
    this.started = this.pool.each({ kind: 'ping' }).then(() => {
      this.live = true;
    });
    this.started.catch(() => undefined);
  }

  /** The event loop's utilisation when `offload` last compared it with the threads'. */
  private loop: EventLoopUtilization = performance.eventLoopUtilization();
  private comparedAt = 0;
  private threadsLessBusy = true;

  /**
   * New items whose terms are to be counted in a thread, in two generations (see countTerms):
   * `newer` since the last tick, `older` before it (posted on its own at the next tick).
   */
  private newer: HeldCount[] = [];
  private older: HeldCount[] = [];
  /** The same items by title, for an analyse task to find (and claim) its own. */
  private readonly held = new Map<string, HeldCount[]>();
  private holdTimer: NodeJS.Timeout | null = null;
  /** Analyse tasks under way that count some items: a drain waits for them. */
  private readonly counting = new Set<Promise<unknown>>();

  /** Threads in the pool. */
  get threads(): number {
    return this.pool.size;
  }

  /**
   * readFeed in a thread, which also encodes each item's stored record for `ctx.feedId`
   * first seen at `ctx.now` (the deflate is the costliest step of storing an item) while the
   * threads are the less busy side, so ItemStore.ingest with the same feed and time sends
   * them as they are. `lane`: see ThreadPool ('live' for a known feed's new document or a push).
   */
  read(body: Buffer, contentType: string | null, ctx: NormalizeContext, limits: ReadLimits | null = null, lane: Lane = 'bulk'): Promise<ReadWithRecords> {
    if (!this.onThreads()) return readFeed(body, contentType, ctx, limits);
    // A view into a shared slab would carry the whole slab across: send the body's own bytes.
    const own = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : Uint8Array.prototype.slice.call(body);
    return this.run({ kind: 'read', body: own, contentType, ctx, limits, records: this.offload() }, lane);
  }

  /**
   * analyseItem for each item against the anchors, in a thread; there too, while the threads
   * are the less busy side, an item's bands are packed and its tags encoded as the scripts
   * take them (see PackedAnalysis). `lane`: see ThreadPool ('live' for a few fresh items).
   */
  async analyse(anchors: readonly CatalogEntry[], items: ItemText[], lane: Lane = 'bulk'): Promise<PackedAnalysis[]> {
    if (items.length === 0) return [];
    if (!this.onThreads()) return analyseItems(anchors, items);
    const keys = anchors.map((a) => a.spec.key);
    for (const key of keys) this.keyUses.set(key, (this.keyUses.get(key) ?? 0) + 1);
    try {
      this.share(anchors);
      const forStore = this.offload();
      // A bulk batch goes as several tasks, one after another in the bulk queue: a live task
      // handed over meanwhile waits for one slice in a thread's hands, not for whole batches.
      const size = lane === 'bulk' ? BULK_ANALYSE_SLICE : items.length;
      const slices: Array<Promise<PackedAnalysis[]>> = [];
      for (let start = 0; start < items.length; start += size) {
        const slice = items.slice(start, start + size);
        const count = this.claimCounts(slice);
        const task: PipelineTask = { kind: 'analyse', keys, items: slice, ...(forStore ? { forStore } : {}), ...(count.length > 0 ? { count } : {}) };
        const answer = forStore ? this.run<StoreReadyAnalyses>(task, lane).then((r) => withEncodedTags(r, anchors.length)) : this.run<ItemAnalysis[]>(task, lane);
        if (count.length > 0) {
          const settled = answer.then(
            () => undefined,
            () => undefined,
          );
          this.counting.add(settled);
          void settled.then(() => this.counting.delete(settled));
        }
        slices.push(answer);
      }
      return (await Promise.all(slices)).flat();
    } finally {
      for (const key of keys) {
        const uses = this.keyUses.get(key)! - 1;
        if (uses > 0) this.keyUses.set(key, uses);
        else this.keyUses.delete(key);
      }
    }
  }

  /** collectionTermsOf for each item, in a thread. */
  terms(items: ReadonlyArray<{ title: string; summary: string }>): Promise<string[][]> {
    if (!this.onThreads()) return Promise.resolve(items.map((i) => collectionTermsOf(i)));
    return this.run({ kind: 'terms', items: items.map((i) => ({ title: i.title, summary: i.summary })) });
  }

  /**
   * Counts the collection terms of new items into a thread's tally (see drainTerms); null
   * when so counted, else (threads not loaded) the term lists found on the event loop.
   * A new item is mostly tagged moments later, and its analyse task carries its text to a
   * thread anyway: the item is held until then and counted in that task (one copy of its
   * text across, one tokenisation), or posted on its own after COUNT_HOLD_MS to 2×.
   */
  async countTerms(items: ReadonlyArray<{ title: string; summary: string }>): Promise<string[][] | null> {
    if (!this.onThreads()) return items.map((i) => collectionTermsOf(i));
    for (const i of items) {
      const entry: HeldCount = { title: i.title, summary: i.summary, done: false };
      this.newer.push(entry);
      const same = this.held.get(i.title);
      if (same) same.push(entry);
      else this.held.set(i.title, [entry]);
    }
    if (!this.holdTimer && this.newer.length > 0) {
      this.holdTimer = setInterval(() => this.tick(), COUNT_HOLD_MS);
      this.holdTimer.unref();
    }
    return null;
  }

  /** The items of `slice` (by index) held for counting, claimed: its analyse task counts them. */
  private claimCounts(slice: readonly ItemText[]): number[] {
    const count: number[] = [];
    if (this.held.size === 0) return count;
    for (const [n, item] of slice.entries()) {
      const same = this.held.get(item.title);
      if (!same) continue;
      const at = same.findIndex((e) => e.summary === item.summary);
      if (at < 0) continue;
      same[at]!.done = true;
      same.splice(at, 1);
      if (same.length === 0) this.held.delete(item.title);
      count.push(n);
    }
    return count;
  }

  /** Posts the older generation's unclaimed items on their own; the newer one becomes older. */
  private tick(): void {
    this.postHeld(this.older);
    this.older = this.newer;
    this.newer = [];
    if (this.older.length === 0 && this.holdTimer) {
      clearInterval(this.holdTimer);
      this.holdTimer = null;
    }
  }

  /** Posts the items of `entries` not yet claimed as one count-terms task (no answer). */
  private postHeld(entries: HeldCount[]): void {
    const items: Array<{ title: string; summary: string }> = [];
    for (const e of entries) {
      if (e.done) continue;
      e.done = true;
      items.push({ title: e.title, summary: e.summary });
      const same = this.held.get(e.title)!;
      same.splice(same.indexOf(e), 1);
      if (same.length === 0) this.held.delete(e.title);
    }
    if (items.length === 0) return;
    const task: PipelineTask = { kind: 'count-terms', items };
    this.pool.post(task);
  }

  /**
   * Every thread's tally of counted terms, each restarted: every item countTerms took before
   * this is in it (the analyse tasks that count some are awaited, held items are posted
   * first, and messages to a thread arrive in order). A thread that died took its tally with
   * it (statistics: later items make up for them).
   */
  async drainTerms(): Promise<TermCounts[]> {
    if (!this.live || this.pool.running === 0) return [];
    if (this.counting.size > 0) await Promise.all(this.counting);
    this.postHeld(this.older);
    this.postHeld(this.newer);
    this.older = [];
    this.newer = [];
    return this.pool.onEach<TermCounts>({ kind: 'drain-terms' });
  }

  /** A turn of the event loop for backlog work (see ThreadPool.bulkTurn). */
  bulkTurn(): Promise<void> {
    return this.pool.bulkTurn();
  }

  /** Resolves when every thread has loaded and answered; rejects when they cannot start (the steps stay on the event loop). */
  ready(): Promise<void> {
    return this.started;
  }

  /** Stops the threads. */
  close(): Promise<void> {
    if (this.holdTimer) clearInterval(this.holdTimer);
    this.holdTimer = null;
    return this.pool.close();
  }

  /**
   * Whether the steps that can run on either side (deflating records, encoding tags, packing
   * bands: the same bytes either way) go to the threads: while they are less busy than the
   * event loop. Which side is the bottleneck depends on the machine and the load, and
   * whichever it is gets the other's spare time. Compared every quarter second at most.
   */
  private offload(): boolean {
    if (this.movable === 'threads') return true;
    const now = performance.now();
    if (now - this.comparedAt >= OFFLOAD_CHECK_MS) {
      const loop = performance.eventLoopUtilization();
      const loopShare = performance.eventLoopUtilization(loop, this.loop).utilization;
      this.threadsLessBusy = this.pool.busyShare() <= loopShare;
      this.loop = loop;
      this.comparedAt = now;
    }
    return this.threadsLessBusy;
  }

  /** Whether steps go to the threads: they have loaded, and some still run. */
  private onThreads(): boolean {
    return this.live && this.pool.running > 0;
  }

  private run<T>(task: PipelineTask, lane: Lane = 'bulk'): Promise<T> {
    return this.pool.run<T>(task, lane);
  }

  /**
   * Hands the threads the anchors as compiled here (see SharedAnchor) when one of these is new
   * to them; an older key of the same anchor is dropped unless a task still waiting or running
   * names it. The catalog compiles at start-up, so this is called then too (before any task):
   * the threads' first batch waits for no anchor.
   */
  share(anchors: readonly CatalogEntry[]): void {
    const fresh = anchors.filter((a) => !this.sent.has(a.spec.key));
    if (fresh.length === 0) return;
    for (const entry of fresh) {
      const shared = shareEntry(entry);
      for (const [key, old] of this.sent) if (old.record.id === shared.record.id && !this.keyUses.has(key)) this.sent.delete(key);
      this.sent.set(shared.key, shared);
    }
    this.pool.broadcast('anchors', [...this.sent.values()]);
  }
}
