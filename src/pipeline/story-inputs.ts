import type { AnchorRecord } from '../model/anchor.ts';
import type { CollectionStats } from '../model/collection-stats.ts';
import type { Judgment } from '../model/story.ts';
import type { CollectionStatsStore } from '../storage/collection-stats-store.ts';
import type { FeedbackStore } from '../storage/feedback-store.ts';
import type { ItemStore } from '../storage/item-store.ts';
// The same coverage rule as evaluation and calibration use, so they measure what runs here.
import { CONFIDENT_MARGIN, COVERAGE_MAX } from '../tagging/story-growth.ts';

/** What a compile of one anchor learns from beyond its piece: the collection, the analyst, the coverage. */
export interface AnchorInputs {
  stats: CollectionStats | undefined;
  /** The same statistics as plain data (a pipeline thread compiles the anchor from them); absent with no statistics. */
  statsData?: CollectionStatsData;
  /** The texts of the items the analyst judged, with the verdicts. */
  judgments: Judgment[];
  /** itemId → verdict: judged items are in or out of the digest whatever their score. */
  verdicts: Map<string, boolean>;
  /** Recent items confidently on the story, for its vocabulary to grow from. */
  coverage: Array<{ title: string; summary: string }>;
}

/** Collection statistics as plain data: what crosses to a pipeline thread. */
export interface CollectionStatsData {
  documents: number;
  frequencies: ReadonlyMap<string, number>;
}

/** Statistics read back from their plain data. */
export function statsFromData(data: CollectionStatsData): CollectionStats {
  return { documents: data.documents, documentFrequency: (term: string) => data.frequencies.get(term) ?? 0 };
}

/** What StoryInputs reads. */
export interface StoryInputsDeps {
  items: Pick<ItemStore, 'digestItemsBetween' | 'getMany'>;
  feedback: Pick<FeedbackStore, 'list'>;
  stats: Pick<CollectionStatsStore, 'snapshot'>;
  now(): number;
}

/** Items published this recently feed the story's growth. */
const COVERAGE_WINDOW_MS = 7 * 24 * 3600_000;
/** Digest entries looked at for coverage, newest first. */
const COVERAGE_CANDIDATES = 500;
/** A snapshot of the collection statistics is this old at most when an anchor compiles. */
const STATS_MAX_AGE_MS = 5 * 60_000;
/** Below this many items the counts say little; the relevance model's cold-start prior is used instead. */
const MIN_DOCUMENTS = 1;

/**
 * Gathers what each anchor compile needs beyond its record: a (cached) snapshot of the
 * collection statistics, the analyst's verdicts with the judged items' texts, and the recent
 * items confidently on the story. Read when the catalog recompiles, never per item.
 */
export class StoryInputs {
  private snapshot: { at: number; stats: CollectionStats | undefined; data: CollectionStatsData | undefined } | null = null;

  constructor(private readonly deps: StoryInputsDeps) {}

  /** The collection statistics, from a snapshot at most a few minutes old. */
  async stats(): Promise<CollectionStats | undefined> {
    return (await this.statsSnapshot()).stats;
  }

  private async statsSnapshot(): Promise<{ stats: CollectionStats | undefined; data: CollectionStatsData | undefined }> {
    const now = this.deps.now();
    if (this.snapshot && now - this.snapshot.at < STATS_MAX_AGE_MS) return this.snapshot;
    const snap = await this.deps.stats.snapshot();
    const data = snap.documents >= MIN_DOCUMENTS ? { documents: snap.documents, frequencies: snap.frequencies } : undefined;
    this.snapshot = { at: now, stats: data ? statsFromData(data) : undefined, data };
    return this.snapshot;
  }

  /** Everything one anchor's compile learns from. */
  async forAnchor(record: AnchorRecord): Promise<AnchorInputs> {
    const now = this.deps.now();
    const [{ stats, data: statsData }, verdictList, recent] = await Promise.all([
      this.statsSnapshot(),
      this.deps.feedback.list(record.id),
      this.deps.items.digestItemsBetween(record.id, now - COVERAGE_WINDOW_MS, now + 1, COVERAGE_CANDIDATES * 4),
    ]);
    const verdicts = new Map(verdictList.map((v) => [v.itemId, v.relevant]));
    const judgedItems = await this.deps.items.getMany(verdictList.map((v) => v.itemId));
    const judgments = judgedItems.map((item) => ({ title: item.title, summary: item.summary, relevant: verdicts.get(item.id)! }));
    // Newest candidates first: the story as it is now.
    const candidates = await this.deps.items.getMany(recent.slice(-COVERAGE_CANDIDATES).map((r) => r.id).reverse());
    const confident = candidates
      .filter((item) => !verdicts.has(item.id))
      .map((item) => ({ item, tags: item.tags[record.id] }))
      .filter(({ tags }) => {
        if (!tags?.relevant) return false;
        const threshold = tags.why?.threshold;
        return threshold !== undefined && tags.score >= threshold + (1 - threshold) * CONFIDENT_MARGIN;
      })
      .slice(0, COVERAGE_MAX)
      .map(({ item }) => ({ title: item.title, summary: item.summary }));
    return { stats, ...(statsData ? { statsData } : {}), judgments, verdicts, coverage: confident };
  }
}
