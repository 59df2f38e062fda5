import { requiredAtoms } from '../alerts/alert-index.ts';
import { compileQuery } from '../alerts/evaluate-query.ts';
import { parseQuery } from '../alerts/parse-query.ts';
import { AppError, ErrorCodes } from '../errors.ts';
import type { AnchorRecord } from '../model/anchor.ts';
import type { StoredItem } from '../model/item.ts';
import type { FeedStore } from '../storage/feed-store.ts';
import type { ItemStore } from '../storage/item-store.ts';
import { compileMatcher } from '../tagging/compile-matcher.ts';
import { prepareStoredItem } from './prepare-stored-item.ts';

const BATCH = 500;

/** What matching stored items reads. */
export interface MatchStoredDeps {
  items: ItemStore;
  feeds: Pick<FeedStore, 'titles'>;
}

/**
 * The stored items published in [from, to) that an alert query matches: the same parser,
 * evaluator and entity tags as live alert matching. A query that requires entities only reads
 * those entities' indexes; any other query tests every item in the range. One call tests at
 * most `maxItems` items: past that bound it is refused (400, naming `field`) before any item
 * is read, so `NOT zzz` over a large range costs one index read, not a scan.
 */
export async function matchStoredItems(
  query: string,
  anchor: AnchorRecord,
  range: { from: number; to: number },
  deps: MatchStoredDeps,
  maxItems: number,
  field = 'q',
): Promise<StoredItem[]> {
  const ast = parseQuery(query);
  const compiled = compileQuery(ast, { entityKeys: new Set(anchor.entities.map((e) => e.key)) });
  const { from, to } = range;
  const atoms = requiredAtoms(ast);
  const tooMany = () =>
    new AppError(
      ErrorCodes.validation,
      `The query would test more than ${maxItems} items (VOLUME_QUERY_MAX_ITEMS); narrow the range or require an entity: term.`,
      { fieldErrors: [{ field, message: `the range holds more than ${maxItems} items to test` }], details: { maxItems } },
    );
  const candidates = new Set<string>();
  if (atoms && atoms.words.length === 0 && atoms.prefixes.length === 0 && atoms.entities.length > 0) {
    for (const key of atoms.entities) {
      for (const { id } of await deps.items.entityItemsBetween(anchor.id, key, from, to, maxItems + 1)) candidates.add(id);
    }
  } else {
    // Counted first: a range past the bound is refused without reading its ids.
    if ((await deps.items.countBetween(from, to)) > maxItems) throw tooMany();
    for (const { id } of await deps.items.itemsBetween(from, to, maxItems + 1)) candidates.add(id);
  }
  if (candidates.size > maxItems) throw tooMany();
  const matcher = compileMatcher(anchor.entities);
  const matched: StoredItem[] = [];
  const ids = [...candidates];
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = await deps.items.getMany(ids.slice(i, i + BATCH));
    const titles = await deps.feeds.titles(batch.map((item) => item.feedId));
    for (const item of batch) if (compiled.test(prepareStoredItem(item, anchor.id, titles, matcher))) matched.push(item);
  }
  return matched;
}
