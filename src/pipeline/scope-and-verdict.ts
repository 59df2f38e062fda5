import { matchesItem, prepareDocument, prepareDocumentFromTokens } from '../alerts/evaluate-query.ts';
import type { Token } from '../tagging/text-normalize.ts';
import type { Evidence, Why } from '../model/story.ts';
import type { ItemTags } from '../model/tags.ts';
import type { CatalogEntry } from './anchor-catalog.ts';

/** Name of the evidence entry of an analyst's verdict. */
export const VERDICT_EVIDENCE = { relevant: 'the analyst judged it about this story', notRelevant: 'the analyst judged it not about this story' } as const;

/** The evidence entry an analyst's verdict adds: it alone decides, so it carries the whole scale. */
export function verdictEvidence(relevant: boolean): Evidence {
  return { kind: 'feedback', name: relevant ? VERDICT_EVIDENCE.relevant : VERDICT_EVIDENCE.notRelevant, weight: relevant ? 1 : -1 };
}

/** True for the entry of an analyst's own verdict (not the learned pull of other judgements). */
export function isVerdictEvidence(e: Evidence): boolean {
  return e.kind === 'feedback' && (e.name === VERDICT_EVIDENCE.relevant || e.name === VERDICT_EVIDENCE.notRelevant);
}

/**
 * The digest decision for one item after the model's: an item outside the anchor's scope
 * query is out, and an item the analyst judged is in or out as judged, whatever its score.
 * Both leave an evidence entry in `why`.
 */
export function applyScopeAndVerdict(
  anchor: Pick<CatalogEntry, 'record' | 'scope' | 'verdicts'>,
  item: { id: string; title: string; summary: string },
  tagged: { score: number; relevant: boolean; entities: Array<{ key: string; count: number }>; why: Why },
  /** The item's title and summary already tokenised (the same decision, without tokenising again). */
  tokens?: readonly [title: Token[], summary: Token[]],
): Pick<ItemTags, 'score' | 'relevant' | 'why' | 'judged'> {
  let relevant = tagged.relevant;
  const evidence = tagged.why.evidence.filter((e) => e.kind !== 'scope');
  if (anchor.scope && anchor.record.scope) {
    const matches = new Map(tagged.entities.map((e) => [e.key, e.count]));
    const doc = tokens ? prepareDocumentFromTokens(tokens, matches) : prepareDocument(item.title, item.summary, matches);
    const inScope = matchesItem(anchor.scope, doc);
    // Scope is a gate, not a weight: 0 when the item passes it, -1 when it keeps the item out.
    evidence.push({ kind: 'scope', name: anchor.record.scope, weight: inScope ? 0 : -1 });
    if (!inScope) relevant = false;
  }
  const verdict = anchor.verdicts.get(item.id);
  if (verdict !== undefined) {
    relevant = verdict;
    evidence.unshift(verdictEvidence(verdict));
  }
  return { score: tagged.score, relevant, why: { threshold: tagged.why.threshold, evidence }, judged: verdict ?? null };
}
