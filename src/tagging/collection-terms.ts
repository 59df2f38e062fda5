/** Placeholder of the seam (h13m's module replaces it): the distinct terms counted per ingested item. */
import { tokenize } from './text-normalize.ts';

/** The distinct terms the pipeline counts for one ingested item. */
export function collectionTermsOf(item: { title: string; summary: string }): string[] {
  return [...new Set([...tokenize(item.title), ...tokenize(item.summary)].map((t) => t.folded).filter((w) => w.length > 2))].slice(0, 60);
}
