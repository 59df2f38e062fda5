/**
 * A library's error as one line for an AppError message. Presentation only: what a failure
 * means is decided by where it happened (see run-rss-parser.ts), never by this text.
 */

/** The error's first line, plus sax's "Line:"/"Column:" lines folded in as "(line: n, column: m)". */
export function parserErrorDetail(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const [first, ...rest] = message.split('\n');
  const where = rest.filter((line) => /^(Line|Column):/.test(line)).join(', ').toLowerCase();
  return where === '' ? (first ?? '').trim() : `${(first ?? '').trim()} (${where})`;
}
