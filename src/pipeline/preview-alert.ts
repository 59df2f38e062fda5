import { AppError, ErrorCodes } from '../errors.ts';
import type { AnchorStore } from '../storage/anchor-store.ts';
import { bucketBoundaries, bucketIndex } from '../volume/time-buckets.ts';
import { matchStoredItems, type MatchStoredDeps } from './match-stored-items.ts';

const DAY = 24 * 3600_000;

/** What a preview asks: a query over a range of stored items (default: the last 7 days). */
export interface PreviewRequest {
  query: string;
  anchorId?: string;
  from?: number;
  to?: number;
  limit: number;
}

/** What the query would have matched: how many, the newest hits, and a count per UTC day. */
export interface PreviewResult {
  count: number;
  hits: Array<{ itemId: string; title: string; link: string | null; publishedAt: number }>;
  volume: Array<{ t: number; count: number }>;
}

/** What a preview reads. */
export interface PreviewDeps extends MatchStoredDeps {
  anchors: Pick<AnchorStore, 'get' | 'defaultId'>;
  /** VOLUME_QUERY_MAX_ITEMS: items one preview may test. */
  maxItems: number;
  now(): number;
}

/**
 * An alert query tried on past coverage without saving anything: the stored items of the
 * range that it matches, with the same matcher as live alerts (one implementation,
 * matchStoredItems), bounded like the q= volume series. The syntax and entity errors are the
 * ones creating the alert would give, with their positions.
 */
export async function previewAlert(request: PreviewRequest, deps: PreviewDeps): Promise<PreviewResult> {
  const anchorId = request.anchorId ?? (await deps.anchors.defaultId());
  const anchor = anchorId ? await deps.anchors.get(anchorId) : null;
  if (!anchor) throw new AppError(ErrorCodes.validation, 'No such anchor.', { fieldErrors: [{ field: 'anchorId', message: 'is not an anchor' }] });
  const to = request.to ?? deps.now();
  const from = request.from ?? to - 7 * DAY;
  if (!(from < to)) throw new AppError(ErrorCodes.validation, '`from` must be before `to`.', { fieldErrors: [{ field: 'from', message: 'must be before to' }] });
  const bounds = bucketBoundaries(from, to, 'day', 'UTC');
  const matched = await matchStoredItems(request.query, anchor, { from, to }, deps, deps.maxItems, 'query');
  matched.sort((a, b) => b.publishedAt - a.publishedAt || a.id.localeCompare(b.id));
  const counts = new Array<number>(bounds.length - 1).fill(0);
  for (const item of matched) {
    const b = bucketIndex(bounds, item.publishedAt);
    if (b >= 0) counts[b]!++;
  }
  return {
    count: matched.length,
    hits: matched.slice(0, request.limit).map((i) => ({ itemId: i.id, title: i.title, link: i.link, publishedAt: i.publishedAt })),
    volume: counts.map((count, i) => ({ t: bounds[i]!, count })),
  };
}
