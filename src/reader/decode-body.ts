/**
 * Bytes to text for a fetched feed. Runs before the XML parser, which only
 * ever sees a JavaScript string: every charset decision is made here.
 */
import iconv from 'iconv-lite';

type Utf16 = 'utf-16le' | 'utf-16be';

/** How far into the body the XML declaration is looked for (leading comments included). */
const PROLOG_SNIFF_BYTES = 4096;

/**
 * Labels that browsers (WHATWG Encoding Standard) decode with a superset: a
 * server that says ISO-8859-1 or US-ASCII almost always sends windows-1252
 * curly quotes and euro signs in 0x80–0x9F, and GB2312/EUC-KR/Shift_JIS/Big5
 * pages use the vendor extensions.
 */
const LABEL_ALIASES: Record<string, string> = {
  'iso-8859-1': 'windows-1252',
  iso8859_1: 'windows-1252',
  'iso8859-1': 'windows-1252',
  'iso_8859-1': 'windows-1252',
  'iso_8859-1:1987': 'windows-1252',
  'iso-ir-100': 'windows-1252',
  latin1: 'windows-1252',
  'latin-1': 'windows-1252',
  l1: 'windows-1252',
  cp819: 'windows-1252',
  ibm819: 'windows-1252',
  csisolatin1: 'windows-1252',
  'us-ascii': 'windows-1252',
  ascii: 'windows-1252',
  'ansi_x3.4-1968': 'windows-1252',
  'x-cp1252': 'windows-1252',
  cp1252: 'windows-1252',
  'iso-8859-9': 'windows-1254',
  latin5: 'windows-1254',
  'iso-8859-11': 'windows-874',
  'tis-620': 'windows-874',
  gb2312: 'gbk',
  csgb2312: 'gbk',
  'x-gbk': 'gbk',
  chinese: 'gbk',
  'euc-kr': 'cp949',
  euckr: 'cp949',
  'ks_c_5601-1987': 'cp949',
  'windows-949': 'cp949',
  shift_jis: 'cp932',
  'shift-jis': 'cp932',
  sjis: 'cp932',
  'x-sjis': 'cp932',
  ms_kanji: 'cp932',
  'windows-31j': 'cp932',
  big5: 'big5hkscs',
  'big5-hkscs': 'big5hkscs',
  'x-x-big5': 'big5hkscs',
};

const UTF8_LABELS = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8', 'x-unicode20utf8', 'unicode20utf8']);
const UTF16_LABELS = new Set(['utf-16', 'utf16', 'unicode', 'ucs-2', 'ucs2', 'iso-10646-ucs-2', 'csunicode']);

/** Reads the `charset` parameter of a Content-Type value, quoted or not. */
function charsetFromContentType(contentType: string | null): string | null {
  if (!contentType) return null;
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^;\s]*))/i.exec(contentType);
  const label = match?.[1] ?? match?.[2] ?? match?.[3] ?? '';
  return label.trim() === '' ? null : label.trim();
}

/** Index of the first character after leading whitespace and complete comments. */
function skipLeadingComments(text: string): number {
  let pos = 0;
  for (;;) {
    while (pos < text.length && /\s/.test(text[pos] ?? '')) pos += 1;
    if (!text.startsWith('<!--', pos)) return pos;
    const end = text.indexOf('-->', pos + 4);
    if (end === -1) return pos;
    pos = end + 3;
  }
}

/** The encoding pseudo-attribute of an XML declaration at the start of `text`, if any. */
function prologEncoding(text: string): string | null {
  const start = skipLeadingComments(text);
  if (!text.startsWith('<?xml', start)) return null;
  const end = text.indexOf('?>', start);
  const decl = text.slice(start, end === -1 ? undefined : end);
  const match = /\sencoding\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(decl);
  const label = match?.[1] ?? match?.[2] ?? '';
  return label.trim() === '' ? null : label.trim();
}

/** Byte order of a UTF-16 body without BOM, told by where the zero byte of `<` falls. */
function sniffUtf16(body: Buffer): Utf16 | null {
  if (body.length < 4) return null;
  if (body[0] === 0x3c && body[1] === 0x00 && body[2] !== 0x00 && body[3] === 0x00) return 'utf-16le';
  if (body[0] === 0x00 && body[1] === 0x3c && body[2] === 0x00 && body[3] !== 0x00) return 'utf-16be';
  return null;
}

/**
 * Maps a declared label to an iconv-lite codec name, or null when unknown.
 * `utf16Hint` decides the byte order of a bare "UTF-16" label.
 */
function resolveLabel(label: string, utf16Hint: Utf16): string | null {
  const key = label.trim().toLowerCase();
  if (UTF8_LABELS.has(key)) return 'utf-8';
  if (UTF16_LABELS.has(key)) return utf16Hint;
  if (key === 'utf-16le' || key === 'utf-16be') return key;
  const alias = LABEL_ALIASES[key] ?? LABEL_ALIASES[key.replace(/_/g, '-')];
  if (alias) return alias;
  return iconv.encodingExists(key) ? key : null;
}

/** The charset to decode with, and how many leading bytes are a byte order mark. */
function chooseCharset(body: Buffer, contentType: string | null): { charset: string; bomLength: number } {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return { charset: 'utf-8', bomLength: 3 };
  if (body[0] === 0xff && body[1] === 0xfe) return { charset: 'utf-16le', bomLength: 2 };
  if (body[0] === 0xfe && body[1] === 0xff) return { charset: 'utf-16be', bomLength: 2 };

  const utf16 = sniffUtf16(body);
  const header = charsetFromContentType(contentType);
  // An unknown header label says nothing useful: the prolog, then UTF-8, decide instead.
  const fromHeader = header === null ? null : resolveLabel(header, utf16 ?? 'utf-16le');
  if (fromHeader !== null) return { charset: fromHeader, bomLength: 0 };

  if (utf16 !== null) {
    // A UTF-16 prolog without BOM: its own byte order is the only trustworthy answer.
    return { charset: utf16, bomLength: 0 };
  }
  const head = body.subarray(0, PROLOG_SNIFF_BYTES).toString('latin1');
  const declared = prologEncoding(head);
  if (declared !== null) {
    const fromProlog = resolveLabel(declared, 'utf-16le');
    // The prolog was readable as ASCII, so the body cannot really be UTF-16 (WHATWG: treat as UTF-8).
    if (fromProlog === 'utf-16le' || fromProlog === 'utf-16be') return { charset: 'utf-8', bomLength: 0 };
    if (fromProlog !== null) return { charset: fromProlog, bomLength: 0 };
  }
  return { charset: 'utf-8', bomLength: 0 };
}

/**
 * Drops the encoding pseudo-attribute of the XML declaration: the text is
 * already decoded, and a parser that honoured the old label would decode twice.
 */
function removePrologEncoding(text: string): string {
  const start = skipLeadingComments(text);
  if (!text.startsWith('<?xml', start)) return text;
  const end = text.indexOf('?>', start);
  if (end === -1) return text;
  const decl = text.slice(start, end);
  const cleaned = decl.replace(/\s+encoding\s*=\s*(?:"[^"]*"|'[^']*')/, '');
  return cleaned === decl ? text : text.slice(0, start) + cleaned + text.slice(end);
}

/**
 * Decodes a feed body. Charset precedence: BOM, then the Content-Type charset,
 * then the XML declaration (UTF-16 without BOM sniffed), then UTF-8. Unknown
 * labels are skipped, never thrown; the BOM and the declared encoding are removed.
 */
export function decodeBody(body: Buffer, contentType: string | null): string {
  const { charset, bomLength } = chooseCharset(body, contentType);
  const bytes = body.subarray(bomLength);
  let text = charset === 'utf-8' ? bytes.toString('utf8') : iconv.decode(bytes, charset, { stripBOM: true });
  // A BOM of a different charset than the one declared still shows up as U+FEFF.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return removePrologEncoding(text);
}
