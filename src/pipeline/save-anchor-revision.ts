import type { AnchorRecord } from '../model/anchor.ts';
import type { AnchorDeps } from './register-anchor.ts';

/**
 * Saves a new version of an anchor whose text and entities stay (a new scope, a judgement the
 * model learns from) and queues the re-tag of recent items against it: tags remember their
 * version, so the re-tag moves items in and out of the digest, with remove/item events.
 */
export async function saveAnchorRevision(
  existing: AnchorRecord,
  patch: Partial<Pick<AnchorRecord, 'scope'>>,
  deps: Pick<AnchorDeps, 'anchors' | 'requestRetag' | 'now'>,
): Promise<AnchorRecord> {
  const { model, ...stored } = existing;
  const record: AnchorRecord = { ...stored, ...patch, version: existing.version + 1, updatedAt: deps.now() };
  await deps.anchors.save(record);
  await deps.requestRetag(record.id, record.version);
  // The story vocabulary shown stays the last compile's until the workers compile this version.
  return model ? { ...record, model } : record;
}
