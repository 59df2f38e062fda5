/**
 * WebSub discovery (W3C WebSub §4): the hub and the self URL a feed names, from its HTTP
 * `Link` header or its document (`<atom:link rel="hub">` in Atom and RSS, `hubs` in JSON
 * Feed). The header wins, as the spec says. Pure.
 */

/** The hub a feed names and the topic URL to subscribe to (its self link); null where absent. */
export interface WebSubLinks {
  hub: string | null;
  self: string | null;
}

// Discovery links sit in the channel's head; no need to scan a large document.
const HEAD_BYTES = 64 * 1024;

function absolute(href: string, base: string): string | null {
  try {
    const url = new URL(href.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

function decodeXmlAttr(value: string): string {
  return value.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'");
}

/** rel values of the `Link` header (RFC 8288): `<url>; rel="hub self"`, several links comma-separated. */
function fromLinkHeader(header: string, base: string): WebSubLinks {
  const out: WebSubLinks = { hub: null, self: null };
  for (const m of header.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(m[2] ?? '');
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    const href = absolute(m[1]!, base);
    if (!href) continue;
    if (rels.includes('hub') && !out.hub) out.hub = href;
    if (rels.includes('self') && !out.self) out.self = href;
  }
  return out;
}

function fromXml(head: string, base: string): WebSubLinks {
  const out: WebSubLinks = { hub: null, self: null };
  // <link>, <atom:link>, <atom10:link>… with rel and href in any order; RSS's own <link>text</link> has no rel.
  for (const m of head.matchAll(/<(?:[\w-]+:)?link\b([^>]*)\/?>/gi)) {
    const attrs = m[1] ?? '';
    const rel = /\brel\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(attrs);
    const href = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(attrs);
    if (!rel || !href) continue;
    const rels = (rel[1] ?? rel[2] ?? '').toLowerCase().split(/\s+/);
    const url = absolute(decodeXmlAttr(href[1] ?? href[2] ?? ''), base);
    if (!url) continue;
    if (rels.includes('hub') && !out.hub) out.hub = url;
    if (rels.includes('self') && !out.self) out.self = url;
  }
  return out;
}

function fromJsonFeed(text: string, base: string): WebSubLinks {
  try {
    const doc = JSON.parse(text) as { feed_url?: unknown; hubs?: Array<{ type?: unknown; url?: unknown }> };
    const hub = Array.isArray(doc.hubs) ? doc.hubs.find((h) => typeof h?.url === 'string' && String(h.type ?? '').toLowerCase() === 'websub') : undefined;
    return {
      hub: hub ? absolute(String(hub.url), base) : null,
      self: typeof doc.feed_url === 'string' ? absolute(doc.feed_url, base) : null,
    };
  } catch {
    return { hub: null, self: null };
  }
}

/** The hub and self URL of a fetched feed: the Link header first, then the document. */
export function discoverWebSub(body: Buffer, linkHeader: string | null, baseUrl: string): WebSubLinks {
  const header = linkHeader ? fromLinkHeader(linkHeader, baseUrl) : { hub: null, self: null };
  const trimmed = body.subarray(0, 4).toString('latin1').trimStart();
  const doc = trimmed.startsWith('{') ? fromJsonFeed(body.toString('utf8'), baseUrl) : fromXml(body.subarray(0, HEAD_BYTES).toString('latin1'), baseUrl);
  // A header's hub comes with the header's self (the spec pairs them); the document fills what it lacks.
  return { hub: header.hub ?? doc.hub, self: header.hub ? (header.self ?? doc.self) : (doc.self ?? header.self) };
}
