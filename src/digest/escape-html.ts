/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** An http(s) link as it may appear in an href, or null (a `javascript:` or garbled link is shown as text only). */
export function safeHref(link: string | null): string | null {
  if (!link) return null;
  try {
    const url = new URL(link);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** A time as people read it in a message: "2026-12-01 23:50 UTC". */
export function readableUtc(iso: string | null): string {
  if (!iso) return 'time unknown';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
