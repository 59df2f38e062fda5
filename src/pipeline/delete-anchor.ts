import { AppError, ErrorCodes } from '../errors.ts';
import type { AnchorStore } from '../storage/anchor-store.ts';
import type { FeedbackStore } from '../storage/feedback-store.ts';
import type { ItemStore } from '../storage/item-store.ts';

/** What deleting an anchor touches. */
export interface DeleteAnchorDeps {
  anchors: Pick<AnchorStore, 'delete'>;
  items: Pick<ItemStore, 'dropAnchorIndexes'>;
  feedback: Pick<FeedbackStore, 'clear'>;
}

/**
 * Deletes an anchor: the record first (taggers stop writing for it at their next generation
 * check), then its digest, stream, entity (volume) indexes, tag fields and verdicts. The
 * items stay. 404 when there is no such anchor.
 */
export async function deleteAnchor(anchorId: string, deps: DeleteAnchorDeps): Promise<void> {
  if (!(await deps.anchors.delete(anchorId))) throw new AppError(ErrorCodes.notFound, 'No anchor with this id.');
  await deps.items.dropAnchorIndexes(anchorId);
  await deps.feedback.clear(anchorId);
}
