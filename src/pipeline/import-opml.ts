import { AppError } from '../errors.ts';
import { parseOpml, type OpmlFeed } from '../reader/opml.ts';
import { registerFeed, type RegisterFeedDeps } from './register-feed.ts';

/** What an OPML import did: feeds added, outlines skipped (known, or refused, with why). */
export interface OpmlImport {
  added: number;
  skipped: number;
  errors: Array<{ field: string; message: string }>;
}

/** OPML outlines registered at once. */
const IMPORT_CONCURRENCY = 16;

/**
 * Registers every feed of an OPML document, a few at a time (a subscription list of hundreds
 * registers in seconds). One bad outline never fails the import: it is skipped and reported.
 */
export async function importOpml(document: string, deps: RegisterFeedDeps): Promise<OpmlImport> {
  const result: OpmlImport = { added: 0, skipped: 0, errors: [] };
  const importOne = async (entry: OpmlFeed) => {
    try {
      const { created } = await registerFeed(
        { url: entry.url, title: entry.title, intervalSeconds: null, htmlUrl: entry.htmlUrl ?? null, category: entry.category ?? null },
        deps,
      );
      if (created) result.added++;
      else result.skipped++;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      result.skipped++;
      result.errors.push({ field: entry.url, message: err.message });
    }
  };
  const pending = parseOpml(document);
  const runners = Array.from({ length: Math.min(IMPORT_CONCURRENCY, pending.length) }, async () => {
    for (let entry = pending.shift(); entry; entry = pending.shift()) await importOne(entry);
  });
  await Promise.all(runners);
  return result;
}
