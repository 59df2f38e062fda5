import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../errors.ts';
import { httpUrlOrNull, normalizeCategory } from '../reader/opml.ts';
import type { FeedStore } from '../storage/feed-store.ts';
import { registerFeed } from './register-feed.ts';

const feedsFileSchema = z.array(
  z.object({
    url: z.string().url(),
    title: z.string().optional(),
    intervalSeconds: z.number().int().min(1).max(86_400).optional(),
    htmlUrl: z.string().refine((v) => httpUrlOrNull(v) !== null, 'must be an http(s) URL').optional(),
    category: z.string().max(500).optional(),
  }),
);

/**
 * Registers the feeds listed in FEEDS_FILE. Idempotent: a feed already registered under
 * the same URL is left as it is, so restarting never duplicates or resets a feed.
 */
export async function registerFeedsFile(path: string, feeds: FeedStore, now: number): Promise<{ added: number; existing: number }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new AppError(ErrorCodes.config, `FEEDS_FILE ${path} could not be read as JSON: ${(err as Error).message}`, { cause: err });
  }
  const result = feedsFileSchema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  [${i.path.join('.')}] ${i.message}`).join('\n');
    throw new AppError(ErrorCodes.config, `FEEDS_FILE ${path} is not a JSON array of { "url", "title"?, "htmlUrl"?, "category"? }:\n${problems}`);
  }
  let added = 0;
  // One registration time for the whole file: the registry lists the feeds in the file's order.
  const deps = { feeds, now: () => now };
  for (const entry of result.data) {
    const { created } = await registerFeed(
      {
        url: entry.url.trim(),
        title: entry.title ?? null,
        intervalSeconds: entry.intervalSeconds ?? null,
        htmlUrl: entry.htmlUrl ? httpUrlOrNull(entry.htmlUrl) : null,
        category: entry.category ? normalizeCategory(entry.category) : null,
      },
      deps,
    );
    if (created) added++;
  }
  return { added, existing: result.data.length - added };
}
