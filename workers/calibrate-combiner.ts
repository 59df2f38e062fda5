/**
 * `npm run calibrate:combiner [-- --rounds N] [--write]`: fits the learned combiner of the story
 * model (src/tagging/learned-combiner.ts) on the project's own calibration stories
 * (test/fixtures/calibration/ and test/fixtures/feedback-calibration/, each with the general
 * news as negatives), never on the shared evaluation files.
 *
 * The features of an item depend on the coverage the story grows from, which depends on the
 * combiner: round 0 measures the features on the piece alone (no combiner yet, no coverage),
 * each later round recompiles every story with the previous round's fit and its confident
 * coverage, as eval and the pipeline run. In every round, leave-one-story-out cross-validation
 * chooses the L2 penalty (the best mean F1 on the stories left out) and the threshold (the best
 * F1 on the pooled out-of-fold predictions). --write stores the last round's fit in
 * src/tagging/combiner-weights.json.
 */
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AnchorSource, Entity } from '../src/model/anchor.ts';
import type { CollectionStats } from '../src/model/collection-stats.ts';
import { compileAnchor } from '../src/tagging/compile-anchor.ts';
import type { LabelledItem } from '../src/tagging/evaluate.ts';
import { extractEntities } from '../src/tagging/extract-entities.ts';
import { fitLogistic, logisticLogit, type Example } from '../src/tagging/fit-logistic.ts';
import { FEATURE_NAMES, FEATURE_SIGNS, type CombinerWeights } from '../src/tagging/learned-combiner.ts';
import { confidentCoverage } from '../src/tagging/story-growth.ts';
import { scoreStory } from '../src/tagging/story-model.ts';
import { statsOfItems } from '../src/tagging/term-statistics.ts';
import { tokenize } from '../src/tagging/text-normalize.ts';
import { readAnchorFile, readLabelledItems } from './labelled-files.ts';

const DIRS = ['test/fixtures/calibration', 'test/fixtures/feedback-calibration'];
const GENERAL_NEWS = 'test/fixtures/calibration/general-news.jsonl';
const LAMBDAS = [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1];
const OUT = 'src/tagging/combiner-weights.json';

interface Story {
  name: string;
  source: AnchorSource;
  entities: Entity[];
  items: LabelledItem[];
  stats: CollectionStats;
}

/** No combiner yet: every score is ½ and nothing is confident, so round 0 has no coverage. */
const NEUTRAL: CombinerWeights = {
  features: [...FEATURE_NAMES],
  mean: FEATURE_NAMES.map(() => 0),
  scale: FEATURE_NAMES.map(() => 1),
  coefficients: FEATURE_NAMES.map(() => 0),
  intercept: 0,
  threshold: 0.5,
};

/** The features of every item of a story, compiled as eval compiles it with this combiner. */
function examplesOf(story: Story, combiner: CombinerWeights): Example[] {
  const first = compileAnchor(story.source, story.entities, { stats: story.stats, combiner });
  const coverage = confidentCoverage(first, story.items);
  const anchor = coverage.length > 0 ? compileAnchor(story.source, story.entities, { stats: story.stats, combiner, coverage }) : first;
  return story.items.map((it) => {
    const title = tokenize(it.title);
    const summary = tokenize(it.summary);
    const { features } = scoreStory(anchor.relevance, anchor.matcher.matchTokens([title, summary]), title, summary);
    return { x: features, y: it.relevant, weight: 1 / story.items.length };
  });
}

function f1(scored: Array<{ z: number; y: boolean }>, threshold: number): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const { z, y } of scored) {
    const r = z >= threshold;
    if (r && y) tp++;
    else if (r) fp++;
    else if (y) fn++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/** The log-odds threshold with the best mean F1 over the stories' scored items (ties: the middle of the best run). */
function bestThreshold(byStory: Array<Array<{ z: number; y: boolean }>>): { threshold: number; f1: number } {
  const grid: number[] = [];
  for (let t = -4; t <= 4.0001; t += 0.05) grid.push(t);
  const scores = grid.map((t) => byStory.reduce((s, xs) => s + f1(xs, t), 0) / byStory.length);
  const best = Math.max(...scores);
  const at = grid.filter((_, i) => scores[i]! >= best - 1e-9);
  return { threshold: at[Math.floor(at.length / 2)]!, f1: best };
}

function crossValidate(data: Example[][], lambda: number): { oof: Array<Array<{ z: number; y: boolean }>> } {
  const oof = data.map((held, i) => {
    const fit = fitLogistic(data.filter((_, j) => j !== i).flat(), lambda, FEATURE_SIGNS);
    return held.map((e) => ({ z: logisticLogit(fit, e.x), y: e.y }));
  });
  return { oof };
}

async function loadStories(): Promise<Story[]> {
  const general = await readLabelledItems(GENERAL_NEWS);
  const stories: Story[] = [];
  for (const root of DIRS) {
    for (const d of (await readdir(root, { withFileTypes: true })).filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      const dir = path.join(root, d.name);
      const source = await readAnchorFile(path.join(dir, 'anchor.md'));
      const items = [...(await readLabelledItems(path.join(dir, 'items.jsonl'))), ...general];
      stories.push({ name: `${path.basename(root)}/${d.name}`, source, entities: extractEntities(source), items, stats: statsOfItems(items) });
    }
  }
  return stories;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const roundsArg = args.indexOf('--rounds');
  const rounds = roundsArg >= 0 ? Number(args[roundsArg + 1]) : 3;
  const stories = await loadStories();
  const lines = [`combiner calibration on ${stories.length} stories (${stories.map((s) => s.name).join(', ')}), ${FEATURE_NAMES.length} features`];
  let combiner = NEUTRAL;
  for (let round = 0; round < rounds; round++) {
    const data = stories.map((s) => examplesOf(s, combiner));
    let best = { lambda: LAMBDAS[0]!, cv: -1, threshold: 0, perStory: [] as number[] };
    for (const lambda of LAMBDAS) {
      const { oof } = crossValidate(data, lambda);
      const { threshold } = bestThreshold(oof);
      const perStory = oof.map((xs) => f1(xs, threshold));
      const cv = perStory.reduce((a, b) => a + b, 0) / perStory.length;
      lines.push(`round ${round} lambda ${lambda}: leave-one-story-out mean F1 ${cv.toFixed(3)} at log-odds ${threshold.toFixed(2)}`);
      if (cv > best.cv + 1e-9) best = { lambda, cv, threshold, perStory };
    }
    const fit = fitLogistic(data.flat(), best.lambda, FEATURE_SIGNS);
    const inSample = data.map((xs) => f1(xs.map((e) => ({ z: logisticLogit(fit, e.x), y: e.y })), best.threshold));
    lines.push(`round ${round}: lambda ${best.lambda}, threshold ${(1 / (1 + Math.exp(-best.threshold))).toFixed(3)}; per story held out / fitted on all:`);
    stories.forEach((s, i) => lines.push(`  ${s.name}: ${best.perStory[i]!.toFixed(3)} / ${inSample[i]!.toFixed(3)}`));
    combiner = { features: [...FEATURE_NAMES], ...fit, threshold: 1 / (1 + Math.exp(-best.threshold)) };
  }
  lines.push('coefficients (standardised):');
  FEATURE_NAMES.forEach((n, i) => lines.push(`  ${n.padEnd(18)} ${combiner.coefficients[i]!.toFixed(3)}`));
  lines.push(`  intercept          ${combiner.intercept.toFixed(3)}`);
  if (args.includes('--write')) {
    const r = (x: number) => Math.round(x * 1e6) / 1e6;
    const out = { ...combiner, mean: combiner.mean.map(r), scale: combiner.scale.map(r), coefficients: combiner.coefficients.map(r), intercept: r(combiner.intercept), threshold: r(combiner.threshold) };
    await writeFile(OUT, `${JSON.stringify(out, null, 2)}\n`);
    lines.push(`written to ${OUT}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`calibrate:combiner: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
