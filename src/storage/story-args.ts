import * as crypto from 'node:crypto';

/** SHA-1 of a string: the one-shot crypto.hash where Node has it (half the cost of a Hash object per band). */
const sha1: (text: string) => Buffer =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha1', text, 'buffer') : (text) => crypto.createHash('sha1').update(text).digest();

/**
 * An item's bands as stored, end to end: per band its index and 7 bytes of a hash of its rows
 * (false matches are rejected on the full signature). A pipeline thread that finds the bands
 * packs them too, so the event loop neither receives 42 strings per item nor hashes them.
 */
export function packBands(bands: readonly string[]): Buffer {
  // Not from the shared pool: a pipeline thread packs them, and a pooled buffer would carry its whole slab across.
  const out = Buffer.allocUnsafeSlow(bands.length * 8);
  bands.forEach((band, i) => {
    sha1(band).copy(out, i * 8, 0, 8);
    out[i * 8] = Number(band.slice(1, band.indexOf(':')));
  });
  return out;
}

/** Item ids as the buckets hold them: 24 hex digits packed into 12 bytes ('' for any other id: never a candidate). */
function idBytes(id: string): Buffer {
  return /^[0-9a-f]{24}$/.test(id) ? Buffer.from(id, 'hex') : Buffer.alloc(0);
}

/**
 * The stored story signature: the low byte of each 32-bit MinHash value, one byte per
 * position (b-bit minwise hashing). Two different values agree by chance once in 256, so an
 * estimated similarity s reads s + (1 - s) / 256: at most 0.004 higher, next to the 0.4
 * threshold and the 0.125 that different stories reach at most; a quarter of the bytes.
 */
function storedSignature(sig: Buffer): Buffer {
  const out = Buffer.allocUnsafe(sig.length / 4);
  for (let i = 3, j = 0; i < sig.length; i += 4, j++) out[j] = sig[i]!;
  return out;
}

/** An item to put into a story: its signature (4 bytes per value) and its LSH bands, or the bands packed (packBands). */
export interface StoryEntry {
  itemId: string;
  publishedAt: number;
  signature: Buffer;
  bands: string[] | Buffer;
}

/** One item's arguments of the story script (ASSIGN_STORIES): id, its raw bytes, publication time, stored signature, bands. */
export function storyArgs(e: StoryEntry): Array<string | Buffer> {
  return [e.itemId, idBytes(e.itemId), String(e.publishedAt), storedSignature(e.signature), Buffer.isBuffer(e.bands) ? e.bands : packBands(e.bands)];
}
