/**
 * The coverage a story grows from, as the pipeline gathers it (src/pipeline/story-inputs.ts):
 * the newest items the compiled anchor puts confidently in the digest. Evaluation and
 * calibration recompile with it once, so they measure the model as it runs after its first
 * periodic recompile, not only as it runs on the piece alone.
 */
import { tagItem, type CompiledAnchor } from './compile-anchor.ts';

/** Items kept as coverage: the newest confident ones. */
export const COVERAGE_MAX = 25;
/** How far above the threshold (as a share of the rest of the 0..1 scale) a score must be to count as confident. */
export const CONFIDENT_MARGIN = 1 / 3;

/** The newest items (smallest hoursAgo first) the anchor scores confidently on the story; labels are never read. */
export function confidentCoverage<T extends { title: string; summary: string; hoursAgo?: number }>(
  anchor: CompiledAnchor,
  items: T[],
): Array<{ title: string; summary: string }> {
  return items
    .map((item, i) => ({ item, i, r: tagItem(anchor, item) }))
    .filter(({ r }) => r.relevant && r.score >= r.why.threshold + (1 - r.why.threshold) * CONFIDENT_MARGIN)
    .sort((a, b) => (a.item.hoursAgo ?? 0) - (b.item.hoursAgo ?? 0) || a.i - b.i)
    .slice(0, COVERAGE_MAX)
    .map(({ item }) => ({ title: item.title, summary: item.summary }));
}
