import { requiredAtoms } from '../alerts/alert-index.ts';
import { compileQuery, prepareDocument } from '../alerts/evaluate-query.ts';
import { parseQuery } from '../alerts/parse-query.ts';
import { AppError, ErrorCodes } from '../errors.ts';
import type { AnchorRecord } from '../model/anchor.ts';
import type { ItemStore } from '../storage/item-store.ts';
import { bucketIndex } from '../volume/time-buckets.ts';

const BATCH = 500;

/**
 * Items per bucket that an alert query matches: the same parser, evaluator and entity tags
 * as alert matching, over the stored items of the range. A query that requires entities
 * only reads those entities' indexes; any other query tests every item in the range. One
 * request tests at most `maxItems` items: past that bound it is refused (400) before any item
 * is read, so a query such as `NOT zzz` over a large range costs one index read, not a scan.
 */
export async function querySeries(
  query: string,
  anchor: AnchorRecord,
  bounds: number[],
  items: ItemStore,
  maxItems: number,
): Promise<number[]> {
  const ast = parseQuery(query);
  const compiled = compileQuery(ast, { entityKeys: new Set(anchor.entities.map((e) => e.key)) });
  const from = bounds[0]!;
  const to = bounds[bounds.length - 1]!;
  const atoms = requiredAtoms(ast);
  const tooMany = () =>
    new AppError(
      ErrorCodes.validation,
      `The q= series would test more than ${maxItems} items (VOLUME_QUERY_MAX_ITEMS); narrow the range or require an entity: term.`,
      { fieldErrors: [{ field: 'q', message: `the range holds more than ${maxItems} items to test` }], details: { maxItems } },
    );
  const candidates = new Map<string, number>();
  if (atoms && atoms.words.length === 0 && atoms.prefixes.length === 0 && atoms.entities.length > 0) {
    for (const key of atoms.entities) {
      for (const { id, at } of await items.entityItemsBetween(anchor.id, key, from, to, maxItems + 1)) candidates.set(id, at);
    }
  } else {
    // Counted first: a range past the bound is refused without reading its ids.
    if ((await items.countBetween(from, to)) > maxItems) throw tooMany();
    for (const { id, at } of await items.itemsBetween(from, to, maxItems + 1)) candidates.set(id, at);
  }
  if (candidates.size > maxItems) throw tooMany();
  const counts = new Array<number>(bounds.length - 1).fill(0);
  const ids = [...candidates.keys()];
  for (let i = 0; i < ids.length; i += BATCH) {
    for (const item of await items.getMany(ids.slice(i, i + BATCH))) {
      const tags = item.tags[anchor.id];
      const doc = prepareDocument(item.title, item.summary, new Map((tags?.entities ?? []).map((e) => [e.key, e.count])));
      if (!compiled.test(doc)) continue;
      const b = bucketIndex(bounds, item.publishedAt);
      if (b >= 0) counts[b]!++;
    }
  }
  return counts;
}
