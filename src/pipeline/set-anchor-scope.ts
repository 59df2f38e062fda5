import { compileQuery } from '../alerts/evaluate-query.ts';
import { parseQuery } from '../alerts/parse-query.ts';
import type { AnchorRecord } from '../model/anchor.ts';
import type { AnchorDeps } from './register-anchor.ts';
import { saveAnchorRevision } from './save-anchor-revision.ts';

/**
 * Sets (or, with null, removes) an anchor's scope: a query in the alert language that every
 * digest item must also match. It must compile against the anchor's entities (a syntax error
 * throws with its position); recent items are re-tagged against it.
 */
export async function setAnchorScope(anchor: AnchorRecord, scope: string | null, deps: Pick<AnchorDeps, 'anchors' | 'requestRetag' | 'now'>): Promise<AnchorRecord> {
  const normalized = scope === null || scope.trim() === '' ? null : scope.trim();
  if (normalized !== null) compileQuery(parseQuery(normalized), { entityKeys: new Set(anchor.entities.map((e) => e.key)) });
  if (normalized === (anchor.scope ?? null)) return anchor;
  return saveAnchorRevision(anchor, { scope: normalized }, deps);
}
