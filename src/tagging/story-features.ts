/**
 * The evidence the story model measures on one item, before any combination: which of the
 * story's sides are there (and what stands in for a missing one), its core and context
 * entities, its subject words in the title and in the summary, other states, and how new the
 * title's words are to the story. The learned combiner (learned-combiner.ts) turns these into
 * a score; the feedback learner reads them too.
 */
import type { Evidence } from '../model/story.ts';
import { termOfWord } from './collection-terms.ts';
import { compileMatcher, type Matcher } from './compile-matcher.ts';
import { allCountries, countrySurfaces } from './gazetteer.ts';
import type { StoryModel } from './story-model.ts';
import { wordRank } from './term-statistics.ts';
import type { Token } from './text-normalize.ts';

/** The measured evidence of one item. */
export interface StoryFeatures {
  /** Share of the story's sides present through their own names or their core people, 0..1. */
  sidesNamed: number;
  /** The same with the stand-ins of a missing side (a core person of no side, the venue, the piece's own places), capped at 1. */
  sides: number;
  /** Whether the story has no parties at all (a headline naming none). */
  noParties: boolean;
  /** Σ weight of the core and context entities present (each × (1 + 0.3 ln count)). */
  core: number;
  context: number;
  /** Σ weight of the story's terms present, in the title and in the summary only. */
  subjectTitle: number;
  subjectSummary: number;
  /** Distinct story terms present. */
  termCount: number;
  /** Other states named, in the title and in the summary, while a side of the story is not named. */
  foreignTitle: number;
  foreignSummary: number;
  /** Title novelty beyond the coverage's baseline, 0..1. */
  novelty: number;
  venue: boolean;
  wildcard: boolean;
  local: boolean;
  /** Entity and term evidence, unweighted by the combiner (weights in term/entity units). */
  evidence: Evidence[];
}

/** Measures an item against the story. */
export function storyFeatures(
  model: StoryModel,
  matches: ReadonlyArray<{ key: string; count: number }>,
  titleTokens: Token[],
  summaryTokens: Token[],
): StoryFeatures {
  const p = model.params;
  const evidence: Evidence[] = [];
  const present = new Set<number>();
  for (const m of model.partyMatcher.matchTokens([titleTokens, summaryTokens])) present.add(Number(m.key.slice(6)));
  let core = 0;
  let context = 0;
  let wildcard = false;
  let venue = false;
  for (const m of matches) {
    const e = model.entities.get(m.key);
    if (!e) continue;
    const side = model.sideOf.get(m.key);
    if (side !== undefined) present.add(side);
    if (model.wildcards.has(m.key)) wildcard = true;
    if (model.venueKeys.has(m.key)) venue = true;
    const w = e.weight * (1 + 0.3 * Math.log(m.count));
    if (e.role === 'core') core += w;
    else context += w;
    evidence.push({ kind: 'entity', name: e.name, weight: round(e.role === 'core' ? p.coreEntityFactor * w : p.contextEntityFactor * w) });
  }
  let total = 0;
  let have = 0;
  let missing = 0;
  for (const [i, party] of model.parties.entries()) {
    total += party.weight;
    if (present.has(i)) have += party.weight;
    else missing = Math.max(missing, party.weight);
  }
  const sidesNamed = total === 0 ? 0 : have / total;
  // A core person of no known side (a president named without a country) may stand for one missing side.
  if (wildcard && missing > 0) have += p.wildcardShare * missing;
  if (!venue && missing > 0 && model.venueMatcher && model.venueMatcher.matchTokens([titleTokens, summaryTokens]).length > 0) venue = true;
  if (venue && missing > 0) have += p.venueShare * missing;
  let local = false;
  if (missing > 0 && model.properTerms.size > 0) {
    for (const tokens of [titleTokens, summaryTokens]) for (const t of tokens) if (t.shape !== 'lower' && model.properTerms.has(termOfWord(t.folded))) local = true;
    if (local) have += p.placeShare * missing;
  }
  have = Math.min(have, total);
  const sides = total === 0 ? (core > 0 ? 1 : p.noPartySides) : have / total;

  // One pass over the words: unigram terms, and a pair only where its first word starts a vocabulary pair.
  const seen = new Map<string, number>();
  const visit = (tokens: Token[], boost: number) => {
    let prev = '';
    for (const t of tokens) {
      const term = termOfWord(t.folded);
      if (term !== '') {
        if (model.terms.has(term)) seen.set(term, Math.max(seen.get(term) ?? 0, boost));
        if (prev !== '' && !t.gapBefore && model.pairStarts.has(prev)) {
          const pair = `${prev}_${term}`;
          if (model.terms.has(pair)) seen.set(pair, Math.max(seen.get(pair) ?? 0, boost));
        }
      }
      prev = term;
    }
  };
  visit(summaryTokens, 1);
  visit(titleTokens, p.titleBoost);
  let subjectTitle = 0;
  let subjectSummary = 0;
  for (const [t, boost] of seen) {
    const term = model.terms.get(t)!;
    if (boost > 1) subjectTitle += term.weight;
    else subjectSummary += term.weight;
    evidence.push({ kind: term.source === 'feedback' ? 'feedback' : 'term', name: t, weight: round(term.weight * boost) });
  }
  let foreignTitle = 0;
  let foreignSummary = 0;
  if (sidesNamed < 1) {
    for (const m of worldMatcher().matchTokens([titleTokens])) if (!model.ownCountries.has(m.key.slice(8))) foreignTitle++;
    for (const m of worldMatcher().matchTokens([summaryTokens])) if (!model.ownCountries.has(m.key.slice(8))) foreignSummary++;
  }
  const novelty = Math.max(0, titleNovelty(model, titleTokens) - model.noveltyBaseline) / (1 - model.noveltyBaseline);
  return {
    sidesNamed,
    sides,
    noParties: total === 0,
    core,
    context,
    subjectTitle,
    subjectSummary,
    termCount: seen.size,
    foreignTitle,
    foreignSummary,
    novelty,
    venue,
    wildcard,
    local,
    evidence,
  };
}

/** Share of the title's distinctive content words (by IDF) that the story does not know. */
export function titleNovelty(model: Pick<StoryModel, 'idf' | 'terms' | 'nameTerms'>, titleTokens: Token[]): number {
  let all = 0;
  let novel = 0;
  for (const t of titleTokens) {
    if (t.shape !== 'lower' && t.shape !== 'capital' && t.shape !== 'upper') continue;
    const term = termOfWord(t.folded);
    if (term === '' || wordRank(t.folded) <= VERY_COMMON_RANK) continue;
    const w = model.idf(term);
    all += w;
    if (!model.terms.has(term) && !model.nameTerms.has(term)) novel += w;
  }
  return all === 0 ? 0 : novel / all;
}

/** The thousand most frequent words of English: they carry a story only where its headline puts them. */
export const VERY_COMMON_RANK = 1000;

let world: Matcher | null = null;

/** One matcher of every state (names, demonyms, capitals, seats), keys "country:<name>"; built once. */
function worldMatcher(): Matcher {
  world ??= compileMatcher(
    allCountries().map((c) => ({ key: `country:${c}`, name: c, kind: 'place' as const, aliases: countrySurfaces(c).filter((s) => s !== c), weight: 1, role: 'core' as const })),
  );
  return world;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
