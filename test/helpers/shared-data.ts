/**
 * The evaluation data and conformance corpora live beside the checkout in ../shared, which a
 * user's own clone does not have. Every test that reads them finds them here and is skipped,
 * with a message saying why, where they are absent.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/** The folder beside the project root that holds ../shared (whether or not it exists). */
export const SHARED_DIR = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)), 'shared');

/** Absolute path of a file or folder under ../shared, or null when it is not there. */
export function sharedPath(relative: string): string | null {
  const full = path.join(SHARED_DIR, relative);
  return existsSync(full) ? full : null;
}

/**
 * A describe block that needs files under ../shared: run with their absolute paths, or
 * skipped with a message naming what is missing.
 */
export function describeWithShared(name: string, relatives: string[], body: (...paths: string[]) => void): void {
  const paths = relatives.map(sharedPath);
  const missing = relatives.filter((_, i) => paths[i] === null);
  if (missing.length > 0) {
    const where = missing.map((m) => `../shared/${m}`).join(', ');
    describe(name, () => it.skip(`skipped: ${where} not found beside the checkout (a plain clone has no ../shared)`, () => {}));
    return;
  }
  describe(name, () => body(...(paths as string[])));
}
