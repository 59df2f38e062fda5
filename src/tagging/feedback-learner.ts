/**
 * What an anchor learns from the analyst's verdicts: a per-anchor passive-aggressive
 * classifier on top of the story model. Each verdict asks that the judged item lie on its
 * side of the digest threshold by a margin; when it does not, the smallest step that puts it
 * there (capped) is spread over the item's terms in proportion to how much each says:
 * distinctiveness in the collection (IDF) times how specific the term is to this side of the
 * judgements (a term the rejected items share with the accepted ones, or with the source
 * piece, takes little of a rejection). Unjudged items that share the distinctive words of
 * rejected ones move with them, so a few corrections fix a whole class of errors ("the war's
 * economy" out of "the peace talks"). Learned again from the whole verdict list at every
 * compile, in verdict order: deterministic, and a withdrawn verdict leaves no trace.
 */
import type { AnchorSource, Entity } from '../model/anchor.ts';
import { EMPTY_COLLECTION_STATS, type CollectionStats } from '../model/collection-stats.ts';
import type { Evidence, Judgment, StoryTerm } from '../model/story.ts';
import { termsOfTokens } from './collection-terms.ts';
import type { Matcher } from './compile-matcher.ts';
import { scoreStory, type StoryModel } from './story-model.ts';
import { pieceParts } from './story-structure.ts';
import { smoothedIdf } from './term-statistics.ts';
import { tokenize, type Token } from './text-normalize.ts';

/** The learner's hyper-parameters (fitted by `npm run calibrate:feedback` on the project's calibration stories). */
export interface FeedbackParameters {
  /** Margin, in units of the score scale, a judged item must clear on its side of the threshold. */
  margin: number;
  /** Largest step per verdict and pass (passive-aggressive "C"). */
  aggressiveness: number;
  /** Passes over the verdicts. */
  epochs: number;
  /** Share of a rejection a term of the source piece is spared (the piece is the first accepted item). */
  pieceProtection: number;
  /** Weight of a word pair against a single word in a step (pairs are rarer, so they generalise less). */
  pairShare: number;
  /** Weight of the scorer's own evidence (core and context entities, subject terms, other states) as features of the step. */
  denseShare: number;
  /**
   * Share (0..1) of a rejection's step spread over the story's terms by how much each made of
   * the judged item's score, the rest by IDF over all its terms: a rejection falls on the words
   * that put the item in the digest ("war" of a "tariff war"), not only on every rare word of it.
   */
  blameShare: number;
}

/** The fitted hyper-parameters. */
export const FEEDBACK_PARAMETERS: Readonly<FeedbackParameters> = Object.freeze({
  margin: 1.69,
  aggressiveness: 2.81,
  epochs: 1,
  pieceProtection: 0.04,
  pairShare: 0.87,
  denseShare: 0.29,
  blameShare: 0.48,
});

/** The scorer's evidence for one item, as the learner's dense features. */
export interface DenseFeatures {
  core: number;
  context: number;
  subject: number;
  foreign: number;
  /** Share of the story's sides missing, 0..1. */
  missingSides: number;
}

const DENSE_KEYS: ReadonlyArray<keyof DenseFeatures> = ['core', 'context', 'subject', 'foreign', 'missingSides'];

/** One verdict as the learner sees it. */
export interface JudgedExample {
  /** The item's distinct terms (unigrams and pairs, as `termsOfItem` gives them). */
  terms: string[];
  dense: DenseFeatures;
  /** The story model's margin for the item, in units of the score scale (> 0: in the digest). */
  prior: number;
  relevant: boolean;
  /** How much of the margin each story term of the item made (units of the score scale). */
  contribution?: ReadonlyMap<string, number>;
}

/** The learned shift of the margin: a weight per term and per dense feature, in units of the score scale. */
export interface LearnedFeedback {
  terms: Map<string, number>;
  dense: Map<keyof DenseFeatures, number>;
  /** First words of the learned pairs: only there is a pair looked up when scoring. */
  pairStarts: Set<string>;
}

/** Nothing learned yet. */
export const NO_FEEDBACK: LearnedFeedback = Object.freeze({ terms: new Map(), dense: new Map(), pairStarts: new Set() }) as LearnedFeedback;

/** The distinct terms of an item, unigrams then pairs. */
export function termsOfItem(titleTokens: Token[], summaryTokens: Token[]): string[] {
  const { unigrams, pairs } = termsOfTokens([titleTokens, summaryTokens]);
  return [...unigrams, ...pairs];
}

/**
 * Fits the learned shift on the verdicts, oldest first. `idf` weighs a term by how rare it is
 * in the collection; `pieceTerms` are the terms of the source piece.
 */
export function learnFeedback(
  examples: JudgedExample[],
  idf: (term: string) => number,
  pieceTerms: ReadonlySet<string>,
  params: FeedbackParameters = FEEDBACK_PARAMETERS,
): LearnedFeedback {
  if (examples.length === 0) return NO_FEEDBACK;
  // How many accepted and rejected items hold each term: the piece counts as an accepted item.
  const held = { true: new Map<string, number>(), false: new Map<string, number>() };
  for (const ex of examples) {
    const m = held[String(ex.relevant) as 'true' | 'false'];
    for (const t of ex.terms) m.set(t, (m.get(t) ?? 0) + 1);
  }
  const accepted = examples.filter((e) => e.relevant).length;
  const rejected = examples.length - accepted;
  const directions = examples.map((ex) => {
    const other = ex.relevant ? held.false : held.true;
    const otherCount = ex.relevant ? rejected : accepted;
    const phi = new Map<string, number>();
    // The blame is a share of the step's IDF mass, spread over the terms by their part in the score.
    let idfMass = 0;
    let contributed = 0;
    for (const t of ex.terms) idfMass += idf(t);
    for (const v of ex.contribution?.values() ?? []) contributed += v;
    // Only a rejection has words to blame: a missed item lacks the story's words, so its step
    // goes to its own distinctive words (by IDF), not to the story terms it already has.
    const blame = contributed > 0 && !ex.relevant ? params.blameShare : 0;
    for (const t of ex.terms) {
      const sharedShare = otherCount === 0 ? 0 : (other.get(t) ?? 0) / otherCount;
      const protectedShare = !ex.relevant && pieceTerms.has(t) ? params.pieceProtection : 0;
      const specific = 1 - Math.max(sharedShare, protectedShare);
      const byScore = contributed > 0 ? ((ex.contribution?.get(t) ?? 0) / contributed) * idfMass : 0;
      const v = ((1 - blame) * idf(t) + blame * byScore) * specific * (t.includes('_') ? params.pairShare : 1);
      if (v > 0) phi.set(t, v);
    }
    const dense = new Map<keyof DenseFeatures, number>();
    if (params.denseShare > 0) for (const k of DENSE_KEYS) if (ex.dense[k] !== 0) dense.set(k, params.denseShare * ex.dense[k]);
    return { phi, dense };
  });
  const terms = new Map<string, number>();
  const dense = new Map<keyof DenseFeatures, number>();
  for (let epoch = 0; epoch < params.epochs; epoch++) {
    let moved = false;
    examples.forEach((ex, i) => {
      const y = ex.relevant ? 1 : -1;
      const { phi, dense: d } = directions[i]!;
      let m = ex.prior;
      for (const t of ex.terms) m += terms.get(t) ?? 0;
      for (const [k, w] of dense) m += w * ex.dense[k];
      const loss = params.margin - y * m;
      if (loss <= 0) return;
      // The shift along the step direction per unit step: Σ φ over the terms (indicator scoring) plus the dense part.
      let norm = 0;
      for (const v of phi.values()) norm += v;
      for (const [k, v] of d) norm += v * ex.dense[k];
      if (norm <= 0) return;
      const tau = Math.min(params.aggressiveness, loss / norm);
      for (const [t, v] of phi) terms.set(t, (terms.get(t) ?? 0) + y * tau * v);
      for (const [k, v] of d) dense.set(k, (dense.get(k) ?? 0) + y * tau * v);
      moved = true;
    });
    if (!moved) break;
  }
  const pairStarts = new Set<string>();
  for (const t of terms.keys()) {
    const i = t.indexOf('_');
    if (i > 0) pairStarts.add(t.slice(0, i));
  }
  return { terms, dense, pairStarts };
}

/** The learned shift of an item's margin, and the terms behind it. */
export function feedbackShift(learned: LearnedFeedback, terms: Iterable<string>, dense: DenseFeatures): { shift: number; byTerm: Array<[string, number]> } {
  let shift = 0;
  const byTerm: Array<[string, number]> = [];
  if (learned.terms.size === 0 && learned.dense.size === 0) return { shift, byTerm };
  for (const t of terms) {
    const w = learned.terms.get(t);
    if (w === undefined) continue;
    shift += w;
    byTerm.push([t, w]);
  }
  for (const [k, w] of learned.dense) shift += w * dense[k];
  return { shift, byTerm };
}

/** The story model's margin, in units of the score scale, for a raw score: > 0 above the threshold. */
function marginOf(model: StoryModel, raw: number): number {
  return raw / model.params.scale + Math.log(1 - model.threshold);
}

/** The terms a rejection mostly spares: the piece's headline and lede, its vocabulary, its entities' names. */
function pieceTermsOf(source: AnchorSource, entities: Entity[], model: StoryModel): Set<string> {
  const { headline, lede } = pieceParts(source);
  const out = new Set(termsOfItem(tokenize(headline), tokenize(lede)));
  for (const t of model.terms.keys()) out.add(t);
  for (const e of entities) for (const s of [e.name, ...e.aliases]) for (const t of termsOfItem(tokenize(s), [])) out.add(t);
  return out;
}

/** Fits what a compiled anchor learns from its verdicts (the story model scores each judged item first). */
export function fitFeedback(
  anchor: { source: AnchorSource; entities: Entity[]; matcher: Matcher; relevance: StoryModel },
  judgments: Judgment[],
  stats: CollectionStats = EMPTY_COLLECTION_STATS,
  params: FeedbackParameters = FEEDBACK_PARAMETERS,
): LearnedFeedback {
  if (judgments.length === 0) return NO_FEEDBACK;
  const examples = judgments.map((j): JudgedExample => {
    const title = tokenize(j.title);
    const summary = tokenize(j.summary);
    const prior = scoreStory(anchor.relevance, anchor.matcher.matchTokens([title, summary]), title, summary);
    // The subject's share of the margin, split over its terms by their weight in the item.
    const subjectTerms = prior.evidence.filter((e) => e.kind === 'term' && anchor.relevance.terms.has(e.name));
    const total = subjectTerms.reduce((sum, e) => sum + e.weight, 0);
    const contribution = new Map(subjectTerms.map((e) => [e.name, total > 0 ? (prior.dense.subject * e.weight) / total : 0]));
    return { terms: termsOfItem(title, summary), dense: prior.dense, prior: marginOf(anchor.relevance, prior.raw), relevant: j.relevant, contribution };
  });
  return learnFeedback(examples, (t) => smoothedIdf(stats, t), pieceTermsOf(anchor.source, anchor.entities, anchor.relevance), params);
}

/** Learned terms shown as evidence on an item, at most. */
const EVIDENCE_TERMS = 5;

/** An item's score after what the anchor learned from the verdicts, with the learned terms as `feedback` evidence. */
export function applyFeedback(
  model: StoryModel,
  learned: LearnedFeedback,
  prior: { score: number; evidence: Evidence[]; raw: number; dense: DenseFeatures },
  titleTokens: Token[],
  summaryTokens: Token[],
): { score: number; evidence: Evidence[] } {
  if (learned.terms.size === 0 && learned.dense.size === 0) return prior;
  const { shift, byTerm } = feedbackShift(learned, termsOfItem(titleTokens, summaryTokens), prior.dense);
  if (shift === 0) return prior;
  const scale = model.params.scale;
  const raw = Math.max(0, prior.raw + scale * shift);
  const evidence = [...prior.evidence];
  byTerm.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  for (const [t, w] of byTerm.slice(0, EVIDENCE_TERMS)) evidence.push({ kind: 'feedback', name: t, weight: Math.round(scale * w * 1000) / 1000 });
  evidence.sort((a, b) => b.weight - a.weight);
  return { score: 1 - Math.exp(-raw / scale), evidence };
}

/** Learned terms lighter than this (in the vocabulary's units) are not shown in `story.terms`. */
const SHOWN_WEIGHT = 0.05;

/**
 * The story's vocabulary with what the verdicts taught: a learned weight adds to a term of the
 * piece or the coverage (which keeps its source) and a new term shows with source `feedback`
 * (negative: a word of the rejected items).
 */
export function withLearnedTerms(terms: StoryTerm[], learned: LearnedFeedback, model: StoryModel): StoryTerm[] {
  if (learned.terms.size === 0) return terms;
  const scale = model.params.scale;
  const byTerm = new Map(terms.map((t) => [t.term, { ...t }]));
  for (const [term, w] of learned.terms) {
    const v = scale * w;
    const known = byTerm.get(term);
    if (known) known.weight = Math.round((known.weight + v) * 1000) / 1000;
    else if (Math.abs(v) >= SHOWN_WEIGHT) byTerm.set(term, { term, weight: Math.round(v * 1000) / 1000, source: 'feedback' });
  }
  return [...byTerm.values()].sort((a, b) => b.weight - a.weight || a.term.localeCompare(b.term));
}
