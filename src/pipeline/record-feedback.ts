import { matchesItem, prepareDocument } from '../alerts/evaluate-query.ts';
import { AppError, ErrorCodes } from '../errors.ts';
import type { AnchorRecord } from '../model/anchor.ts';
import type { ItemTags } from '../model/tags.ts';
import type { FeedbackStore } from '../storage/feedback-store.ts';
import type { ItemStore } from '../storage/item-store.ts';
import { compileScope } from './anchor-catalog.ts';
import type { AnchorDeps } from './register-anchor.ts';
import { saveAnchorRevision } from './save-anchor-revision.ts';
import { isVerdictEvidence, verdictEvidence } from './scope-and-verdict.ts';

/** What recording a judgement needs. */
export interface FeedbackDeps extends Pick<AnchorDeps, 'anchors' | 'requestRetag' | 'now'> {
  feedback: Pick<FeedbackStore, 'set' | 'remove' | 'list'>;
  items: Pick<ItemStore, 'getMany' | 'writeTags'>;
}

/** The answer to a judgement: the item, the verdict, and the item's relevance score for the anchor. */
export interface FeedbackResult {
  itemId: string;
  relevant: boolean;
  score: number;
}

async function itemOr404(itemId: string, deps: FeedbackDeps) {
  const [item] = await deps.items.getMany([itemId]);
  if (!item) {
    throw new AppError(ErrorCodes.notFound, 'No stored item with this id.', { fieldErrors: [{ field: 'itemId', message: 'is not a stored item' }] });
  }
  return item;
}

/**
 * Records an analyst's verdict on one item: stored, the item moved in or out of the digest
 * at once whatever its score (one tag write, which sends `remove` or `item` on the stream),
 * and a new anchor version queued for re-scoring the newest items, which recompiles the model
 * with every judgement so similar items move too. The verdict is stored before the version is
 * bumped, so every compile of that version or a later one learns from it, however many
 * verdicts arrive at once. Giving the same verdict again changes nothing more (no new version,
 * no re-scoring): a retried request is harmless.
 */
export async function recordFeedback(anchor: AnchorRecord, input: { itemId: string; relevant: boolean }, deps: FeedbackDeps): Promise<FeedbackResult> {
  const item = await itemOr404(input.itemId, deps);
  const changed = await deps.feedback.set(anchor.id, { itemId: item.id, relevant: input.relevant, at: deps.now() });
  const record = changed ? await saveAnchorRevision(anchor, {}, deps, { recent: true }) : ((await deps.anchors.get(anchor.id)) ?? anchor);
  const tags = item.tags[anchor.id];
  await writeNow(record, item.id, tags, input.relevant, input.relevant, deps);
  return { itemId: item.id, relevant: input.relevant, score: tags?.score ?? 0 };
}

/**
 * Withdraws a verdict: the item goes back to what the model says of it (its score against
 * the threshold, within the scope), at once, and the model relearns without it. 404 when
 * there was no verdict on the item.
 */
export async function withdrawFeedback(anchor: AnchorRecord, itemId: string, deps: FeedbackDeps): Promise<void> {
  if (!(await deps.feedback.remove(anchor.id, itemId))) throw new AppError(ErrorCodes.notFound, 'No verdict on this item.');
  const record = await saveAnchorRevision(anchor, {}, deps, { recent: true });
  const [item] = await deps.items.getMany([itemId]);
  const tags = item?.tags[anchor.id];
  if (!item || !tags) return;
  const scope = compileScope(record);
  const inScope = !scope || matchesItem(scope, prepareDocument(item.title, item.summary, new Map(tags.entities.map((e) => [e.key, e.count]))));
  const threshold = tags.why?.threshold;
  const relevant = inScope && threshold !== undefined ? tags.score >= threshold : tags.relevant && inScope;
  await writeNow(record, itemId, tags, relevant, null, deps);
}

/** Writes an item's tags with a decided digest membership under the anchor's new version. */
async function writeNow(record: AnchorRecord, itemId: string, tags: ItemTags | undefined, relevant: boolean, judged: boolean | null, deps: FeedbackDeps): Promise<void> {
  const evidence = (tags?.why?.evidence ?? []).filter((e) => !isVerdictEvidence(e));
  if (judged !== null) evidence.unshift(verdictEvidence(judged));
  await deps.items.writeTags([
    {
      anchorId: record.id,
      itemId,
      tags: {
        entities: tags?.entities ?? [],
        score: tags?.score ?? 0,
        relevant,
        version: record.version,
        why: { threshold: tags?.why?.threshold ?? 0, evidence },
        judged,
      },
    },
  ]);
}
