import type { NormalizedItem } from '../model/item.ts';
import { asBuffer, encodeNewItem, packRecords, type PackedRecords } from './item-codec.ts';

/**
 * The records of a slot group as STORE_ITEMS takes them: their end offsets and their bytes end to
 * end. A run of the thread's packed records (every group on a plain Redis) is sent as the view
 * it is, without a copy; otherwise (a cluster's slot groups, records encoded here) they are joined.
 */
export function recordArgs(group: number[], items: NormalizedItem[], feedId: string, now: number, packed: PackedRecords | null, bytes: Buffer | null): [string, Buffer] {
  if (packed && bytes) {
    const first = group[0]!;
    const base = first === 0 ? 0 : packed.ends[first - 1]!;
    const contiguous = group.every((i, j) => i === first + j);
    if (contiguous) {
      const ends = group.map((i) => packed.ends[i]! - base);
      return [ends.join(','), bytes.subarray(base, packed.ends[group[group.length - 1]!]!)];
    }
    const parts = group.map((i) => bytes.subarray(i === 0 ? 0 : packed.ends[i - 1]!, packed.ends[i]!));
    return joinRecords(parts);
  }
  return joinRecords(group.map((i) => encodeNewItem(items[i]!, feedId, now)));
}

function joinRecords(parts: Buffer[]): [string, Buffer] {
  const { bytes, ends } = packRecords(parts);
  return [ends.join(','), asBuffer(bytes)];
}
