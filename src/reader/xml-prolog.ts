/**
 * What comes before an XML document's root element (declaration, comments, processing
 * instructions, DOCTYPE), read by hand: format detection and XML hygiene both need it
 * before any parser runs.
 */

/** What the prolog scan learned about the document. */
export interface Prolog {
  /** The XML declaration, kept so the parser still sees the version. */
  declaration: string;
  doctype: string | null;
  rootName: string | null;
  /** Offset of the root element's `<`. */
  rootStart: number;
}

/** A prolog followed by a root element. */
export type RootedProlog = Prolog & { rootName: string };

/** End offset of a `<!DOCTYPE …>` starting at `start`, honouring quotes and the internal subset. */
function doctypeEnd(text: string, start: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = start + 2; i < text.length; i += 1) {
    const c = text[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth += 1;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === '>' && depth === 0) return i + 1;
  }
  return -1;
}

/** Walks the prolog: XML declaration, comments, processing instructions, DOCTYPE, up to the root element. */
export function scanProlog(text: string): Prolog {
  let pos = 0;
  let declaration = '';
  let doctype: string | null = null;
  for (;;) {
    while (pos < text.length && /\s/.test(text[pos] ?? '')) pos += 1;
    if (text.startsWith('<?', pos)) {
      const end = text.indexOf('?>', pos);
      if (end === -1) break;
      if (/^<\?xml\s/.test(text.slice(pos, pos + 6)) && declaration === '') declaration = text.slice(pos, end + 2);
      pos = end + 2;
    } else if (text.startsWith('<!--', pos)) {
      const end = text.indexOf('-->', pos + 4);
      if (end === -1) break;
      pos = end + 3;
    } else if (/^<!doctype/i.test(text.slice(pos, pos + 9))) {
      const end = doctypeEnd(text, pos);
      if (end === -1) {
        doctype = text.slice(pos);
        pos = text.length;
        break;
      }
      doctype = text.slice(pos, end);
      pos = end;
    } else {
      break;
    }
  }
  const root = /^<([A-Za-z_][\w.:-]*)/.exec(text.slice(pos, pos + 200));
  return { declaration, doctype, rootName: root?.[1] ?? null, rootStart: pos };
}

/** The local part of a qualified XML name (`atom:feed` → `feed`). */
export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/** The `xmlns:prefix` declarations on the root start tag beginning at `rootStart`. */
export function rootNamespaces(text: string, rootStart: number): Map<string, string> {
  const end = text.indexOf('>', rootStart);
  const tag = text.slice(rootStart, end === -1 ? rootStart + 4096 : end);
  const found = new Map<string, string>();
  for (const match of tag.matchAll(/\sxmlns:([\w.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    found.set(match[1] ?? '', (match[2] ?? match[3] ?? '').trim());
  }
  return found;
}
