/**
 * The learned combination of the story model's evidence: a logistic regression over the
 * features story-features.ts measures (sides, core and context entities, subject words,
 * other states, title novelty and their interactions), standardised. The coefficients are
 * data (combiner-weights.json), fitted by `npm run calibrate:combiner` on the project's own
 * calibration stories with leave-one-story-out cross-validation choosing the regularisation
 * and the threshold; the shared evaluation files never take part.
 */
import type { ModelParameters } from './model-parameters.ts';
import type { StoryFeatures } from './story-features.ts';
import fitted from './combiner-weights.json' with { type: 'json' };

/** Coefficients of the combiner, as stored. */
export interface CombinerWeights {
  /** Feature names, in vector order (FEATURE_NAMES when fitted). */
  features: string[];
  /** Standardisation: each feature is (x − mean) / scale before its coefficient applies. */
  mean: number[];
  scale: number[];
  coefficients: number[];
  intercept: number;
  /** Digest threshold on the probability. */
  threshold: number;
}

/**
 * The features the combiner reads, with the sign each coefficient must have (+1 evidence for
 * the story, −1 against it, 0 free): an item the story's evidence speaks more for never
 * scores lower, whatever the calibration stories happen to hold. The logarithms make the
 * log-odds a product of the sides and the evidence (an item needs the story's sides AND its
 * subject or core, as the hand-shaped gate had it) and keep one heavy term from swamping the rest.
 */
export const FEATURES = [
  ['lnSides', 1],
  ['lnEvidence', 1],
  ['lnCore', 1],
  ['foreignTitle', -1],
  ['foreignSummary', -1],
  ['novelty', -1],
] as const;

export const FEATURE_NAMES: readonly string[] = FEATURES.map(([n]) => n);
export const FEATURE_SIGNS: readonly number[] = FEATURES.map(([, s]) => s);

/** Smallest value inside a logarithm: no evidence is a finite, strongly negative amount. */
const LOG_FLOOR = 0.1;

/** The feature vector of an item, in FEATURE_NAMES order. */
export function featureVector(f: StoryFeatures, p: ModelParameters, self: { selfSubject: number; selfTerms: number }): number[] {
  const missing = 1 - f.sides;
  const titleBoost = p.titleBoost;
  return [
    Math.log(LOG_FLOOR + f.sides),
    Math.log(LOG_FLOOR + titleBoost * f.subjectTitle + f.subjectSummary + p.coreEntityFactor * f.core + (f.sides > 0 || f.core > 0 ? p.contextEntityFactor * f.context : 0)),
    Math.log(LOG_FLOOR + f.core),
    missing * Math.min(f.foreignTitle, 2),
    missing * Math.min(f.foreignSummary, 2),
    f.novelty,
  ];
}

/**
 * The sides gate over the evidence, in the shape the story model had before it learned its
 * combination (parameters calibrated by `npm run calibrate`): the evidence of subject and core
 * counts in full when every side is there, down to a floor with none, divided by the other
 * states named while a side is missing and by the title's novelty. One feature among the rest.
 */
function gatedEvidence(f: StoryFeatures, p: ModelParameters): number {
  let gate = p.sidesFloor + (1 - p.sidesFloor) * Math.pow(f.sides, p.sidesExponent);
  const foreign = Math.min(p.titleForeignWeight * f.foreignTitle + f.foreignSummary, 2);
  if (f.sides < 1 && foreign > 0) gate /= 1 + p.foreignPenalty * foreign * (1 - f.sides);
  if (f.novelty > 0) gate /= 1 + p.noveltyPenalty * f.novelty;
  const context = f.sides > 0 || f.core > 0 ? p.contextEntityFactor * f.context : 0;
  const raw = gate * (p.titleBoost * f.subjectTitle + f.subjectSummary + p.coreEntityFactor * f.core) + context;
  return raw / p.scale;
}

/** The fitted combiner. */
export const COMBINER_WEIGHTS: Readonly<CombinerWeights> = fitted as CombinerWeights;

/** Log-odds of an item being on the story, and each feature's contribution to them. */
export function combinerLogit(w: CombinerWeights, x: number[]): { logit: number; parts: number[] } {
  let logit = w.intercept;
  const parts = new Array<number>(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = (w.coefficients[i] ?? 0) * ((x[i]! - (w.mean[i] ?? 0)) / (w.scale[i] || 1));
    parts[i] = v;
    logit += v;
  }
  return { logit, parts };
}

/** The logistic function. */
export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Log-odds of a probability. */
export function logit(p: number): number {
  return Math.log(p / (1 - p));
}
