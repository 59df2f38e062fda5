/** Bytes as ioredis sends them raw (it would stringify a plain Uint8Array, as one from a pipeline thread is). */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
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

/** An item to put into a story: its signature (4 bytes per value) and its LSH bands packed (8 bytes each: index, then 7 bytes of a hash of its rows). */
export interface StoryEntry {
  itemId: string;
  publishedAt: number;
  signature: Buffer;
  bands: Uint8Array;
}

/** One item's arguments of the story script (ASSIGN_STORIES): id, its raw bytes, publication time, stored signature, bands. */
export function storyArgs(e: StoryEntry): Array<string | Buffer> {
  return [e.itemId, idBytes(e.itemId), String(e.publishedAt), storedSignature(e.signature), asBuffer(e.bands)];
}
