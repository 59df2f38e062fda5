import type { RetagJob } from '../queue/queue-names.ts';
import type { AnchorStore } from '../storage/anchor-store.ts';
import { tagItems, type TagDeps } from './tag-items.ts';

/** What a re-tag needs: the tagging deps and the anchors, to notice a newer version. */
export interface RetagDeps extends TagDeps {
  anchors: AnchorStore;
}

/** Items published this recently are re-tagged when an anchor's entities change. */
const RETAG_WINDOW_MS = 30 * 24 * 3600 * 1000;
const RETAG_BATCH = 200;

/**
 * Re-tags the recent items against one anchor version (a new anchor, or changed entities or
 * scope), in batches, reporting progress. A job for an older version does nothing: the newer
 * version's own job does the work. Idempotent like tagging itself.
 */
export async function retagAnchor(
  job: RetagJob,
  deps: RetagDeps,
  onProgress: (percent: number) => Promise<void>,
): Promise<{ superseded: true } | { tagged: number }> {
  const anchor = await deps.anchors.get(job.anchorId);
  if (!anchor || anchor.version !== job.version) return { superseded: true };
  const ids = await deps.items.idsSince(deps.now() - RETAG_WINDOW_MS, 1_000_000);
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
