import { createHash } from 'node:crypto';
import { AppError, ErrorCodes } from '../errors.ts';
import type { AnchorSource, Entity } from '../model/anchor.ts';
import type { AnchorRecord } from '../model/anchor.ts';
import type { AnchorStore } from '../storage/anchor-store.ts';
import { detectPieceLanguage } from '../tagging/piece-language.ts';

/** What anchor registration needs. */
export interface AnchorDeps {
  anchors: AnchorStore;
  /** Runs entity extraction (compromise): in-process at start-up, in a child process for the API. */
  extract(source: AnchorSource): Promise<Entity[]>;
  /** Queues a background re-tag of recent items for a new anchor version (`recent`: only the last days', after a verdict). */
  requestRetag(anchorId: string, version: number, options?: { recent?: boolean }): Promise<void>;
  now(): number;
}

/** Hash of everything extraction depends on: an unchanged source keeps its stored entities. */
export function sourceHash(source: AnchorSource): string {
  return createHash('sha256').update(JSON.stringify(source)).digest('hex').slice(0, 16);
}

/**
 * Stores an anchor from its source, extracting entities when the source is new or changed.
 * Idempotent: registering the same file at every start changes nothing, and keeps entity
 * edits made through the API.
 */
export async function registerAnchorSource(source: AnchorSource, deps: AnchorDeps): Promise<AnchorRecord> {
  const hash = sourceHash(source);
  const existing = await deps.anchors.get(source.id);
  if (existing && existing.sourceHash === hash) return existing;
  return saveVersion(existing, source, await deps.extract(source), hash, deps);
}

/** Replaces an anchor's entity list (from the API); items are re-tagged in the background. */
export async function replaceAnchorEntities(existing: AnchorRecord, entities: Entity[], deps: AnchorDeps): Promise<AnchorRecord> {
  return saveVersion(existing, existing.source, entities, existing.sourceHash, deps);
}

async function saveVersion(
  existing: AnchorRecord | null,
  source: AnchorSource,
  entities: Entity[],
  hash: string,
  deps: AnchorDeps,
): Promise<AnchorRecord> {
  const change = { source, entities, sourceHash: hash, updatedAt: deps.now(), ...detectPieceLanguage(`${source.title}\n${source.text}`) };
  let record: AnchorRecord;
  if (existing) {
    // Through the compare-and-set: a verdict or a scope edit saved meanwhile keeps its version
    // and its change (the scope is the analyst's, not the piece's: new text or entities keep it).
    const revised = await deps.anchors.revise(existing.id, (current) => ({ ...current, ...change }));
    if (!revised) throw new AppError(ErrorCodes.notFound, 'No anchor with this id.');
    record = revised;
  } else {
    record = { id: source.id, version: 1, scope: null, ...change };
    await deps.anchors.save(record);
  }
  // A new anchor (or new entities) applies to items already stored, too.
  await deps.requestRetag(record.id, record.version);
  return record;
}
