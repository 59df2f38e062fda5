/**
 * `npm run calibrate:feedback [-- --samples N]`: fits the feedback learner's hyper-parameters
 * (src/tagging/feedback-learner.ts) on the project's own calibration stories
 * (test/fixtures/calibration/ and test/fixtures/feedback-calibration/), never on the shared evaluation files. Each story is replayed
 * as `npm run eval -- --feedback N` does: an analyst corrects the first N errors in publication
 * order, and the digest F1 is measured on the items after the last correction. The objective
 * is the F1 pooled over stories and N ∈ {1, 3, 5}; a leave-one-story-out check follows.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { AnchorSource, Entity } from '../src/model/anchor.ts';
import type { CollectionStats } from '../src/model/collection-stats.ts';
import type { Judgment } from '../src/model/story.ts';
import { compileAnchor, tagItem, type CompiledAnchor } from '../src/tagging/compile-anchor.ts';
import type { LabelledItem } from '../src/tagging/evaluate.ts';
import { extractEntities } from '../src/tagging/extract-entities.ts';
import { FEEDBACK_PARAMETERS, type FeedbackParameters } from '../src/tagging/feedback-learner.ts';
import { statsOfItems } from '../src/tagging/term-statistics.ts';
import { readAnchorFile, readLabelledItems } from './labelled-files.ts';
import { prng } from './prng.ts';

const DIRS = ['test/fixtures/calibration', 'test/fixtures/feedback-calibration'];
const ROUNDS = [1, 3, 5];

const RANGES: Record<keyof FeedbackParameters, [number, number]> = {
  margin: [0.1, 2],
  aggressiveness: [0.1, 3],
  epochs: [1, 5],
  pieceProtection: [0, 1],
  pairShare: [0, 1],
  denseShare: [0, 1],
  blameShare: [0, 1],
};

interface Story {
  name: string;
  source: AnchorSource;
  entities: Entity[];
  /** Publication order, oldest first. */
  items: LabelledItem[];
  stats: CollectionStats;
}

/** Counts of one replay: the digest on the items after the last correction. */
function replay(story: Story, n: number, params: FeedbackParameters): { tp: number; fp: number; fn: number } {
  const ctx = { stats: story.stats, feedbackParams: params };
  let anchor: CompiledAnchor = compileAnchor(story.source, story.entities, ctx);
  const judgments: Judgment[] = [];
  let cut = 0;
  for (let i = 0; i < story.items.length && judgments.length < n; i++) {
    const it = story.items[i]!;
    if (tagItem(anchor, it).relevant === it.relevant) continue;
    judgments.push({ title: it.title, summary: it.summary, relevant: it.relevant });
    anchor = compileAnchor(story.source, story.entities, { ...ctx, judgments });
    cut = i + 1;
  }
  const c = { tp: 0, fp: 0, fn: 0 };
  for (const it of story.items.slice(cut)) {
    const r = tagItem(anchor, it).relevant;
    if (r && it.relevant) c.tp++;
    else if (r) c.fp++;
    else if (it.relevant) c.fn++;
  }
  return c;
}

/**
 * Pooled F1 over every story and round (a replay may leave few items after its last
 * correction, so per-replay F1 would be noise), and the worst story's pooled F1.
 */
function objective(stories: Story[], params: FeedbackParameters): { f1: number; min: number } {
  const all = { tp: 0, fp: 0, fn: 0 };
  let min = 1;
  for (const s of stories) {
    const own = { tp: 0, fp: 0, fn: 0 };
    for (const n of ROUNDS) {
      const c = replay(s, n, params);
      for (const k of ['tp', 'fp', 'fn'] as const) {
        own[k] += c[k];
        all[k] += c[k];
      }
    }
    min = Math.min(min, f1(own));
  }
  return { f1: f1(all), min };
}

function f1(c: { tp: number; fp: number; fn: number }): number {
  return c.tp + c.fp + c.fn === 0 ? 1 : (2 * c.tp) / (2 * c.tp + c.fp + c.fn);
}

/** Where a leave-one-out fold starts: not the fitted parameters, which have seen the story left out. */
const NEUTRAL: FeedbackParameters = { margin: 0.5, aggressiveness: 1, epochs: 3, pieceProtection: 0.8, pairShare: 0.5, denseShare: 0, blameShare: 0 };

/** `--only KEY[,KEY]`: search those parameters alone, the others kept at their fitted values (a new parameter on top of fitted ones). */
let searched: Array<[keyof FeedbackParameters, [number, number]]> = Object.entries(RANGES) as Array<[keyof FeedbackParameters, [number, number]]>;

function search(stories: Story[], samples: number, seed: number, from: FeedbackParameters = FEEDBACK_PARAMETERS): { params: FeedbackParameters; f1: number; min: number } {
  const random = prng(seed);
  const start = { ...from };
  let best = { params: start, ...objective(stories, start) };
  for (let i = 0; i < samples; i++) {
    const p = { ...best.params };
    for (const [k, [lo, hi]] of searched) {
      const v = i % 2 === 0 ? lo + random() * (hi - lo) : p[k] + (random() - 0.5) * 0.3 * (hi - lo);
      p[k] = k === 'epochs' ? Math.round(Math.min(hi, Math.max(lo, v))) : Math.round(Math.min(hi, Math.max(lo, v)) * 100) / 100;
    }
    const s = objective(stories, p);
    if (s.f1 > best.f1 + 1e-9 || (Math.abs(s.f1 - best.f1) < 1e-9 && s.min > best.min)) best = { params: p, ...s };
  }
  return best;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const samples = Number(args[args.indexOf('--samples') + 1] ?? '') || 200;
  const only = args.indexOf('--only');
  if (only >= 0) {
    const keys = new Set((args[only + 1] ?? '').split(','));
    searched = searched.filter(([k]) => keys.has(k));
  }
  const dirs: Array<{ name: string; dir: string }> = [];
  for (const root of DIRS) {
    for (const d of await readdir(root, { withFileTypes: true })) if (d.isDirectory()) dirs.push({ name: d.name, dir: path.join(root, d.name) });
  }
  const stories: Story[] = [];
  for (const { name, dir } of dirs.sort((a, b) => a.name.localeCompare(b.name))) {
    const source = await readAnchorFile(path.join(dir, 'anchor.md'));
    const raw = await readLabelledItems(path.join(dir, 'items.jsonl'));
    const items = raw.map((item, i) => ({ item, i })).sort((a, b) => (b.item.hoursAgo ?? 0) - (a.item.hoursAgo ?? 0) || a.i - b.i).map((x) => x.item);
    stories.push({ name, source, entities: extractEntities(source), items, stats: statsOfItems(items) });
  }
  const lines = [`feedback calibration on ${stories.length} stories (${stories.map((s) => s.name).join(', ')}), rounds ${ROUNDS.join('/')}, ${samples} samples`];
  const none = { ...FEEDBACK_PARAMETERS, aggressiveness: 0 };
  lines.push(`no learning: pooled F1 ${objective(stories, none).f1.toFixed(3)}; current parameters: ${objective(stories, { ...FEEDBACK_PARAMETERS }).f1.toFixed(3)}`);
  const best = args.includes('--holdout-only') ? { params: { ...FEEDBACK_PARAMETERS }, ...objective(stories, FEEDBACK_PARAMETERS) } : search(stories, samples, 1);
  lines.push(`fitted: pooled F1 ${best.f1.toFixed(3)}, worst story ${best.min.toFixed(3)}`);
  for (const s of stories) lines.push(`  ${s.name}: ${ROUNDS.map((n) => { const c = replay(s, n, best.params); return `N=${n} tp ${c.tp} fp ${c.fp} fn ${c.fn}`; }).join(' | ')}`);
  if (!args.includes('--no-holdout')) {
    lines.push('leave one story out (fit on the others, F1 on the one left out; no learning in brackets):');
    for (const s of stories) {
      const fit = search(stories.filter((x) => x !== s), args.includes('--holdout-only') ? samples : Math.round(samples / 3), 2, only >= 0 ? FEEDBACK_PARAMETERS : NEUTRAL);
      lines.push(`  ${s.name}: ${objective([s], fit.params).f1.toFixed(3)} (${objective([s], none).f1.toFixed(3)})`);
    }
  }
  lines.push('parameters:');
  lines.push(JSON.stringify(best.params, null, 2));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`calibrate:feedback: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
