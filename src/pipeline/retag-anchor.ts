import type { RetagJob } from '../queue/queue-names.ts';
import type { AnchorStore } from '../storage/anchor-store.ts';
import { tagItems, type TagDeps } from './tag-items.ts';

/** What a re-tag needs: the tagging deps and the anchors, to notice a newer version. */
export interface RetagDeps extends TagDeps {
  anchors: AnchorStore;
}

/** Items first seen this recently are re-tagged when an anchor's entities change. */
const RETAG_WINDOW_MS = 30 * 24 * 3600 * 1000;
const RETAG_MAX = 1_000_000;
/**
 * After a verdict only the newest items are re-scored: the model moved a little, the analyst
 * is reading the digest's top, and a burst of verdicts must not re-tag a month per click (a
 * newer version's job supersedes an older one's between batches, too).
 */
const RECENT_WINDOW_MS = 7 * 24 * 3600 * 1000;
const RECENT_MAX = 5_000;
const RETAG_BATCH = 200;

/**
 * Re-tags the recent items against one anchor version (a new anchor, changed entities or
 * scope, or a verdict: then only the newest), in batches, reporting progress. A job for an
 * older version does nothing: the newer version's own job does the work. Idempotent like tagging itself.
 */
export async function retagAnchor(
  job: RetagJob,
  deps: RetagDeps,
  onProgress: (percent: number) => Promise<void>,
): Promise<{ superseded: true } | { tagged: number }> {
  const anchor = await deps.anchors.get(job.anchorId);
  if (!anchor || anchor.version !== job.version) return { superseded: true };
  const ids = job.recent
    ? await deps.items.idsSince(deps.now() - RECENT_WINDOW_MS, RECENT_MAX)
    : await deps.items.idsSince(deps.now() - RETAG_WINDOW_MS, RETAG_MAX);
  let tagged = 0;
  for (let i = 0; i < ids.length; i += RETAG_BATCH) {
    // A judgement or an edit made meanwhile queued a newer version, or the anchor was deleted: stop here.
    if (i > 0) {
      const current = await deps.anchors.get(job.anchorId);
      if (!current || current.version !== job.version) return { superseded: true };
    }
    const outcome = await tagItems(ids.slice(i, i + RETAG_BATCH), deps, job.anchorId);
    tagged += outcome.tagged;
    await onProgress(Math.round(((i + RETAG_BATCH) / ids.length) * 100));
  }
  deps.log.info({ anchorId: job.anchorId, version: job.version, tagged }, 'anchor re-tagged');
  return { tagged };
}
