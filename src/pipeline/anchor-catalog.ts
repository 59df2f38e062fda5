import { compileQuery, type CompiledQuery } from '../alerts/evaluate-query.ts';
import { parseQuery } from '../alerts/parse-query.ts';
import { compileAnchor, type CompiledAnchor } from '../tagging/compile-anchor.ts';
import { anchorFromPortable, portableAnchor, type PortableAnchor } from '../tagging/portable-anchor.ts';
import type { AnchorRecord } from '../model/anchor.ts';
import type { AnchorModelSummary } from '../model/anchor-model.ts';
import type { AnchorStore } from '../storage/anchor-store.ts';
import { statsFromData, type AnchorInputs, type CollectionStatsData, type StoryInputs } from './story-inputs.ts';

/** A compiled anchor with the stored version its tags will carry. */
export interface CatalogEntry {
  record: AnchorRecord;
  compiled: CompiledAnchor;
  /** The anchor's scope query, compiled, or null when it has none. */
  scope: CompiledQuery | null;
  /** itemId → the analyst's verdict: such items are in or out of the digest whatever their score. */
  verdicts: ReadonlyMap<string, boolean>;
  /** Everything the entry was compiled from, as plain data (its key names this compile). */
  spec: AnchorSpec;
}

/**
 * What a pipeline thread is sent of a catalog entry: the compiled anchor as plain data, and
 * what tagging reads besides (structured-cloneable). The thread rebuilds the entry's
 * functions from it (sharedEntry) rather than compiling the anchor a second time.
 */
export interface SharedAnchor {
  key: string;
  record: AnchorRecord;
  stats: CollectionStatsData | null;
  verdicts: ReadonlyMap<string, boolean>;
  compiled: PortableAnchor;
}

/** The data a thread is sent of an entry. */
export function shareEntry(entry: CatalogEntry): SharedAnchor {
  const { spec } = entry;
  return { key: spec.key, record: entry.record, stats: spec.stats, verdicts: entry.verdicts, compiled: portableAnchor(entry.compiled) };
}

/** The entry back from what a thread was sent: as tagging uses it, without compiling again. */
export function sharedEntry(shared: SharedAnchor): Pick<CatalogEntry, 'record' | 'compiled' | 'scope' | 'verdicts'> {
  const { record } = shared;
  return { record, compiled: anchorFromPortable(shared.compiled, shared.stats ? statsFromData(shared.stats) : undefined), scope: compileScope(record), verdicts: shared.verdicts };
}

/** The inputs of one anchor's compile, as plain data (structured-cloneable), and the key they are cached under. */
export interface AnchorSpec {
  /** anchor id @ version @ refresh period: a thread compiles each key once. */
  key: string;
  record: AnchorRecord;
  stats: CollectionStatsData | null;
  judgments: AnchorInputs['judgments'];
  coverage: AnchorInputs['coverage'];
  verdicts: ReadonlyMap<string, boolean>;
}

/** How often anchors are recompiled with fresh collection statistics and coverage, by default. */
export const STORY_REFRESH_MS = 10 * 60_000;

const NO_INPUTS: AnchorInputs = { stats: undefined, judgments: [], verdicts: new Map(), coverage: [] };

/** Compiles an anchor from its spec: the same entry on the event loop and in a pipeline thread. */
export function compileSpec(spec: AnchorSpec): CatalogEntry {
  const { record } = spec;
  const compiled = compileAnchor(record.source, record.entities, {
    ...(spec.stats ? { stats: statsFromData(spec.stats) } : {}),
    judgments: spec.judgments,
    coverage: spec.coverage,
  });
  return { record, compiled, scope: compileScope(record), verdicts: spec.verdicts, spec };
}

/**
 * The anchors compiled for tagging, cached per process. Compiling runs once per anchor
 * version and refresh period (collection statistics and the story's coverage move slowly);
 * each use costs one GET of the generation counter to notice changes made by another process
 * (an entity edit, a judgement through the API).
 */
export class AnchorCatalog {
  private generation = -1;
  private epoch = -1;
  private entries: CatalogEntry[] = [];
  private readonly compiledByVersion = new Map<string, CatalogEntry>();

  constructor(
    private readonly anchors: Pick<AnchorStore, 'generation' | 'list' | 'saveModel'>,
    private readonly inputs: Pick<StoryInputs, 'forAnchor'> | null = null,
    private readonly options: { refreshMs?: number; now?: () => number } = {},
  ) {}

  private loading: Promise<CatalogEntry[]> | null = null;

  /** Every anchor, compiled, in registration order. */
  async current(): Promise<CatalogEntry[]> {
    const generation = await this.anchors.generation();
    const epoch = Math.floor((this.options.now ?? Date.now)() / (this.options.refreshMs ?? STORY_REFRESH_MS));
    if (generation === this.generation && epoch === this.epoch) return this.entries;
    // Concurrent tag jobs share one reload instead of compiling the same anchors twice.
    this.loading ??= this.reload(generation, epoch).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async reload(generation: number, epoch: number): Promise<CatalogEntry[]> {
    const records = await this.anchors.list();
    const next: CatalogEntry[] = [];
    const live = new Set<string>();
    for (const record of records) {
      const cacheKey = `${record.id}@${record.version}@${epoch}`;
      live.add(cacheKey);
      let entry = this.compiledByVersion.get(cacheKey);
      if (!entry) {
        entry = await this.compile(record, cacheKey);
        this.compiledByVersion.set(cacheKey, entry);
      }
      next.push(entry);
    }
    for (const key of this.compiledByVersion.keys()) if (!live.has(key)) this.compiledByVersion.delete(key);
    this.entries = next;
    this.generation = generation;
    this.epoch = epoch;
    return next;
  }

  private async compile(record: AnchorRecord, key: string): Promise<CatalogEntry> {
    const inputs = this.inputs ? await this.inputs.forAnchor(record) : NO_INPUTS;
    const entry = compileSpec({
      key,
      record,
      stats: inputs.statsData ?? null,
      judgments: inputs.judgments,
      coverage: inputs.coverage,
      verdicts: inputs.verdicts,
    });
    const summary: AnchorModelSummary = {
      version: record.version,
      storyTerms: entry.compiled.storyTerms,
      compiledAt: Date.now(),
    };
    await this.anchors.saveModel(record.id, summary);
    return entry;
  }

  /** One anchor, compiled, or null. */
  async get(anchorId: string): Promise<CatalogEntry | null> {
    return (await this.current()).find((e) => e.record.id === anchorId) ?? null;
  }
}

/** The scope of an anchor, compiled against its entities; a scope that no longer compiles (an entity removed) is ignored. */
export function compileScope(record: AnchorRecord): CompiledQuery | null {
  if (!record.scope) return null;
  try {
    return compileQuery(parseQuery(record.scope), { entityKeys: new Set(record.entities.map((e) => e.key)) });
  } catch {
    return null;
  }
}
