import type { Entity } from '../model/anchor.ts';
import type { CollectionStats } from '../model/collection-stats.ts';
import { compileMatcher } from './compile-matcher.ts';
import { countrySurfaces } from './gazetteer.ts';
import type { StoryModel } from './story-model.ts';
import type { StoryStructure } from './story-structure.ts';
import { smoothedIdf } from './term-statistics.ts';

/**
 * The parts of a story model that are functions (the parties' and the venue's matchers, the
 * cached IDF lookup), from the structure and statistics it was built with: cheap to build, so
 * a model sent to a pipeline thread as data gets them back there instead of compiling again.
 */
export function storyModelFunctions(structure: StoryStructure, stats: CollectionStats): Pick<StoryModel, 'partyMatcher' | 'venueMatcher' | 'idf'> {
  const partyEntities: Entity[] = structure.parties.map((p, i) => ({
    key: `party:${i}`,
    name: p.country,
    kind: 'place',
    aliases: countrySurfaces(p.country).filter((s) => s !== p.country),
    weight: 1,
    role: 'core',
  }));
  const venue = structure.venue?.country ?? null;
  return {
    partyMatcher: compileMatcher(partyEntities),
    venueMatcher: venue ? compileMatcher([{ key: 'venue', name: venue, kind: 'place', aliases: countrySurfaces(venue).filter((x) => x !== venue), weight: 1, role: 'core' }]) : null,
    idf: cachedIdf((t) => smoothedIdf(stats, t)),
  };
}

/** Terms whose IDF a compiled anchor keeps: bounds its memory, and the hot words of titles stay cached. */
const IDF_CACHE_LIMIT = 4096;

function cachedIdf(idf: (t: string) => number): (t: string) => number {
  const cache = new Map<string, number>();
  return (t) => {
    let v = cache.get(t);
    if (v === undefined) {
      if (cache.size >= IDF_CACHE_LIMIT) cache.clear();
      v = idf(t);
      cache.set(t, v);
    }
    return v;
  };
}
