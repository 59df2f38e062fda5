import { AppError } from '../errors.ts';
import { parseOpml, type OpmlFeed } from '../reader/opml.ts';
import { registerFeeds, type RegisterFeedDeps } from './register-feed.ts';

/** What an OPML import did: feeds added, outlines skipped (known, or refused, with why). */
export interface OpmlImport {
  added: number;
  skipped: number;
  errors: Array<{ field: string; message: string }>;
}

/** OPML outlines registered per batch (one pipeline of registration locks, writes sent together). */
const IMPORT_BATCH = 100;

/**
 * Registers every feed of an OPML document in batches (a subscription list of hundreds
 * registers in a few round trips). One bad outline never fails the import: it is skipped and reported.
 */
export async function importOpml(document: string, deps: RegisterFeedDeps): Promise<OpmlImport> {
  const result: OpmlImport = { added: 0, skipped: 0, errors: [] };
  const entries: OpmlFeed[] = parseOpml(document);
  for (let start = 0; start < entries.length; start += IMPORT_BATCH) {
    const batch = entries.slice(start, start + IMPORT_BATCH);
    const outcomes = await registerFeeds(
      batch.map((entry) => ({ url: entry.url, title: entry.title, intervalSeconds: null, htmlUrl: entry.htmlUrl ?? null, category: entry.category ?? null })),
      deps,
    );
    outcomes.forEach((outcome, i) => {
      if (outcome instanceof AppError) {
        result.skipped++;
        result.errors.push({ field: batch[i]!.url, message: outcome.message });
      } else if (outcome.created) result.added++;
      else result.skipped++;
    });
  }
  return result;
}
