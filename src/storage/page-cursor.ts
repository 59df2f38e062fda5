/** The opaque cursors of newest-first pages: the (score, id) of the last entry shown. */

/** Opaque cursor: base64url of "score:id". */
export function encodeCursor(score: number, id: string): string {
  return Buffer.from(`${score}:${id}`).toString('base64url');
}

/** Reads a cursor; null when it is not one of ours. */
export function decodeCursor(cursor: string): { score: number; id: string } | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const sep = text.indexOf(':');
  if (sep <= 0) return null;
  const score = Number(text.slice(0, sep));
  const id = text.slice(sep + 1);
  if (!Number.isFinite(score) || !/^[0-9a-f]{8,64}$/.test(id)) return null;
  return { score, id };
}
