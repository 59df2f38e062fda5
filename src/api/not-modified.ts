/**
 * Conditional GET as RFC 9110 §13 defines it for a server that holds the current
 * representation. Not the `fresh` package that Express uses: it answers "modified" to any
 * request with `Cache-Control: no-cache`, which fetch() adds to every conditional request,
 * so browser-based feed readers would never see a 304.
 */

/** The entity-tags of an If-None-Match value ("*" stays "*"), each with its weakness. */
export function parseEntityTags(value: string): Array<{ weak: boolean; opaque: string }> | '*' {
  if (value.trim() === '*') return '*';
  const tags: Array<{ weak: boolean; opaque: string }> = [];
  // An opaque tag may itself hold commas, so the list is read tag by tag, not split.
  for (const m of value.matchAll(/(W\/)?"([^"]*)"/g)) tags.push({ weak: m[1] !== undefined, opaque: m[2]! });
  return tags;
}

/** What the request asked for, as Node gives its headers. */
export interface ConditionalHeaders {
  'if-none-match'?: string | undefined;
  'if-modified-since'?: string | undefined;
}

/**
 * True when a GET or HEAD may be answered 304: If-None-Match names the current ETag (weak
 * comparison, §13.1.2), or, only where If-None-Match is absent, the representation has not
 * changed since If-Modified-Since (§13.1.3; second precision, as HTTP dates have).
 */
export function isNotModified(headers: ConditionalHeaders, current: { etag: string; lastModified: Date }): boolean {
  const noneMatch = headers['if-none-match'];
  if (noneMatch !== undefined) {
    const tags = parseEntityTags(noneMatch);
    if (tags === '*') return true;
    const mine = parseEntityTags(current.etag);
    if (mine === '*' || mine.length !== 1) return false;
    return tags.some((t) => t.opaque === mine[0]!.opaque);
  }
  const since = headers['if-modified-since'];
  if (since === undefined) return false;
  const sinceMs = Date.parse(since);
  // An unparseable date is ignored (§13.1.3), which means "send it".
  if (Number.isNaN(sinceMs)) return false;
  return Math.floor(current.lastModified.getTime() / 1000) * 1000 <= sinceMs;
}
