import type { ItemTags } from '../model/tags.ts';
import { tagItem } from '../tagging/compile-anchor.ts';
import { lshBandHashes, storySignature } from '../tagging/story-signature.ts';
import { tokenize, type ItemTokens } from '../tagging/text-normalize.ts';
import type { CatalogEntry } from './anchor-catalog.ts';
import { applyScopeAndVerdict } from './scope-and-verdict.ts';

/** What tagging reads of an item: its text, with the article body when one was read. */
export interface ItemText {
  id: string;
  title: string;
  summary: string;
  /** The article's main text (FULL_TEXT), tagged with the summary; absent: none. */
  body?: string;
}

/** One item's tags against each anchor (in the anchors' order), and its story signature when some anchor took it. */
export interface ItemAnalysis {
  tags: Array<Omit<ItemTags, 'version'>>;
  /** The story signature as raw bytes, 4 per value, when the item is relevant to some anchor. */
  signature: Uint8Array | null;
  /** Its LSH bands packed (lshBandHashes), with the signature. */
  bands: Uint8Array | null;
}

/** The parts of a catalog entry tagging reads. */
export type AnalysisAnchor = Pick<CatalogEntry, 'record' | 'compiled' | 'scope' | 'verdicts'>;

/** A signature as raw bytes, 4 per value, as the story script compares it (half the size of hex). */
export function signatureBytes(sig: Uint32Array): Buffer {
  // Not from the shared pool: a pooled buffer would carry its whole 8 KiB slab across a thread.
  const out = Buffer.alloc(sig.length * 4);
  sig.forEach((v, i) => out.writeUInt32BE(v, i * 4));
  return out;
}

/** The story signature and LSH bands of an item, for clustering; `tokens`: its fields already tokenised. */
export function storyInputs(item: { title: string; summary: string }, tokens?: ItemTokens): { signature: Buffer; bands: Uint8Array } {
  const sig = storySignature(item.title, item.summary, tokens);
  return { signature: signatureBytes(sig), bands: lshBandHashes(sig) };
}

/**
 * The CPU part of tagging one item, with no I/O: entities, score and digest decision per
 * anchor (scope and the analyst's verdict applied), and the story signature of an item
 * some anchor finds relevant. Runs on the event loop or in a pipeline thread alike. The
 * title and summary are tokenised once, for every anchor and the signature alike; `tokens`:
 * already tokenised (tokenize of each), the same analysis.
 */
export function analyseItem(anchors: readonly AnalysisAnchor[], item: ItemText, tokens?: ItemTokens): ItemAnalysis {
  if (anchors.length === 0) return { tags: [], signature: null, bands: null };
  const titleTokens = tokens?.title ?? tokenize(item.title);
  const summaryTokens = tokens?.summary ?? tokenize(item.summary);
  const text = { title: item.title, summary: item.body ? `${item.summary}\n${item.body}` : item.summary };
  // With an article body, tagging reads summary and body as one text (tokenised as one: a
  // word may run across the join); the signature reads the summary alone.
  const tagTokens = { title: titleTokens, summary: item.body ? tokenize(text.summary) : summaryTokens };
  let relevant = false;
  const tags = anchors.map((anchor) => {
    const tagged = tagItem(anchor.compiled, text, tagTokens);
    const t = { entities: tagged.entities.map((e) => ({ key: e.key, count: e.count })), ...applyScopeAndVerdict(anchor, item, tagged, [titleTokens, summaryTokens]) };
    relevant ||= t.relevant;
    return t;
  });
  if (!relevant) return { tags, signature: null, bands: null };
  const { signature, bands } = storyInputs(item, { title: titleTokens, summary: summaryTokens });
  return { tags, signature, bands };
}

/** Items tagged between two yields to the event loop. */
const YIELD_EVERY = 5;

/**
 * analyseItem over a batch on the event loop: a large batch gives the loop back now and then,
 * so a live item's job (or an API request in a one-process install) is not held up behind a
 * backlog's CPU work.
 */
export async function analyseItems(anchors: readonly AnalysisAnchor[], texts: ItemText[]): Promise<ItemAnalysis[]> {
  const out: ItemAnalysis[] = [];
  for (const [n, text] of texts.entries()) {
    if (n > 0 && n % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    out.push(analyseItem(anchors, text));
  }
  return out;
}
