/**
 * A compiled anchor: the entity list, its matcher and relevance model, built once per anchor
 * version. `tagItem` is what the tag worker calls for every item; it never runs compromise.
 */
import { createHash } from 'node:crypto';
import type { AnchorSource, Entity, EntityKind } from './anchor-types.ts';
import { compileMatcher, type Matcher } from './compile-matcher.ts';
import { extractEntities } from './extract-entities.ts';
import { buildRelevanceModel, scoreRelevance, type RelevanceModel } from './relevance.ts';

/** Everything needed to tag items against one version of one anchor. */
export interface CompiledAnchor {
  source: AnchorSource;
  entities: Entity[];
  matcher: Matcher;
  relevance: RelevanceModel;
  /** Hash of the entity list and the text: items tagged under another version may be re-tagged. */
  version: string;
}

/** The tags, score and digest decision of one item. */
export interface ItemTags {
  entities: Array<{ key: string; name: string; kind: EntityKind; count: number }>;
  score: number;
  relevant: boolean;
}

/** Compiles an anchor: extracts entities (unless given, e.g. after PUT /entities), builds matcher and relevance model. */
export function compileAnchor(source: AnchorSource, entitiesOverride?: Entity[]): CompiledAnchor {
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
  };
}

/** Tags one item against a compiled anchor: entity mentions, relevance score and digest decision. */
export function tagItem(anchor: CompiledAnchor, item: { title: string; summary: string }): ItemTags {
  const matches = anchor.matcher.match(item.title, item.summary);
  const byKey = new Map(anchor.entities.map((e) => [e.key, e]));
  const entities: ItemTags['entities'] = [];
  for (const m of matches) {
    const e = byKey.get(m.key);
    if (e) entities.push({ key: e.key, name: e.name, kind: e.kind, count: m.count });
  }
  const score = scoreRelevance(anchor.relevance, matches, item.title, item.summary);
  return { entities, score, relevant: score >= anchor.relevance.threshold };
}
