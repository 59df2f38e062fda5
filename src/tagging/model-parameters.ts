/**
 * The relevance model's parameters. Calibrated by `npm run calibrate` on the project's own
 * synthetic calibration stories (test/fixtures/calibration/), never on the files the
 * evaluation reports (see docs/tagging.md).
 */

/** Every tunable number of the story model. */
export interface ModelParameters {
  /** Salience of a term of the headline, of the lede, and per (1 + ln tf) in the body (capped). */
  headlineSalience: number;
  ledeSalience: number;
  bodySalience: number;
  bodyCap: number;
  /** Lowest distinctiveness (IDF) a headline word keeps: "talks" is common in English and still the subject. */
  headlineIdfFloor: number;
  /** Weight kept by a word of the lede or body that is among English's thousand commonest ("said", "war", "deal"). */
  commonWordFactor: number;
  /** Terms lighter than this are left out of the vocabulary. */
  minTermWeight: number;
  /** A term of the title counts this much more than one of the summary. */
  titleBoost: number;
  /** How much a core and a context entity weigh against a unit of term weight. */
  coreEntityFactor: number;
  contextEntityFactor: number;
  /** Share of a missing side a core person of no known side stands for. */
  wildcardShare: number;
  /** How much each other state in an item (up to two) divides the evidence, scaled by the share of sides missing. */
  foreignPenalty: number;
  /** How much more a foreign state in an item's title counts than one in its summary. */
  titleForeignWeight: number;
  /** Share of a missing side the story's venue stands for. */
  venueShare: number;
  /** How much a title of words the story does not know (by IDF share, 0..1) divides the evidence. */
  noveltyPenalty: number;
  /** Share of a missing side one of the piece's own proper nouns (no entity) stands for. */
  placeShare: number;
  /** Sides share when the headline names no party and no core entity is present. */
  noPartySides: number;
  /** The score is 1 − exp(−gate × evidence / scale), gate = floor + (1 − floor) × sides^exponent. */
  sidesFloor: number;
  sidesExponent: number;
  scale: number;
  /** Digest threshold on the 0..1 score. */
  threshold: number;
  /** Story growth: least coverage items, least share of them holding the term, least lift over the collection. */
  minCoverage: number;
  coverageShare: number;
  coverageLift: number;
  coverageSalience: number;
  /** Salience kept by a headline word the lede and body never repeat (a word of the telling, not of the subject). */
  unrepeatedHeadlineFactor: number;
  /** A piece term whose share of the coverage is less than this many times its share of the collection is background... */
  backgroundLift: number;
  /** ...and keeps this share of its weight at a lift of 1 or less (linearly up to full weight at backgroundLift). */
  backgroundFactor: number;
  /** Core evidence added when an item names every side of the story (two or more). */
  allSidesBonus: number;
  /** Share of their weight the body's words (context terms) keep in an item with no word of the news. */
  contextTermFactor: number;
  /** The same share in an item naming every side of the story (two or more): their dealings with each other. */
  everySideContextFactor: number;
  /** Share of the evidence kept by an item naming no actor or place of the story (words alone). */
  unanchoredFactor: number;
  /** Share of a foreign state counted for one the piece voices (its quoted leader's), in an item with a side and a word of the news. */
  voicedStateWeight: number;
  /** Share the body's words keep beside a side's own core entity (principal, capital, seat) with no word of the news, times (1 − title novelty). */
  principalContextFactor: number;
  /** Rocchio step per analyst verdict, in units of IDF. */
  feedbackRate: number;
}

/** The calibrated parameters (see `npm run calibrate`). */
export const MODEL_PARAMETERS: Readonly<ModelParameters> = Object.freeze({
  headlineSalience: 1,
  ledeSalience: 0.1,
  bodySalience: 0.35,
  bodyCap: 0.59,
  headlineIdfFloor: 2.07,
  commonWordFactor: 0.18,
  minTermWeight: 0.3,
  titleBoost: 1.58,
  coreEntityFactor: 1.27,
  contextEntityFactor: 0.58,
  wildcardShare: 0.47,
  foreignPenalty: 3.52,
  venueShare: 0.7,
  noPartySides: 0.5,
  sidesFloor: 0.53,
  sidesExponent: 2.8,
  scale: 3.87,
  threshold: 0.53,
  minCoverage: 3,
  coverageShare: 0.3,
  coverageLift: 3,
  coverageSalience: 0.73,
  feedbackRate: 0.6,
  unrepeatedHeadlineFactor: 0.68,
  backgroundLift: 2.32,
  backgroundFactor: 0.44,
  titleForeignWeight: 1.8,
  placeShare: 0.77,
  noveltyPenalty: 0.19,
  allSidesBonus: 0.25,
  contextTermFactor: 0.21,
  everySideContextFactor: 0.78,
  unanchoredFactor: 0.34,
  voicedStateWeight: 0.64,
  principalContextFactor: 0,
});
