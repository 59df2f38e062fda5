import { asBuffer } from './item-codec.ts';
import { listedId } from './listed-id.ts';

const HEX_ID = /^[0-9a-f]{24}$/;

/**
 * Writes the stored story signature at `at` (returns the offset after it): the low byte of each
 * 32-bit MinHash value, one byte per position (b-bit minwise hashing). Two different values agree by chance once in 256, so an
 * estimated similarity s reads s + (1 - s) / 256: at most 0.004 higher, next to the 0.4
 * threshold and the 0.125 that different stories reach at most; a quarter of the bytes.
 */
function writeStoredSignature(sig: Buffer, out: Buffer, at: number): number {
  for (let i = 3; i < sig.length; i += 4) out[at++] = sig[i]!;
  return at;
}

/** An item to put into a story: its signature (4 bytes per value) and its LSH bands packed (8 bytes each: index, then 7 bytes of a hash of its rows). */
export interface StoryEntry {
  itemId: string;
  publishedAt: number;
  signature: Buffer;
  bands: Uint8Array;
}

/**
 * The per-item arguments of the story script (ASSIGN_STORIES) for a batch: ids, publication
 * times, per item the lengths of its raw id, stored signature and bands, then those bytes end to
 * end in one Buffer, written in place (no Buffer per item to collect).
 */
export function storyArgs(entries: readonly StoryEntry[]): [string, string, string, Buffer] {
  const lengths: number[] = [];
  let total = 0;
  for (const e of entries) {
    const idLength = HEX_ID.test(e.itemId) ? 12 : 0;
    const sigLength = Math.floor(e.signature.length / 4);
    lengths.push(idLength, sigLength, e.bands.byteLength);
    total += idLength + sigLength + e.bands.byteLength;
  }
  const bytes = Buffer.allocUnsafe(total);
  let at = 0;
  entries.forEach((e, k) => {
    if (lengths[3 * k] === 12) at += bytes.write(e.itemId, at, 12, 'hex');
    at = writeStoredSignature(e.signature, bytes, at);
    at += asBuffer(e.bands).copy(bytes, at);
  });
  return [entries.map((e) => listedId(e.itemId)).join(','), entries.map((e) => e.publishedAt).join(','), lengths.join(','), bytes];
}
