import { isAppError } from '../errors.ts';
import type { NormalizeContext } from '../reader/normalize-item.ts';
import { readFeed, type ReadFeedResult, type ReadLimits } from '../reader/read-feed.ts';
import { encodeNewItem, packRecords, type PackedRecords } from '../storage/item-codec.ts';
import { collectionTermsOf } from '../tagging/collection-terms.ts';
import { analyseItem, type ItemAnalysis, type ItemText } from './analyse-items.ts';
import { storeReadyAnalyses, type StoreReadyAnalyses } from './store-ready-analyses.ts';
import { TermTally, type TermCounts } from './term-tally.ts';
import { sharedEntry, type SharedAnchor } from './anchor-catalog.ts';
import type { AnalysisAnchor } from './analyse-items.ts';
import { RecentTokens } from './recent-tokens.ts';
import { tokenize, type ItemTokens } from '../tagging/text-normalize.ts';
import type { ThreadError } from './thread-pool.ts';

/** The tasks a pipeline thread runs, as plain data: the CPU-bound steps of a poll and of tagging. */
export type PipelineTask =
  /** Broadcast: the anchors tagging uses now, compiled on the event loop (each rebuilt once per key, the rest dropped). */
  | { kind: 'anchors'; state: SharedAnchor[] }
  /** A fetched feed body read into normalised items (readFeed). */
  /** With `records`, also the items' stored records (encodeNewItems), so the deflate runs here too. */
  | { kind: 'read'; body: Uint8Array; contentType: string | null; ctx: NormalizeContext; limits: ReadLimits | null; records?: boolean }
  /**
   * New items tagged against the anchors of the given keys (in that order); `forStore`: as
   * storeReadyAnalyses hands them over; `count`: the items (by index) whose collection terms
   * are also counted into this thread's tally (as count-terms would).
   */
  | { kind: 'analyse'; keys: string[]; items: ItemText[]; forStore?: boolean; count?: number[] }
  /** The collection-statistics terms of new items. */
  | { kind: 'terms'; items: Array<{ title: string; summary: string }> }
  /** The same, counted into this thread's tally (no term lists back to the event loop). */
  | { kind: 'count-terms'; items: Array<{ title: string; summary: string }> }
  /** The tally so far, handed over and restarted (a collection-statistics flush). */
  | { kind: 'drain-terms' }
  /** Answers once the thread has loaded: the pool is ready. */
  | { kind: 'ping' };

/** What each task answers. */
export interface PipelineResults {
  anchors: void;
  read: ReadFeedResult & { records?: PackedRecords };
  analyse: ItemAnalysis[] | StoreReadyAnalyses;
  terms: string[][];
  'count-terms': void;
  'drain-terms': TermCounts;
  ping: void;
}

/**
 * Items a bulk step handles between two pauses (`between`, see ThreadJobLoop): about as long
 * as one of the bulk analyse tasks (25 items), so a live task waits for that much at most
 * after a document's parse, not for its hundred deflates or a turn's thousand term counts.
 */
export const THREAD_SLICE = 25;

/**
 * The task runner of one pipeline thread: pure steps only (no Redis, no network), with the
 * anchors the event loop compiled and broadcast as data, their functions rebuilt here once
 * per anchor key, so a task carries only the items. `between`, when given (a bulk task), is
 * awaited between slices of THREAD_SLICE items; the result is the same either way.
 */
export function createPipelineTasks(): (task: PipelineTask, between?: () => Promise<void>) => Promise<unknown> {
  const compiled = new Map<string, AnalysisAnchor>();
  // New items are counted (terms) just before they are tagged (analyse): tokenised once for both.
  const recent = new RecentTokens();
  let tally = new TermTally();
  return async (task, between) => {
    switch (task.kind) {
      case 'anchors': {
        const live = new Set(task.state.map((s) => s.key));
        for (const key of compiled.keys()) if (!live.has(key)) compiled.delete(key);
        for (const shared of task.state) if (!compiled.has(shared.key)) compiled.set(shared.key, sharedEntry(shared));
        return undefined;
      }
      case 'read': {
        const read = await readFeed(Buffer.from(task.body.buffer, task.body.byteOffset, task.body.byteLength), task.contentType, task.ctx, task.limits);
        if (!task.records) return read;
        // encodeNewItems, a slice at a time: the deflates cost about what the parse did.
        const records: Buffer[] = [];
        for (let start = 0; start < read.items.length; start += THREAD_SLICE) {
          await between?.();
          for (const item of read.items.slice(start, start + THREAD_SLICE)) records.push(encodeNewItem(item, task.ctx.feedId, task.ctx.now));
        }
        return { ...read, records: packRecords(records) };
      }
      case 'analyse': {
        // Counted first, so a task that fails on its anchors still counts its items.
        const tokens: Array<ItemTokens | undefined> = new Array<ItemTokens | undefined>(task.items.length);
        for (const n of task.count ?? []) {
          const item = task.items[n]!;
          const own = { title: tokenize(item.title), summary: tokenize(item.summary) };
          tally.add(collectionTermsOf(item, own));
          tokens[n] = own;
        }
        const anchors = task.keys.map((key) => {
          const entry = compiled.get(key);
          if (!entry) throw new Error(`pipeline thread has no compiled anchor ${key}`);
          return entry;
        });
        const analyses = task.items.map((item, n) => analyseItem(anchors, item, tokens[n] ?? (anchors.length > 0 ? recent.take(item) : undefined)));
        return task.forStore ? storeReadyAnalyses(anchors, analyses) : analyses;
      }
      case 'terms':
        return task.items.map((item) => collectionTermsOf(item, recent.keep(item)));
      case 'count-terms':
        for (let start = 0; start < task.items.length; start += THREAD_SLICE) {
          if (start > 0) await between?.();
          for (const item of task.items.slice(start, start + THREAD_SLICE)) tally.add(collectionTermsOf(item, recent.keep(item)));
        }
        return undefined;
      case 'drain-terms': {
        const out = tally;
        tally = new TermTally();
        return out;
      }
      case 'ping':
        return undefined;
    }
  };
}

/** An error as plain data for the trip back: an AppError keeps its code and details. */
export function threadErrorOf(err: unknown): ThreadError {
  if (isAppError(err)) return { name: err.name, message: err.message, code: err.code, details: err.details };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}
