/** Entity roles from the story's structure (see story-structure.ts); a role a person set is kept. */
import type { AnchorSource, Entity, EntityRole } from '../model/anchor.ts';
import { readStoryStructure } from './story-structure.ts';

/** The entities with their roles: derived where none is set. */
export function deriveRoles(source: AnchorSource, entities: Array<Omit<Entity, 'role'> & { role?: EntityRole }>): Entity[] {
  const { roles } = readStoryStructure(source, entities);
  return entities.map((e) => ({ ...e, role: e.role ?? roles.get(e.key) ?? 'context' }));
}
