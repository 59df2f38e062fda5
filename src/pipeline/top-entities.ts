import type { AnchorRecord } from '../model/anchor.ts';
import type { ItemStore } from '../storage/item-store.ts';

/** One entity's coverage in a range. */
export interface EntityCount {
  key: string;
  name: string;
  count: number;
}

/** An anchor's entities by the items that mention them published in [from, to), most covered first. */
export async function topEntities(anchor: AnchorRecord, range: { from: number; to: number }, limit: number, items: ItemStore): Promise<EntityCount[]> {
  const counted = await Promise.all(
    anchor.entities.map(async (e) => ({ key: e.key, name: e.name, count: await items.countEntity(anchor.id, e.key, range.from, range.to) })),
  );
  counted.sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  return counted.slice(0, limit);
}
