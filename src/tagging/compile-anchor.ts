/**
 * A compiled anchor: the entity list, its matcher and relevance model, built once per anchor
 * version. `tagItem` is what the tag worker calls for every item; it never runs compromise.
 */
import { createHash } from 'node:crypto';
import type { AnchorSource, Entity, EntityKind } from '../model/anchor.ts';
import { compileMatcher, type Matcher } from './compile-matcher.ts';
import { extractEntities } from './extract-entities.ts';
import { buildRelevanceModel, combineRelevance, relevancePartsFromTokens, type RelevanceModel } from './relevance.ts';
import { tokenize } from './text-normalize.ts';
import type { CollectionStats } from '../model/collection-stats.ts';
import type { Judgment, StoryTerm, Why } from '../model/story.ts';

/** Everything needed to tag items against one version of one anchor. */
export interface CompiledAnchor {
  source: AnchorSource;
  entities: Entity[];
  matcher: Matcher;
  relevance: RelevanceModel;
  /** Hash of the entity list and the text: items tagged under another version may be re-tagged. */
  version: string;
  entityByKey: Map<string, Entity>;
  language: string;
  warnings: string[];
  storyTerms: StoryTerm[];
}

/** The tagger's answer for one item: entity mentions with their names, score and digest decision. */
export interface TagResult {
  entities: Array<{ key: string; name: string; kind: EntityKind; count: number }>;
  score: number;
  relevant: boolean;
  why: Why;
}

/** Compiles an anchor: extracts entities (unless given, e.g. after PUT /entities), builds matcher and relevance model. */
export function compileAnchor(
  source: AnchorSource,
  entitiesOverride?: Entity[],
  _learn: { stats?: CollectionStats; judgments?: Judgment[]; coverage?: Array<{ title: string; summary: string }> } = {},
): CompiledAnchor {
  const entities = entitiesOverride ?? extractEntities(source);
  const version = createHash('sha256')
    .update(JSON.stringify(entities))
    .update('\u0000')
    .update(source.text)
    .digest('hex')
    .slice(0, 16);
  return {
    source,
    entities,
    matcher: compileMatcher(entities),
    relevance: buildRelevanceModel(source, entities),
    version,
    entityByKey: new Map(entities.map((e) => [e.key, e])),
    language: 'en',
    warnings: [],
    storyTerms: [],
  };
}

/** Tags one item against a compiled anchor: entity mentions, relevance score and digest decision. */
export function tagItem(anchor: CompiledAnchor, item: { title: string; summary: string }): TagResult {
  // Tokenise once: the matcher and the relevance model read the same tokens.
  const titleTokens = tokenize(item.title);
  const summaryTokens = tokenize(item.summary);
  const matches = anchor.matcher.matchTokens([titleTokens, summaryTokens]);
  const entities: TagResult['entities'] = [];
  for (const m of matches) {
    const e = anchor.entityByKey.get(m.key);
    if (e) entities.push({ key: e.key, name: e.name, kind: e.kind, count: m.count });
  }
  const score = combineRelevance(relevancePartsFromTokens(anchor.relevance, matches, titleTokens, summaryTokens));
  const threshold = anchor.relevance.threshold;
  return { entities, score, relevant: score >= threshold, why: { score, threshold, evidence: entities.map((e) => ({ kind: 'entity', name: e.name, weight: anchor.entityByKey.get(e.key)!.weight })) } };
}
