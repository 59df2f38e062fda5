/** Escaping for the feed documents the benchmarks serve. */

/** `s` with &, < and > escaped, for XML text and attribute-free elements. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
