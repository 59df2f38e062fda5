import type { Entity } from '../model/anchor.ts';
import type { StoryStructure } from './story-structure.ts';

/**
 * Countries of the people the piece quotes as context (a third state's leader reacting): a
 * reaction of that state, beside a side and a word of the news, is the story's own reaction,
 * not another matter. The parties and the venue's country are not foreign anyway.
 */
export function voicedCountriesOf(entities: Entity[], structure: StoryStructure): Set<string> {
  const own = new Set([...structure.parties.map((x) => x.country), ...(structure.venue?.country ? [structure.venue.country] : [])]);
  const out = new Set<string>();
  for (const e of entities) {
    if (e.kind !== 'person' || e.role !== 'context') continue;
    const c = structure.affiliation.get(e.key);
    if (c && !own.has(c)) out.add(c);
  }
  return out;
}
