import { AppError, ErrorCodes } from '../errors.ts';
import type { AnchorRecord, Entity, EntityKind, EntityRole } from '../model/anchor.ts';
import { generateAliases } from '../tagging/entity-aliases.ts';
import { entityKey, entityWeight } from '../tagging/extract-entities.ts';
import { replaceAnchorEntities, type AnchorDeps } from './register-anchor.ts';

/** An entity as a person gives it: name, kind and optional extra aliases. */
export interface EntityInput {
  name: string;
  kind: EntityKind;
  aliases?: string[];
  /** Core or context; an entity that was there keeps its role, a new one is core (a person added it to the story). */
  role?: EntityRole;
}

/**
 * Replaces an anchor's entity list with the one given. An entity that was there before
 * (same name) keeps its key and weight, so series and alerts that name it go on; a new one
 * gets a key and weight as extraction would. The caller's aliases come on top of the
 * generated ones (demonyms, surname, variants). Items are re-tagged in the background.
 */
export async function updateAnchorEntities(anchor: AnchorRecord, inputs: EntityInput[], deps: AnchorDeps): Promise<AnchorRecord> {
  const previous = new Map(anchor.entities.map((e) => [e.name.toLowerCase(), e]));
  const seen = new Set<string>();
  const entities: Entity[] = [];
  for (const input of inputs) {
    const before = previous.get(input.name.toLowerCase());
    const key = before?.key ?? entityKey(input.name, input.kind);
    if (seen.has(key)) {
      throw new AppError(ErrorCodes.validation, `Two entities share the key "${key}".`, {
        fieldErrors: [{ field: 'entities', message: `duplicate entity "${input.name}"` }],
      });
    }
    seen.add(key);
    const aliases = [...new Set([...(input.aliases ?? []), ...generateAliases(input.name, input.kind)])].filter(
      (a) => a.toLowerCase() !== input.name.toLowerCase(),
    );
    entities.push({ key, name: input.name, kind: input.kind, aliases, weight: before?.weight ?? entityWeight(input.name, input.kind), role: input.role ?? before?.role ?? 'core' });
  }
  return replaceAnchorEntities(anchor, entities, deps);
}
