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
import { deriveRoles } from './entity-roles.ts';
import { extractEntities } from './extract-entities.ts';
import { detectPieceLanguage } from './piece-language.ts';
import { buildRelevanceModel, combineRelevance, relevancePartsFromTokens, type RelevanceModel } from './relevance.ts';
import { tokenize } from './text-normalize.ts';

/** What compiling may read besides the piece: collection statistics, coverage on the story, analyst verdicts. */
export interface CompileContext {
  stats?: CollectionStats;
  judgments?: Judgment[];
  /** Items confidently on the story, from which its vocabulary grows. */
  coverage?: Array<{ title: string; summary: string }>;
}

/** Everything needed to tag items against one version of one anchor. */
export interface CompiledAnchor {
  source: AnchorSource;
  entities: Entity[];
  matcher: Matcher;
  relevance: RelevanceModel;
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
  // Stored entity lists from before roles existed get derived roles.
  const entities = entitiesOverride ? deriveRoles(source, entitiesOverride) : extractEntities(source);
  const { language, warnings } = detectPieceLanguage(`${source.title}\n${source.text}`);
  const version = createHash('sha256')
    .update(JSON.stringify(entities))
    .update('\u0000')
    .update(source.text)
    .digest('hex')
    .slice(0, 16);
  const relevance = buildRelevanceModel(source, entities);
  void context;
  return {
    source,
    entities,
    matcher: compileMatcher(entities),
    relevance,
    version,
    entityByKey: new Map(entities.map((e) => [e.key, e])),
    storyTerms: [...relevance.vocabulary].map(([term, weight]) => ({ term, weight: Math.round(weight * 1000) / 1000, source: 'piece' as const })),
    language,
    warnings,
  };
}

/** Tags one item against a compiled anchor: entity mentions, relevance score, digest decision and its evidence. */
export function tagItem(anchor: CompiledAnchor, item: { title: string; summary: string }): TagResult {
  // Tokenise once: the matcher and the relevance model read the same tokens.
  const titleTokens = tokenize(item.title);
  const summaryTokens = tokenize(item.summary);
  const matches = anchor.matcher.matchTokens([titleTokens, summaryTokens]);
  const entities: TagResult['entities'] = [];
  const evidence: Why['evidence'] = [];
  for (const m of matches) {
    const e = anchor.entityByKey.get(m.key);
    if (!e) continue;
    entities.push({ key: e.key, name: e.name, kind: e.kind, count: m.count });
    evidence.push({ kind: 'entity', name: e.name, weight: e.weight });
  }
  const score = combineRelevance(relevancePartsFromTokens(anchor.relevance, matches, titleTokens, summaryTokens));
  const threshold = anchor.relevance.threshold;
  return { entities, score, relevant: score >= threshold, why: { score, threshold, evidence } };
}
