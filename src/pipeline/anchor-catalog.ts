import { compileAnchor, type CompiledAnchor } from '../tagging/compile-anchor.ts';
import type { AnchorRecord } from '../model/anchor.ts';
import type { AnchorStore } from '../storage/anchor-store.ts';

/** A compiled anchor with the stored version its tags will carry. */
export interface CatalogEntry {
  record: AnchorRecord;
  compiled: CompiledAnchor;
}

/**
 * The anchors compiled for tagging, cached per process. Compiling runs once per anchor
 * version; each use costs one GET of the generation counter to notice changes made by
 * another process (an entity edit through the API).
 */
export class AnchorCatalog {
  private generation = -1;
  private entries: CatalogEntry[] = [];
  private readonly compiledByVersion = new Map<string, CatalogEntry>();

  constructor(private readonly anchors: AnchorStore) {}

  private loading: Promise<CatalogEntry[]> | null = null;

  /** Every anchor, compiled, in registration order. */
  async current(): Promise<CatalogEntry[]> {
    const generation = await this.anchors.generation();
    if (generation === this.generation) return this.entries;
    // Concurrent tag jobs share one reload instead of compiling the same anchors twice.
    this.loading ??= this.reload(generation).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async reload(generation: number): Promise<CatalogEntry[]> {
    const records = await this.anchors.list();
    const next: CatalogEntry[] = [];
    const live = new Set<string>();
    for (const record of records) {
      const cacheKey = `${record.id}@${record.version}`;
      live.add(cacheKey);
      let entry = this.compiledByVersion.get(cacheKey);
      if (!entry) {
        entry = { record, compiled: compileAnchor(record.source, record.entities) };
        this.compiledByVersion.set(cacheKey, entry);
      }
      next.push(entry);
    }
    for (const key of this.compiledByVersion.keys()) if (!live.has(key)) this.compiledByVersion.delete(key);
    this.entries = next;
    this.generation = generation;
    return next;
  }

  /** One anchor, compiled, or null. */
  async get(anchorId: string): Promise<CatalogEntry | null> {
    return (await this.current()).find((e) => e.record.id === anchorId) ?? null;
  }
}
