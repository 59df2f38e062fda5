/**
 * A compiled anchor as plain data: what a pipeline thread is sent instead of compiling the
 * anchor again. Compiling (story model, vocabulary, the analyst's verdicts learned) costs
 * hundreds of ms the first time in a fresh thread; the parts that are functions (matchers,
 * the IDF lookup) are rebuilt from the data in a fraction of a millisecond, with the same results.
 */
import { EMPTY_COLLECTION_STATS, type CollectionStats } from '../model/collection-stats.ts';
import type { CompiledAnchor } from './compile-anchor.ts';
import { compileMatcher } from './compile-matcher.ts';
import type { StoryModel } from './story-model.ts';
import { storyModelFunctions } from './story-model-functions.ts';

/** A CompiledAnchor without its functions: structured-cloneable (Maps, Sets, arrays, plain objects). */
export type PortableAnchor = Omit<CompiledAnchor, 'matcher' | 'relevance'> & { relevance: Omit<StoryModel, 'partyMatcher' | 'venueMatcher' | 'idf'> };

/** The plain data of a compiled anchor (shares its parts with it: nothing is copied here). */
export function portableAnchor(anchor: CompiledAnchor): PortableAnchor {
  const { matcher: _matcher, relevance, ...rest } = anchor;
  const { partyMatcher: _party, venueMatcher: _venue, idf: _idf, ...model } = relevance;
  return { ...rest, relevance: model };
}

/** The compiled anchor back from its data and the collection statistics it was compiled with. */
export function anchorFromPortable(portable: PortableAnchor, stats: CollectionStats | undefined): CompiledAnchor {
  return {
    ...portable,
    matcher: compileMatcher(portable.entities),
    relevance: { ...portable.relevance, ...storyModelFunctions(portable.structure, stats ?? EMPTY_COLLECTION_STATS) },
  };
}
