import { Parser } from 'htmlparser2';
import { AppError, ErrorCodes } from '../errors.ts';

/** One feed subscription from an OPML outline. */
export interface OpmlFeed {
  url: string;
  title: string | null;
  /** The site's own page (`htmlUrl`), when it is an http(s) URL. */
  htmlUrl?: string | null;
  /** The folder path, segments joined by "/" ("News/World"); null outside any folder. */
  category?: string | null;
}

/** A folder name or category kept at most this long; a path at most this deep. */
const MAX_SEGMENT_CHARS = 200;
const MAX_DEPTH = 8;
const MAX_URL_CHARS = 2048;
const MAX_TITLE_CHARS = 300;

/** An http(s) URL that is safe to hand to a reader, else null (a `javascript:` htmlUrl is dropped). */
export function httpUrlOrNull(value: string | undefined): string | null {
  const text = value?.trim();
  if (!text || text.length > MAX_URL_CHARS) return null;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Path segments of one folder name or category string, trimmed and bounded. */
function segmentsOf(path: string): string[] {
  return path
    .split('/')
    .map((s) => s.trim().slice(0, MAX_SEGMENT_CHARS))
    .filter(Boolean);
}

/** A category as stored: "/News/ World/" becomes "News/World"; null when nothing is left. */
export function normalizeCategory(path: string): string | null {
  const segments = segmentsOf(path).slice(0, MAX_DEPTH);
  return segments.length > 0 ? segments.join('/') : null;
}

/** The first of OPML 2.0's comma-separated, slash-delimited categories ("/News/World,/Tech") as a path. */
function categoryAttribute(value: string | undefined): string[] {
  const first = value?.split(',').find((c) => c.trim() !== '');
  return first ? segmentsOf(first) : [];
}

/** The folder path of a feed: its enclosing folders, else its own `category` attribute; null when neither. */
function categoryOf(folders: string[], attribute: string | undefined): string | null {
  const path = (folders.length > 0 ? folders.flatMap(segmentsOf) : categoryAttribute(attribute)).slice(0, MAX_DEPTH);
  return path.length > 0 ? path.join('/') : null;
}

/**
 * Reads the feed outlines (any depth) of an OPML document with their folder path and site
 * URL, as FreshRSS, Feedly, Inoreader and others write them; 400-class error when it is not OPML.
 */
export function parseOpml(text: string): OpmlFeed[] {
  const feeds: OpmlFeed[] = [];
  let sawOpml = false;
  // One entry per open <outline>: its folder name, or null for a feed outline (which may nest too).
  const open: Array<string | null> = [];
  // htmlparser2 in XML mode never expands DTD entities, so a hostile OPML cannot blow up.
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        const tag = name.toLowerCase();
        if (tag === 'opml') sawOpml = true;
        if (tag !== 'outline') return;
        const url = attrs.xmlUrl ?? attrs.xmlurl ?? attrs.url;
        const label = (attrs.title ?? attrs.text)?.trim().slice(0, MAX_TITLE_CHARS) || null;
        if (!url) {
          open.push(label ?? '');
          return;
        }
        open.push(null);
        const folders = open.filter((f): f is string => f !== null && f !== '');
        feeds.push({
          url: url.trim(),
          title: label,
          htmlUrl: httpUrlOrNull(attrs.htmlUrl ?? attrs.htmlurl),
          category: categoryOf(folders, attrs.category),
        });
      },
      onclosetag(name) {
        if (name.toLowerCase() === 'outline') open.pop();
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(text);
  parser.end();
  if (!sawOpml) throw new AppError(ErrorCodes.validation, 'The body is not an OPML document (no <opml> element).');
  return feeds;
}

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A folder of the export: its feeds, then its sub-folders in first-seen order. */
interface Folder {
  feeds: OpmlFeed[];
  folders: Map<string, Folder>;
}

function feedOutline(feed: OpmlFeed, indent: string): string {
  const name = escapeXml(feed.title ?? feed.url);
  const attrs = [`type="rss"`, `text="${name}"`, `title="${name}"`, `xmlUrl="${escapeXml(feed.url)}"`];
  if (feed.htmlUrl) attrs.push(`htmlUrl="${escapeXml(feed.htmlUrl)}"`);
  if (feed.category) attrs.push(`category="${escapeXml(`/${feed.category}`)}"`);
  return `${indent}<outline ${attrs.join(' ')}/>`;
}

function renderFolder(folder: Folder, indent: string): string[] {
  const lines = folder.feeds.map((f) => feedOutline(f, indent));
  for (const [name, sub] of folder.folders) {
    const label = escapeXml(name);
    lines.push(`${indent}<outline text="${label}" title="${label}">`, ...renderFolder(sub, `${indent}  `), `${indent}</outline>`);
  }
  return lines;
}

/** The document's head: its title, creation time and the instance it came from. */
export interface OpmlHead {
  title: string;
  now: Date;
  /** The dashboard of this instance (from PUBLIC_URL), as OPML's `ownerId`. */
  ownerUrl: string;
}

/**
 * An OPML 2.0 document listing the feeds: each category a nested folder outline (as readers
 * import them) and, for readers that read OPML 2.0 categories, a `category` attribute too.
 */
export function buildOpml(feeds: OpmlFeed[], head: OpmlHead): string {
  const root: Folder = { feeds: [], folders: new Map() };
  for (const feed of feeds) {
    let folder = root;
    for (const segment of feed.category ? segmentsOf(feed.category) : []) {
      let sub = folder.folders.get(segment);
      if (!sub) folder.folders.set(segment, (sub = { feeds: [], folders: new Map() }));
      folder = sub;
    }
    folder.feeds.push(feed);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head>
    <title>${escapeXml(head.title)}</title>
    <dateCreated>${head.now.toUTCString()}</dateCreated>
    <ownerId>${escapeXml(head.ownerUrl)}</ownerId>
    <docs>http://opml.org/spec2.opml</docs>
  </head>
  <body>
${renderFolder(root, '    ').join('\n')}
  </body>
</opml>
`;
}
