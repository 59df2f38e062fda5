/** Shapes that flow through the reader: parse → normalize → store. */

/** One entry as the parser found it, before any cleaning. Every field may be missing. */
export interface ParsedItem {
  title: string | null;
  link: string | null;
  guid: string | null;
  /** Summary or description, HTML or text as the feed gave it. */
  summaryHtml: string | null;
  /** Full content where the feed has it (content:encoded, atom:content, content_html). */
  contentHtml: string | null;
  /** The date string as found (pubDate, published, updated, dc:date, date_published). */
  published: string | null;
  author: string | null;
}

/** A feed document after parsing, before normalising. */
export interface ParsedFeed {
  format: 'rss' | 'atom' | 'rdf' | 'json';
  title: string | null;
  /** The site link of the feed (not the feed's own URL). */
  link: string | null;
  /** RSS <ttl> in seconds, when given. */
  ttlSeconds: number | null;
  /** The items read, at most `ItemLimits.maxItems` of them: the newest. */
  items: ParsedItem[];
  /** The document's items that were left out by that cap. */
  omitted: OmittedItems;
}

/** The XML feed formats, each read by its module under formats/. */
export type XmlFeedFormat = Exclude<ParsedFeed['format'], 'json'>;

/** How many items one document may give, and which count as too old. */
export interface ItemLimits {
  /** Items read from one document at most: the newest by publication time, ties in document order. */
  maxItems: number;
  /** Epoch ms of the read: an undated or future-dated item counts as published then, as normalising makes it. */
  now: number;
  /** Items published before this are too old (the retention window); null when none is. */
  notBefore: number | null;
}

/** Items of a document beyond the cap: never parsed into items, only counted. */
export interface OmittedItems {
  count: number;
  /** How many of them were published before `ItemLimits.notBefore`. */
  tooOld: number;
}

/** Cache advice from the response, used by the scheduler to stay polite. */
export interface CacheHints {
  /** Cache-Control max-age (or s-maxage) in seconds. */
  maxAgeSeconds: number | null;
  /** Expires header as epoch milliseconds. */
  expiresAt: number | null;
  /** Retry-After in seconds (from delta-seconds or an HTTP date). */
  retryAfterSeconds: number | null;
}

/** What fetching a feed URL produced. Failures are thrown as AppError with a fetch code. */
export type FetchOutcome =
  | {
      kind: 'not-modified';
      status: 304;
      finalUrl: string;
      /** Set when every redirect on the way was permanent (301/308): the URL to store instead. */
      permanentUrl: string | null;
      cache: CacheHints;
    }
  | {
      kind: 'ok';
      status: number;
      finalUrl: string;
      permanentUrl: string | null;
      body: Buffer;
      contentType: string | null;
      /** ETag exactly as received, to send back verbatim in If-None-Match. */
      etag: string | null;
      /** Last-Modified exactly as received, to send back verbatim in If-Modified-Since. */
      lastModified: string | null;
      /** The Link header (WebSub discovery: rel="hub" and rel="self"), or null. */
      linkHeader?: string | null;
      cache: CacheHints;
    };
