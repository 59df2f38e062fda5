import { AppError, ErrorCodes } from '../errors.ts';
import type { AnchorRecord } from '../model/anchor.ts';
import type { FeedStore } from '../storage/feed-store.ts';
import type { ItemStore } from '../storage/item-store.ts';
import { querySeries } from './query-series.ts';

/** What to count: entity keys (all of the anchor's when omitted and there is no query), an alert query, shares. */
export interface VolumeRequest {
  /** Comma-separated entity keys, as the API takes them. */
  entities?: string;
  q?: string;
  /** Also count every item per bucket, for shares. */
  withTotal: boolean;
}

/** Counts per bucket: one series per entity (then `q`, keyed "q"), and the total when asked. */
export interface VolumeSeries {
  series: Array<{ key: string; name: string; counts: number[] }>;
  total: number[] | null;
}

/**
 * Coverage volume of an anchor over buckets [b[i], b[i+1]): distinct items per bucket per
 * entity, read from the same per-item indexes the digest uses (so a retried job never counts
 * twice), and for `q` the items an alert query matches. An unknown entity key is a 400.
 */
export async function volumeSeries(
  anchor: AnchorRecord,
  bounds: number[],
  request: VolumeRequest,
  deps: { items: ItemStore; feeds: Pick<FeedStore, 'titles'>; queryMaxItems: number },
): Promise<VolumeSeries> {
  const byKey = new Map(anchor.entities.map((e) => [e.key, e]));
  const keys =
    request.entities !== undefined
      ? [...new Set(request.entities.split(',').map((k) => k.trim()).filter(Boolean))]
      : request.q
        ? []
        : [...byKey.keys()];
  const unknown = keys.filter((k) => !byKey.has(k));
  if (unknown.length > 0) {
    throw new AppError(ErrorCodes.validation, `Unknown entity key(s) for anchor ${anchor.id}: ${unknown.join(', ')}.`, {
      fieldErrors: unknown.map((k) => ({ field: 'entities', message: `"${k}" is not an entity key of this anchor` })),
    });
  }
  const counts = await deps.items.bucketCounts(anchor.id, keys, bounds, request.withTotal);
  const series = keys.map((key, i) => ({ key, name: byKey.get(key)!.name, counts: counts.byEntity[i]! }));
  if (request.q) series.push({ key: 'q', name: request.q, counts: await querySeries(request.q, anchor, bounds, deps, deps.queryMaxItems) });
  return { series, total: counts.total };
}
