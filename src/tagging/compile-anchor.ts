/**
 * A compiled anchor: the entity list, its matcher and relevance model, built once per anchor
 * version (and again when the collection, the coverage or the analyst's verdicts change).
 * `tagItem` is what the tag worker calls for every item; it never runs compromise.
 */
import { createHash } from 'node:crypto';
import type { AnchorSource, Entity, EntityKind } from '../model/anchor.ts';
import type { CollectionStats } from '../model/collection-stats.ts';
import type { Judgment, StoryTerm, Why } from '../model/story.ts';
import { compileMatcher, type Matcher } from './compile-matcher.ts';
import { extractEntities } from './extract-entities.ts';
import { applyFeedback, fitFeedback, withLearnedTerms, type FeedbackParameters, type LearnedFeedback } from './feedback-learner.ts';
import { detectPieceLanguage } from './piece-language.ts';
import type { ModelParameters } from './model-parameters.ts';
import { buildStoryModel, scoreStory, storyTermsOf, type StoryModel } from './story-model.ts';
import { readStoryStructure, type StoryStructure } from './story-structure.ts';
import { tokenize, type ItemTokens } from './text-normalize.ts';

/** What compiling may read besides the piece: collection statistics, coverage on the story, analyst verdicts. */
export interface CompileContext {
  stats?: CollectionStats;
  judgments?: Judgment[];
  /** Items confidently on the story, from which its vocabulary grows. */
  coverage?: Array<{ title: string; summary: string }>;
  /** Parameters other than the calibrated ones (the calibration script's search). */
  params?: Partial<ModelParameters>;
  /** Feedback learner parameters other than the fitted ones (`npm run calibrate:feedback`). */
  feedbackParams?: FeedbackParameters;
}

/** Everything needed to tag items against one version of one anchor. */
export interface CompiledAnchor {
  source: AnchorSource;
  entities: Entity[];
  matcher: Matcher;
  relevance: StoryModel;
  /** What the analyst's verdicts taught, on top of the story model. */
  feedback: LearnedFeedback;
  structure: StoryStructure;
  /** Hash of the entity list and the text: items tagged under another version may be re-tagged. */
  version: string;
  entityByKey: Map<string, Entity>;
  /** The story's vocabulary and where each term came from. */
  storyTerms: StoryTerm[];
  /** The piece's language, ISO 639-1 ("und" when unknown). */
  language: string;
  warnings: string[];
}

/** The tagger's answer for one item: entity mentions with their names, score, digest decision and why. */
export interface TagResult {
  entities: Array<{ key: string; name: string; kind: EntityKind; count: number }>;
  score: number;
  relevant: boolean;
  why: Why;
}

/** Compiles an anchor: extracts entities (unless given, e.g. after PUT /entities), builds matcher and relevance model. */
export function compileAnchor(source: AnchorSource, entitiesOverride?: Entity[], context: CompileContext = {}): CompiledAnchor {
  const extracted = entitiesOverride ?? extractEntities(source);
  const structure = readStoryStructure(source, extracted);
  // Stored entity lists from before roles existed get derived roles.
  const entities = extracted.map((e) => (e.role ? e : { ...e, role: structure.roles.get(e.key) ?? 'context' }));
  const { language, warnings } = detectPieceLanguage(`${source.title}\n${source.text}`);
  const version = createHash('sha256')
    .update(JSON.stringify(entities))
    .update('\u0000')
    .update(source.text)
    .digest('hex')
    .slice(0, 16);
  const relevance = buildStoryModel(source, entities, structure, context);
  const matcher = compileMatcher(entities);
  const feedback = fitFeedback({ source, entities, matcher, relevance }, context.judgments ?? [], context.stats, context.feedbackParams);
  return {
    source,
    entities,
    matcher,
    relevance,
    feedback,
    structure,
    version,
    entityByKey: new Map(entities.map((e) => [e.key, e])),
    storyTerms: withLearnedTerms(storyTermsOf(relevance), feedback, relevance),
    language,
    warnings,
  };
}

/**
 * Tags one item against a compiled anchor: entity mentions, relevance score, digest decision
 * and its evidence. `tokens`: the item's fields already tokenised (the same result, without
 * tokenising again per anchor).
 */
export function tagItem(anchor: CompiledAnchor, item: { title: string; summary: string }, tokens?: ItemTokens): TagResult {
  // Tokenise once: the matcher and the relevance model read the same tokens.
  const titleTokens = tokens?.title ?? tokenize(item.title);
  const summaryTokens = tokens?.summary ?? tokenize(item.summary);
  const matches = anchor.matcher.matchTokens([titleTokens, summaryTokens]);
  const entities: TagResult['entities'] = [];
  for (const m of matches) {
    const e = anchor.entityByKey.get(m.key);
    if (e) entities.push({ key: e.key, name: e.name, kind: e.kind, count: m.count });
  }
  const prior = scoreStory(anchor.relevance, matches, titleTokens, summaryTokens);
  const { score, evidence } = applyFeedback(anchor.relevance, anchor.feedback, prior, titleTokens, summaryTokens);
  const threshold = anchor.relevance.threshold;
  return { entities, score, relevant: score >= threshold, why: { score, threshold, evidence } };
}
