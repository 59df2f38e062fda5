/**
 * The stored form of an item: one Redis STRING holding one MessagePack array, read and
 * rewritten in place by the item scripts (Lua's cmsgpack) and decoded here.
 *
 * Why one string and not a hash: Redis keeps a small hash compact (listpack) only while every
 * value is at most `hash-max-listpack-value` (64 bytes by default); an item's summary is
 * always longer, so the hash became a full hashtable costing about 80 bytes of overhead per
 * field. One string costs one allocation, whatever the server's configuration.
 *
 * Why a hand-written MessagePack subset and not a library: Lua's cmsgpack (the only codec a
 * Redis script has) knows no `bin` type, so binary fields (the deflated body, the story
 * signature) must travel as `str`, and must be decoded here as bytes, not as UTF-8 text. The
 * subset is exactly what cmsgpack reads and writes: nil, booleans, integers, floats, str,
 * arrays and maps.
 *
 * The record (1-based positions, as the Lua scripts index it):
 *   1 format (1)            2 feedId           3 link ('' when none)
 *   4 body encoding (0 plain, 1 deflate-raw)   5 UTF-8 bytes of the title
 *   6 body: title then summary, UTF-8, possibly deflated
 *   7 author ('')           8 hasPublishedDate 9 publishedAt ms     10 firstSeenAt ms
 *  11 the other feeds that carried it: feedId → link (the first is 2 → 3)
 *  12 fullText             13 story leader id ('' until clustered)
 *  14 tags: anchorId → [version, relevant, [[entityKey, count]...], score, why | false, judged | 0],
 *     why = [threshold, [[kind (index in EVIDENCE_KINDS), name, weight]...]]
 *  15 story signature ('' until clustered)
 * No field is ever nil: a hole in a Lua array would turn it into a map when a script re-packs it.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { NormalizedItem, StoredItem } from '../model/item.ts';
import type { Evidence } from '../model/story.ts';
import type { ItemTags } from '../model/tags.ts';

/** The record's format number (position 1). */
export const ITEM_FORMAT = 1;
/** 1-based positions in the record, as the Lua scripts use them. */
export const ITEM_FIELD = Object.freeze({ feedId: 2, link: 3, publishedAt: 9, sources: 11, fullText: 12, story: 13, tags: 14, signature: 15 });

/** Evidence kinds stored as their index here (one byte instead of the word); a kind not listed is stored as its name. */
const EVIDENCE_KINDS: ReadonlyArray<Evidence['kind']> = ['entity', 'term', 'feedback', 'scope'];

/** Bodies shorter than this are stored as they are: deflate gains nothing on a headline. */
const DEFLATE_MIN_BYTES = 160;
/**
 * Each deflate call sets up a fresh stream, and its cost is mostly that setup: an 8 KiB window
 * and a 16 K-entry hash (memLevel 7) instead of zlib's 32 KiB and 32 K cost ~10 % less per
 * item (17.2 -> 15.8 us on a 120-word item) at the same size, since a body is a few KiB at most.
 * The stream stays plain raw deflate: any inflate reads it, and records written with zlib's
 * defaults read the same (no format change).
 */
const DEFLATE_OPTIONS = Object.freeze({ level: 1, windowBits: 13, memLevel: 7 });

type Value = null | boolean | number | string | Buffer | Value[] | { [k: string]: Value };

// ---- MessagePack subset ------------------------------------------------------------------

class Writer {
  private buf = Buffer.allocUnsafe(1024);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  private byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  private header(small: number, smallMax: number, c8: number | null, c16: number, c32: number, n: number): void {
    if (n <= smallMax) return this.byte(small | n);
    this.room(5);
    if (c8 !== null && n < 0x100) {
      this.buf[this.at++] = c8;
      this.buf[this.at++] = n;
    } else if (n < 0x10000) {
      this.buf[this.at++] = c16;
      this.buf.writeUInt16BE(n, this.at);
      this.at += 2;
    } else {
      this.buf[this.at++] = c32;
      this.buf.writeUInt32BE(n, this.at);
      this.at += 4;
    }
  }

  private bytes(b: Buffer): void {
    this.header(0xa0, 31, 0xd9, 0xda, 0xdb, b.length);
    this.room(b.length);
    b.copy(this.buf, this.at);
    this.at += b.length;
  }

  /** A string as `str`, written in place (no Buffer of its own to collect). */
  private text(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.header(0xa0, 31, 0xd9, 0xda, 0xdb, n);
    this.room(n);
    this.at += this.buf.write(s, this.at, 'utf8');
  }

  private number(n: number): void {
    this.room(9);
    if (Number.isSafeInteger(n)) {
      if (n >= 0 && n < 0x80) this.buf[this.at++] = n;
      else if (n < 0 && n >= -32) this.buf[this.at++] = n & 0xff;
      else if (n >= 0 && n < 0x100000000) {
        this.buf[this.at++] = 0xce;
        this.buf.writeUInt32BE(n, this.at);
        this.at += 4;
      } else {
        this.buf[this.at++] = 0xd3;
        this.buf.writeBigInt64BE(BigInt(n), this.at);
        this.at += 8;
      }
      return;
    }
    this.buf[this.at++] = 0xcb;
    this.buf.writeDoubleBE(n, this.at);
    this.at += 8;
  }

  value(v: Value): void {
    if (v === null) return this.byte(0xc0);
    if (v === false) return this.byte(0xc2);
    if (v === true) return this.byte(0xc3);
    if (typeof v === 'number') return this.number(v);
    if (typeof v === 'string') return this.text(v);
    if (Buffer.isBuffer(v)) return this.bytes(v);
    if (Array.isArray(v)) {
      this.header(0x90, 15, null, 0xdc, 0xdd, v.length);
      for (const x of v) this.value(x);
      return;
    }
    const entries = Object.entries(v);
    this.header(0x80, 15, null, 0xde, 0xdf, entries.length);
    for (const [k, x] of entries) {
      this.value(k);
      this.value(x);
    }
  }

  done(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}

/** Encodes a value in the MessagePack subset cmsgpack reads (strings and Buffers both as `str`). */
export function packValue(v: Value): Buffer {
  const w = new Writer();
  w.value(v);
  return w.done();
}

class Reader {
  at = 0;
  constructor(
    private readonly buf: Buffer,
    /** Every string value as bytes, as a Lua script sees it (map keys stay text). */
    private readonly allBytes = false,
  ) {}

  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new Error('item record truncated');
  }

  private str(n: number, asBytes: boolean): string | Buffer {
    this.need(n);
    const start = this.at;
    this.at += n;
    return asBytes || this.allBytes ? this.buf.subarray(start, start + n) : this.buf.toString('utf8', start, start + n);
  }

  private list(n: number): Value[] {
    const out: Value[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.value();
    return out;
  }

  private map(n: number): { [k: string]: Value } {
    const out: { [k: string]: Value } = {};
    for (let i = 0; i < n; i++) {
      const k = this.value();
      out[Buffer.isBuffer(k) ? k.toString('utf8') : String(k)] = this.value();
    }
    return out;
  }

  /** One value; strings as text, or as bytes when `asBytes`. */
  value(asBytes = false): Value {
    this.need(1);
    const b = this.buf[this.at++]!;
    if (b < 0x80) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b >= 0xa0 && b <= 0xbf) return this.str(b & 0x1f, asBytes);
    if (b >= 0x90 && b <= 0x9f) return this.list(b & 0x0f);
    if (b >= 0x80 && b <= 0x8f) return this.map(b & 0x0f);
    const buf = this.buf;
    const read = <T>(n: number, f: (at: number) => T): T => {
      this.need(n);
      const v = f(this.at);
      this.at += n;
      return v;
    };
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xca:
        return read(4, (a) => buf.readFloatBE(a));
      case 0xcb:
        return read(8, (a) => buf.readDoubleBE(a));
      case 0xcc:
        return read(1, (a) => buf.readUInt8(a));
      case 0xcd:
        return read(2, (a) => buf.readUInt16BE(a));
      case 0xce:
        return read(4, (a) => buf.readUInt32BE(a));
      case 0xcf:
        return read(8, (a) => Number(buf.readBigUInt64BE(a)));
      case 0xd0:
        return read(1, (a) => buf.readInt8(a));
      case 0xd1:
        return read(2, (a) => buf.readInt16BE(a));
      case 0xd2:
        return read(4, (a) => buf.readInt32BE(a));
      case 0xd3:
        return read(8, (a) => Number(buf.readBigInt64BE(a)));
      case 0xd9:
      case 0xc4:
        return this.str(read(1, (a) => buf.readUInt8(a)), asBytes);
      case 0xda:
      case 0xc5:
        return this.str(read(2, (a) => buf.readUInt16BE(a)), asBytes);
      case 0xdb:
      case 0xc6:
        return this.str(read(4, (a) => buf.readUInt32BE(a)), asBytes);
      case 0xdc:
        return this.list(read(2, (a) => buf.readUInt16BE(a)));
      case 0xdd:
        return this.list(read(4, (a) => buf.readUInt32BE(a)));
      case 0xde:
        return this.map(read(2, (a) => buf.readUInt16BE(a)));
      case 0xdf:
        return this.map(read(4, (a) => buf.readUInt32BE(a)));
      default:
        throw new Error(`item record: unsupported MessagePack byte 0x${b.toString(16)}`);
    }
  }

  /** The header of an array: its length. */
  arrayLength(): number {
    this.need(1);
    const b = this.buf[this.at++]!;
    if (b >= 0x90 && b <= 0x9f) return b & 0x0f;
    if (b === 0xdc) {
      this.need(2);
      this.at += 2;
      return this.buf.readUInt16BE(this.at - 2);
    }
    throw new Error('item record: not an array');
  }
}

/** Decodes one value of the subset: strings as text, or all as bytes (`asBytes`: what a script holds). */
export function unpackValue(buf: Buffer, asBytes = false): Value {
  return new Reader(buf, asBytes).value();
}

// ---- the item record -----------------------------------------------------------------------

/** A map as cmsgpack hands it back: an empty Lua table is packed as an empty array. */
function asMap(v: Value): { [k: string]: Value } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v) ? v : {};
}

/** The record of a new item, as the ingest script stores it. */
export function encodeNewItem(item: NormalizedItem, feedId: string, firstSeenAt: number): Buffer {
  const title = Buffer.from(item.title, 'utf8');
  const plain = Buffer.concat([title, Buffer.from(item.summary, 'utf8')]);
  let encoding = 0;
  let body = plain;
  if (plain.length >= DEFLATE_MIN_BYTES) {
    const deflated = deflateRawSync(plain, DEFLATE_OPTIONS);
    if (deflated.length < plain.length) {
      encoding = 1;
      body = deflated;
    }
  }
  return packValue([
    ITEM_FORMAT,
    feedId,
    item.link ?? '',
    encoding,
    title.length,
    body,
    item.author ?? '',
    item.hasPublishedDate,
    item.publishedAt,
    firstSeenAt,
    [],
    false,
    '',
    [],
    '',
  ]);
}

/**
 * The records of a document's items packed into one buffer of their own, as a pipeline thread
 * hands them to the event loop: one copy across the thread boundary (a record is a view into
 * a shared slab, which would carry the whole slab), and the deflate runs off the loop.
 */
export interface PackedRecords {
  bytes: Uint8Array;
  /** End offset of each record in `bytes`, in the items' order. */
  ends: number[];
}

/** encodeNewItem for each item, packed (see PackedRecords). */
export function encodeNewItems(items: readonly NormalizedItem[], feedId: string, firstSeenAt: number): PackedRecords {
  return packRecords(items.map((item) => encodeNewItem(item, feedId, firstSeenAt)));
}

/** Encoded values (records, tags) packed into one buffer of their own (see PackedRecords). */
export function packRecords(records: readonly Buffer[]): PackedRecords {
  const ends: number[] = [];
  let at = 0;
  for (const r of records) ends.push((at += r.length));
  // Not from the shared pool: a pooled buffer would carry its whole slab across.
  const bytes = Buffer.alloc(at);
  at = 0;
  for (const r of records) at += r.copy(bytes, at);
  return { bytes, ends };
}

/** Bytes as ioredis sends them raw (it would stringify a plain Uint8Array, as one from a pipeline thread is). */
export function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** The records of PackedRecords, each a view into its bytes. */
export function unpackRecords(packed: PackedRecords): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (const end of packed.ends) {
    out.push(Buffer.from(packed.bytes.buffer, packed.bytes.byteOffset + start, end - start));
    start = end;
  }
  return out;
}

/** One anchor's tags as the tag script stores them (position 14's value). */
export function encodeTags(tags: ItemTags): Buffer {
  return packValue([
    tags.version,
    tags.relevant,
    tags.entities.map((e) => [e.key, e.count]),
    tags.score,
    tags.why ? [tags.why.threshold, tags.why.evidence.map((v) => [EVIDENCE_KINDS.includes(v.kind) ? EVIDENCE_KINDS.indexOf(v.kind) : v.kind, v.name, v.weight])] : false,
    typeof tags.judged === 'boolean' ? tags.judged : 0,
  ]);
}

function decodeTags(v: Value): ItemTags {
  const [version, relevant, entities, score, why, judged] = v as [number, boolean, Array<[string, number]>, number, false | [number, Array<[Evidence['kind'] | number, string, number]>], boolean | 0];
  return {
    entities: (entities ?? []).map(([key, count]) => ({ key: String(key), count })),
    score,
    relevant: relevant === true,
    version,
    ...(why ? { why: { threshold: why[0], evidence: why[1].map(([kind, name, weight]) => ({ kind: typeof kind === 'number' ? EVIDENCE_KINDS[kind]! : kind, name: String(name), weight })) } } : {}),
    judged: typeof judged === 'boolean' ? judged : null,
  };
}

/** What retention needs of a record: its score, the feeds and anchors that list it, its story leader ('' for none). */
export function decodeIndexEntries(raw: Buffer): { publishedAt: number; feeds: string[]; anchors: string[]; story: string } | null {
  if (raw.length === 0 || (raw[0]! & 0xf0) !== 0x90) return null;
  const fields = unpackValue(raw, true) as Value[];
  if (fields[0] !== ITEM_FORMAT || fields.length < 14) return null;
  const text = (v: Value) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
  return {
    publishedAt: fields[ITEM_FIELD.publishedAt - 1] as number,
    feeds: [text(fields[ITEM_FIELD.feedId - 1]!), ...Object.keys(asMap(fields[ITEM_FIELD.sources - 1] ?? null))],
    anchors: Object.keys(asMap(fields[ITEM_FIELD.tags - 1] ?? null)),
    story: text(fields[ITEM_FIELD.story - 1] ?? ''),
  };
}

/** Decodes a stored record into the item; null when it is not a record of a known format. */
export function decodeItem(id: string, raw: Buffer): StoredItem | null {
  if (raw.length === 0 || (raw[0]! & 0xf0) !== 0x90) return null;
  const r = new Reader(raw);
  const n = r.arrayLength();
  if (n < 14) return null;
  const fields: Value[] = new Array(n);
  for (let i = 0; i < n; i++) fields[i] = r.value(i === 5 || i === 14);
  if (fields[0] !== ITEM_FORMAT) return null;
  const [, feedId, link, encoding, titleBytes, body, author, hasPublishedDate, publishedAt, firstSeenAt, others, fullText, , tagMap] = fields;
  const plain = encoding === 1 ? inflateRawSync(body as Buffer) : (body as Buffer);
  const sources: Record<string, string> = { [String(feedId)]: String(link) };
  for (const [f, l] of Object.entries(asMap(others ?? null))) sources[f] = String(l);
  const tags: Record<string, ItemTags> = {};
  for (const [anchorId, t] of Object.entries(asMap(tagMap ?? null))) tags[anchorId] = decodeTags(t);
  return {
    id,
    feedId: String(feedId),
    link: link ? String(link) : null,
    title: plain.toString('utf8', 0, titleBytes as number),
    summary: plain.toString('utf8', titleBytes as number),
    author: author ? String(author) : null,
    publishedAt: publishedAt as number,
    hasPublishedDate: hasPublishedDate === true,
    firstSeenAt: firstSeenAt as number,
    fullText: fullText === true,
    sources,
    tags,
  };
}
