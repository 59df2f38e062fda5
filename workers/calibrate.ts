/**
 * `npm run calibrate [-- --samples N] [--loo-samples N]`: fits the relevance model's parameters on the project's
 * own calibration stories (test/fixtures/calibration/<story>/anchor.md + items.jsonl) by a
 * seeded random search maximising the mean digest F1 over stories, then checks how well that
 * generalises by leaving each story out in turn. Prints the parameters to put into
 * src/tagging/model-parameters.ts. The shared evaluation files never take part.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Entity } from '../src/model/anchor.ts';
import type { CollectionStats } from '../src/model/collection-stats.ts';
import { compileAnchor, tagItem } from '../src/tagging/compile-anchor.ts';
import type { LabelledItem } from '../src/tagging/evaluate.ts';
import { extractEntities } from '../src/tagging/extract-entities.ts';
import { MODEL_PARAMETERS, type ModelParameters } from '../src/tagging/model-parameters.ts';
import { confidentCoverage } from '../src/tagging/story-growth.ts';
import { statsOfItems } from '../src/tagging/term-statistics.ts';
import type { AnchorSource } from '../src/model/anchor.ts';
import { readAnchorFile, readLabelledItems } from './labelled-files.ts';
import { prng } from './prng.ts';

const DIR = 'test/fixtures/calibration';
/** Unrelated news every story's collection also holds (labelled not relevant to any calibration story). */
const GENERAL_NEWS = 'general-news.jsonl';

/** The searched ranges; the other parameters keep their values. */
const RANGES: Partial<Record<keyof ModelParameters, [number, number]>> = {
  ledeSalience: [0.1, 0.8],
  bodySalience: [0.05, 0.4],
  bodyCap: [0.2, 0.8],
  headlineIdfFloor: [1, 4],
  commonWordFactor: [0, 1],
  titleBoost: [1, 2],
  coreEntityFactor: [0.3, 2],
  contextEntityFactor: [0, 0.6],
  wildcardShare: [0, 1],
  venueShare: [0, 1],
  foreignPenalty: [0, 4],
  sidesFloor: [0, 0.9],
  sidesExponent: [0.5, 3],
  scale: [1, 6],
  threshold: [0.2, 0.8],
  unrepeatedHeadlineFactor: [0.2, 1],
  backgroundLift: [1.2, 5],
  backgroundFactor: [0.1, 1],
  titleForeignWeight: [1, 3],
  coverageSalience: [0.1, 1],
  placeShare: [0, 1],
  noveltyPenalty: [0, 4],
  allSidesBonus: [0, 2],
  contextTermFactor: [0.2, 1],
  everySideContextFactor: [0.2, 1],
  unanchoredFactor: [0.2, 1],
  voicedStateWeight: [0, 1],
  principalContextFactor: [0, 1],
};

interface Story {
  name: string;
  source: AnchorSource;
  entities: Entity[];
  items: LabelledItem[];
  stats: CollectionStats;
}

/** The story's F1 with its collection statistics, averaged with its F1 at a cold start (no collection yet: the prior alone). */
function f1Of(story: Story, params: Partial<ModelParameters>): number {
  return (f1With(story, params, story.stats) + f1With(story, params, undefined)) / 2;
}

function f1With(story: Story, params: Partial<ModelParameters>, stats: CollectionStats | undefined): number {
  // As eval measures it: the piece alone, then one recompile with the coverage it is confident on.
  const first = compileAnchor(story.source, story.entities, { stats, params });
  const coverage = confidentCoverage(first, story.items);
  const anchor = coverage.length > 0 ? compileAnchor(story.source, story.entities, { stats, params, coverage }) : first;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const it of story.items) {
    const r = tagItem(anchor, it).relevant;
    if (r && it.relevant) tp++;
    else if (r) fp++;
    else if (it.relevant) fn++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

function search(stories: Story[], samples: number, seed: number): { params: Partial<ModelParameters>; f1: number; min: number } {
  const random = prng(seed);
  const score = (p: Partial<ModelParameters>) => {
    const f = stories.map((s) => f1Of(s, p));
    const mean = f.reduce((a, b) => a + b, 0) / f.length;
    return { f1: mean, min: Math.min(...f) };
  };
  const start: Partial<ModelParameters> = {};
  for (const k of Object.keys(RANGES) as Array<keyof ModelParameters>) start[k] = MODEL_PARAMETERS[k] as number;
  let best = { params: start, ...score(start) };
  for (let i = 0; i < samples; i++) {
    // Half global samples, half local moves around the best so far.
    const p: Partial<ModelParameters> = {};
    for (const [k, [lo, hi]] of Object.entries(RANGES) as Array<[keyof ModelParameters, [number, number]]>) {
      const v = i % 2 === 0 ? lo + random() * (hi - lo) : (best.params[k] as number) + (random() - 0.5) * 0.3 * (hi - lo);
      p[k] = Math.round(Math.min(hi, Math.max(lo, v)) * 100) / 100;
    }
    const s = score(p);
    if (s.f1 > best.f1 + 1e-9 || (Math.abs(s.f1 - best.f1) < 1e-9 && s.min > best.min)) best = { params: p, ...s };
  }
  // Then one pass of coordinate moves: random search in this many dimensions leaves each
  // parameter short of its best value given the others.
  for (const [k, [lo, hi]] of Object.entries(RANGES) as Array<[keyof ModelParameters, [number, number]]>) {
    for (const step of [-0.2, -0.08, 0.08, 0.2]) {
      const v = Math.round(Math.min(hi, Math.max(lo, (best.params[k] as number) + step * (hi - lo))) * 100) / 100;
      if (v === best.params[k]) continue;
      const p = { ...best.params, [k]: v };
      const s = score(p);
      if (s.f1 > best.f1 + 1e-9 || (Math.abs(s.f1 - best.f1) < 1e-9 && s.min > best.min)) best = { params: p, ...s };
    }
  }
  return best;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  // `--samples 0` skips the random search (coordinate moves from the current parameters only).
  const samplesArg = args.indexOf('--samples');
  const samples = samplesArg >= 0 && args[samplesArg + 1] !== undefined && Number.isFinite(Number(args[samplesArg + 1])) ? Number(args[samplesArg + 1]) : 400;
  // Leave-one-out search size (0 skips the check, for quick iterations).
  const looArg = args.indexOf('--loo-samples');
  const looSamples = looArg >= 0 ? Number(args[looArg + 1]) : Math.round(samples / 2);
  const names = (await readdir(DIR, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  // A real collection holds every feed's news, not only a story's: the same unrelated items (other
  // states' talks, other wars, crime, weather, markets) join every story's items as negatives.
  const general = await readLabelledItems(path.join(DIR, GENERAL_NEWS));
  const stories: Story[] = [];
  for (const name of names) {
    const source = await readAnchorFile(path.join(DIR, name, 'anchor.md'));
    const items = [...(await readLabelledItems(path.join(DIR, name, 'items.jsonl'))), ...general];
    stories.push({ name, source, entities: extractEntities(source), items, stats: statsOfItems(items) });
  }
  const best = search(stories, samples, 1);
  const lines = [`calibration on ${stories.length} stories (${stories.map((s) => s.name).join(', ')}), ${samples} samples`];
  lines.push(`mean F1 ${best.f1.toFixed(3)}, worst story ${best.min.toFixed(3)}`);
  for (const s of stories) lines.push(`  ${s.name}: F1 ${f1Of(s, best.params).toFixed(3)}`);
  if (looSamples > 0) {
    lines.push(`leave one story out (fit on the others with ${looSamples} samples, F1 on the one left out):`);
    for (const s of stories) {
      const fit = search(stories.filter((x) => x !== s), looSamples, 2);
      lines.push(`  ${s.name}: ${f1Of(s, fit.params).toFixed(3)}`);
    }
  }
  lines.push('parameters:');
  lines.push(JSON.stringify(best.params, null, 2));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`calibrate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
