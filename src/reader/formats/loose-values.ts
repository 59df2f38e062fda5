/** Reading the untyped values that rss-parser and JSON.parse give back. */

/** An untyped object as a parser returns it. */
export type Loose = Record<string, unknown>;

/** A string value, or null (numbers give their decimal form, objects with a text node give their text). */
export function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value !== null && typeof value === 'object' && typeof (value as Loose)._ === 'string') return (value as Loose)._ as string;
  return null;
}

/** Like `text`, but null for a blank string too. */
export function nonEmpty(value: unknown): string | null {
  const s = text(value);
  return s === null || s.trim() === '' ? null : s;
}

/** The first of `values` that is a non-blank string, or null. */
export function firstOf(...values: unknown[]): string | null {
  for (const value of values) {
    const s = nonEmpty(value);
    if (s !== null) return s;
  }
  return null;
}
