import { AppError, ErrorCodes } from '../errors.ts';
import type { AnchorRecord } from '../model/anchor.ts';
import type { AnchorDeps } from './register-anchor.ts';

/**
 * Saves a new version of an anchor whose text and entities stay (a new scope, a judgement the
 * model learns from) and queues the re-tag of recent items against it: tags remember their
 * version, so the re-tag moves items in and out of the digest, with remove/item events.
 * The version is bumped atomically on the stored record, so concurrent revisions (two
 * verdicts at once, a verdict beside a scope edit) each get their own version and none
 * overwrites the other's change. `recent`: only the last days' items need re-scoring (a
 * verdict moves the model a little; an edit of the scope re-tags the whole window).
 */
export async function saveAnchorRevision(
  existing: AnchorRecord,
  patch: Partial<Pick<AnchorRecord, 'scope'>>,
  deps: Pick<AnchorDeps, 'anchors' | 'requestRetag' | 'now'>,
  options: { recent?: boolean } = {},
): Promise<AnchorRecord> {
  const record = await deps.anchors.revise(existing.id, (current) => ({ ...current, ...patch, updatedAt: deps.now() }));
  if (!record) throw new AppError(ErrorCodes.notFound, 'No anchor with this id.');
  await deps.requestRetag(record.id, record.version, options.recent ? { recent: true } : undefined);
  // The story vocabulary shown stays the last compile's until the workers compile this version.
  return existing.model ? { ...record, model: existing.model } : record;
}
