/**
 * The relevance model of a story: an item is about the story when it has the story's sides
 * (the share of its parties present, through their names, demonyms, capitals, seats of
 * government or the people of each side) AND its subject (the piece's vocabulary, headline
 * first, weighted by how distinctive each term is against the collection). Context entities
 * add weight only beside core evidence. The vocabulary grows from coverage (terms frequent on
 * the story and rare elsewhere); the analyst's verdicts
 * are learned on top of it (feedback-learner.ts).
 */
import type { AnchorSource, Entity } from '../model/anchor.ts';
import { EMPTY_COLLECTION_STATS, type CollectionStats } from '../model/collection-stats.ts';
import type { Evidence, StoryTerm, StoryTermSource } from '../model/story.ts';
import type { DenseFeatures } from './feedback-learner.ts';
import { pairTerm, termsOfTokens, wordTerm } from './collection-terms.ts';
import { compileMatcher, type Matcher } from './compile-matcher.ts';
import { EXTRACTION_CHAR_CAP, TITLE_WORDS } from './extract-entities.ts';
import { allCountries, countrySurfaces } from './gazetteer.ts';
import { pieceParts, type StoryStructure } from './story-structure.ts';
import { voicedCountriesOf } from './voiced-countries.ts';
import { smoothedIdf, wordRank } from './term-statistics.ts';
import { storyModelFunctions } from './story-model-functions.ts';
import { tokenize, type Token } from './text-normalize.ts';
import { topicalTerms } from './topical-terms.ts';
import { headlineParts, ledeParts } from './headline-parts.ts';
import { MODEL_PARAMETERS, type ModelParameters } from './model-parameters.ts';

/** A term of the story with its weight and origin. */
interface Term {
  weight: number;
  source: StoryTermSource;
  /** A word of the news (headline, lede) or grown from the coverage; body words are context and count in full only beside one. */
  core: boolean;
}

/** The compiled relevance model of one anchor. */
export interface StoryModel {
  parties: Array<{ country: string; weight: number }>;
  /** Matches the parties' own surfaces (names, demonyms, capitals, seats); keys are "party:<index>". */
  partyMatcher: Matcher;
  /** Entity key → index of the party it belongs to. */
  sideOf: Map<string, number>;
  /** Core people of no known side: each may stand for one missing side, at a discount. */
  wildcards: Set<string>;
  /** The venue and the entities of its country: the place the story happens stands in for a missing side, at a discount. */
  venueKeys: Set<string>;
  /** Matches the venue's country's surfaces (the host, "Ethiopia" for Addis Ababa): the venue, as much as its city. */
  venueMatcher: Matcher | null;
  /** Terms of every name the story knows (its entities, every state): never novel in a title. */
  nameTerms: Set<string>;
  /**
   * Title novelty of the coverage, on average: a short piece knows few words, so even items on
   * the story bring new ones; only novelty beyond what on-story items show counts against an item.
   */
  noveltyBaseline: number;
  /** Smoothed IDF of the collection, cached per term: the novelty of a title reads it per word. */
  idf: (term: string) => number;
  /** The piece's proper nouns that are no entity (see properTermsOf): they stand in for a missing side as the venue does. */
  properTerms: Set<string>;
  /** Country index (in the world matcher) of the parties and of the venue's country: not foreign. */
  ownCountries: Set<string>;
  /** Countries of the piece's context people (a third state's leader it quotes): the piece voices them, they are not wholly foreign. */
  voicedCountries: Set<string>;
  entities: Map<string, Entity>;
  terms: Map<string, Term>;
  /** First words of the vocabulary's pair terms: only there is a pair looked up. */
  pairStarts: Set<string>;
  params: ModelParameters;
  threshold: number;
}

/** Input of the model besides the piece and its structure. */
export interface StoryModelContext {
  stats?: CollectionStats;
  coverage?: Array<{ title: string; summary: string }>;
  params?: Partial<ModelParameters>;
}

function fieldTerms(text: string): string[] {
  const { unigrams, pairs } = termsOfTokens([tokenize(text)]);
  return [...unigrams, ...pairs];
}

/** Terms all of whose written forms in a text are among the most frequent words of English. */
function commonTermsOf(text: string, into: Map<string, boolean>): void {
  let prev: { term: string; common: boolean } | null = null;
  for (const t of tokenize(text)) {
    const term = wordTerm(t);
    if (term === '') {
      prev = null;
      continue;
    }
    const common = wordRank(t.folded) <= VERY_COMMON_RANK;
    into.set(term, (into.get(term) ?? true) && common);
    if (prev && !t.gapBefore) {
      const pair = `${prev.term}_${term}`;
      into.set(pair, (into.get(pair) ?? true) && prev.common && common);
    }
    prev = { term, common };
  }
}

/**
 * The piece's own proper nouns that are no entity and no state ("Punta Arenas", "Donbas",
 * "Nakhchivan"): the story's geography and names the extraction did not keep. An item naming
 * one is where the story happens, as the venue is. A capitalised word opening a sentence, or
 * among English's commoner words, is no evidence of a name.
 */
function properTermsOf(text: string, names: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const tokens = tokenize(line);
    // A heading in Title Case ("A Region Holds Its Breath") capitalises every word.
    const long = tokens.filter((t) => t.text.length > 3);
    if (long.length > 0 && long.filter((t) => t.shape !== 'lower').length * 2 > long.length) continue;
    for (const [i, t] of tokens.entries()) {
      if (t.shape !== 'capital' || i === 0 || TITLE_WORDS.has(t.folded)) continue;
      const before = line.slice(tokens[i - 1]!.end, t.start);
      if (/[.!?:"“”]/.test(before)) continue;
      const term = wordTerm(t);
      if (term === '' || names.has(term) || wordRank(t.folded) <= PROPER_MIN_RANK) continue;
      out.add(term);
    }
  }
  return out;
}

/** Capitalised words among this many commonest English words are not taken for names ("Foreign", "Tuesday"). */
const PROPER_MIN_RANK = 5000;

/** The thousand most frequent words of English: they carry a story only where its headline puts them. */
export const VERY_COMMON_RANK = 1000;

/** Words that are names (entities, the parties' surfaces): the entity part of the score counts them, not the vocabulary. */
function nameTerms(entities: Entity[], parties: StoryStructure['parties']): Set<string> {
  const out = new Set<string>();
  const add = (surface: string) => {
    for (const t of fieldTerms(surface)) out.add(t);
  };
  // An organisation's name is made of ordinary words ("Institute for the Study of War", "White
  // House"): only a one-word name or acronym of it is a name; "war" stays a word of the subject.
  for (const e of entities) {
    if (e.kind === 'topic') continue;
    for (const s of [e.name, ...e.aliases]) if (e.kind !== 'organization' || !/\s/.test(s.trim())) add(s);
  }
  for (const p of parties) for (const s of countrySurfaces(p.country)) add(s);
  return out;
}

function allNamesAndAliases(entities: Entity[], stateNames: Set<string>): Set<string> {
  const out = new Set(stateNames);
  for (const e of entities) for (const s of [e.name, ...e.aliases]) for (const t of fieldTerms(s)) if (!t.includes('_')) out.add(t);
  return out;
}

/** Builds the story model of a piece. */
export function buildStoryModel(source: AnchorSource, entities: Entity[], structure: StoryStructure, ctx: StoryModelContext = {}): StoryModel {
  const params: ModelParameters = { ...MODEL_PARAMETERS, ...ctx.params };
  const stats = ctx.stats ?? EMPTY_COLLECTION_STATS;
  const idf = (t: string) => smoothedIdf(stats, t);
  const names = nameTerms(entities, structure.parties);
  // Every state's surfaces too: a state is a side or a foreign state, never the story's own place.
  const allNames = new Set(names);
  for (const c of allCountries()) for (const surface of countrySurfaces(c)) for (const t of fieldTerms(surface)) allNames.add(t);
  const { headline, lede, body } = pieceParts(source);

  // Piece vocabulary: salience by where a term stands (headline > lede > body frequency) × distinctiveness.
  // Only nouns and adjectives carry a subject ("talks", "nuclear"); verbs and numbers carry the telling ("hold", "first").
  const topical = topicalTerms(`${headline}\n${lede}\n${body}`.slice(0, EXTRACTION_CHAR_CAP));
  const salience = new Map<string, number>();
  const bump = (t: string, s: number) => salience.set(t, Math.max(salience.get(t) ?? 0, s));
  const bodyTf = new Map<string, number>();
  for (const line of body.split('\n')) for (const t of fieldTerms(line)) bodyTf.set(t, (bodyTf.get(t) ?? 0) + 1);
  const ledeTerms = new Set(fieldTerms(lede));
  // A headline word the piece never takes up again tells the news ("hold", "set", "shadow");
  // the subject is what the lede and body keep returning to ("talks", "nuclear").
  const repeated = (t: string) => ledeTerms.has(t) || bodyTf.has(t) || (t.includes('_') && t.split('_').every((x) => ledeTerms.has(x) || bodyTf.has(x)));
  // The headline's trailing circumstance ("… under the shadow of war") weighs as the lede does.
  const { news, circumstance } = headlineParts(headline);
  const headlineTerms = new Set(fieldTerms(news));
  for (const t of headlineTerms) bump(t, params.headlineSalience * (repeated(t) ? 1 : params.unrepeatedHeadlineFactor));
  for (const t of fieldTerms(circumstance)) bump(t, params.ledeSalience * (repeated(t) ? 1 : params.unrepeatedHeadlineFactor));
  const ledeSplit = ledeParts(lede);
  // The news (headline and lede, without their circumstances) and the story's core topics: the subject proper.
  const ledeNewsTerms = fieldTerms(ledeSplit.news);
  const newsTerms = new Set([...headlineTerms, ...ledeNewsTerms]);
  // A core topic is news as a whole phrase ("military intelligence"); its words alone ("military")
  // are news only where the headline or lede use them, or every item on the war would carry it.
  // A phrase of the circumstances only ("…, as a tariff war hits car makers") is the background.
  const circumstanceTerms = new Set([...fieldTerms(circumstance), ...fieldTerms(ledeSplit.circumstance)]);
  for (const e of entities) {
    if (e.kind !== 'topic' || e.role !== 'core') continue;
    for (const s of [e.name, ...e.aliases]) for (const t of fieldTerms(s)) if (t.includes('_') && (!circumstanceTerms.has(t) || newsTerms.has(t))) newsTerms.add(t);
  }
  for (const t of ledeNewsTerms) bump(t, params.ledeSalience);
  // The lede's circumstance ("…, as Washington seeks a way to end the war") is read as the body is.
  for (const t of fieldTerms(ledeSplit.circumstance)) bodyTf.set(t, (bodyTf.get(t) ?? 0) + 1);
  for (const [t, n] of bodyTf) bump(t, Math.min(params.bodyCap, params.bodySalience * (1 + Math.log(n))));
  for (const e of entities) {
    if (e.kind !== 'topic') continue;
    for (const s of [e.name, ...e.aliases]) {
      const t = fieldTerms(s).find((x) => x.includes('_'));
      if (t) bump(t, e.role === 'core' ? params.ledeSalience : params.bodyCap);
    }
  }
  const common = new Map<string, boolean>();
  commonTermsOf(headline, common);
  const headlineCommon = new Map(common);
  commonTermsOf(`${lede}\n${body}`, common);
  // A headline word keeps the headline's verdict on it, wherever else it appears.
  for (const [t, c] of headlineCommon) common.set(t, c);
  const terms = new Map<string, Term>();
  for (const [t, s] of salience) {
    if (names.has(t) || t.split('_').some((p) => names.has(p) || !topical.has(p))) continue;
    // The headline states the subject: its words keep a floor of distinctiveness however common
    // they are in the collection ("talks"), unless they are among English's commonest ("hold", "day").
    const inHeadline = headlineTerms.has(t) && repeated(t);
    const d = inHeadline && headlineCommon.get(t) === false ? Math.max(idf(t), params.headlineIdfFloor) : idf(t);
    const damp = common.get(t) === true ? params.commonWordFactor : 1;
    const w = s * d * damp;
    if (w >= params.minTermWeight) terms.set(t, { weight: w, source: 'piece', core: newsTerms.has(t) });
  }

  // Story growth: a term frequent on the coverage and rare elsewhere enters (and the anchor shows it).
  const coverage = ctx.coverage ?? [];
  if (coverage.length >= params.minCoverage) {
    const df = new Map<string, number>();
    for (const item of coverage) {
      const { unigrams, pairs } = termsOfTokens([tokenize(item.title), tokenize(item.summary)]);
      for (const t of unigrams) df.set(t, (df.get(t) ?? 0) + 1);
      for (const t of pairs) if (terms.has(t)) df.set(t, (df.get(t) ?? 0) + 1);
    }
    // The story's background: a word of the piece that its coverage uses no more than the rest
    // of the collection does ("war" behind peace talks, when every item on the war has it) does
    // not tell the story's items from the others. The rest excludes the coverage itself, or a
    // story that fills the collection would be its own background; counts are smoothed, and a
    // word is judged only when there is evidence either way (seen on the coverage, or expected
    // there at least once were it background).
    const rest = Math.max(1, stats.documents - coverage.length);
    const elsewhereShare = (t: string, n: number) => Math.max(0, stats.documentFrequency(t) - n) / rest;
    if (stats.documents > 0) {
      for (const [t, term] of terms) {
        const n = df.get(t) ?? 0;
        const expected = coverage.length * elsewhereShare(t, n);
        if (n < params.minCoverage) continue;
        const lift = (n + LIFT_PRIOR) / (expected + LIFT_PRIOR);
        if (lift < params.backgroundLift) {
          const f = params.backgroundFactor + (1 - params.backgroundFactor) * Math.max(0, (lift - 1) / (params.backgroundLift - 1));
          terms.set(t, { ...term, weight: term.weight * f });
        }
      }
    }
    for (const [t, n] of df) {
      if (terms.has(t) || names.has(t) || t.includes('_')) continue;
      const onStory = n / coverage.length;
      const elsewhere = stats.documents > 0 ? elsewhereShare(t, n) : 0;
      if (n >= params.minCoverage && onStory >= params.coverageShare && onStory >= params.coverageLift * elsewhere) {
        terms.set(t, { weight: params.coverageSalience * idf(t), source: 'coverage', core: true });
      }
    }
  }

  // The analyst's verdicts are learned on top of this model (feedback-learner.ts), not here.

  const partyIndex = new Map(structure.parties.map((p, i) => [p.country, i]));
  const sideOf = new Map<string, number>();
  const wildcards = new Set<string>();
  const venueKeys = new Set<string>(structure.venue ? [structure.venue.key] : []);
  for (const e of entities) {
    if (structure.venue?.country && structure.affiliation.get(e.key) === structure.venue.country) venueKeys.add(e.key);
    const side = structure.affiliation.get(e.key);
    const i = side === undefined ? undefined : partyIndex.get(side);
    if (i !== undefined && e.role === 'core') sideOf.set(e.key, i);
    else if (side === undefined && e.kind === 'person' && e.role === 'core') wildcards.add(e.key);
  }
  const model: StoryModel = {
    parties: structure.parties,
    ...storyModelFunctions(structure, stats),
    sideOf,
    wildcards,
    venueKeys,
    nameTerms: allNamesAndAliases(entities, allNames),
    properTerms: properTermsOf(`${headline}\n${lede}\n${body}`.slice(0, EXTRACTION_CHAR_CAP), allNames),
    ownCountries: new Set([...structure.parties.map((x) => x.country), ...(structure.venue?.country ? [structure.venue.country] : [])]),
    voicedCountries: voicedCountriesOf(entities, structure),
    entities: new Map(entities.map((e) => [e.key, e])),
    terms,
    pairStarts: new Set([...terms.keys()].filter((t) => t.includes('_')).map((t) => t.slice(0, t.indexOf('_')))),
    params,
    threshold: params.threshold,
    noveltyBaseline: 0,
  };
  if (coverage.length >= params.minCoverage) {
    const n = coverage.reduce((sum, c) => sum + titleNovelty(model, tokenize(c.title)), 0) / coverage.length;
    model.noveltyBaseline = Math.min(MAX_NOVELTY_BASELINE, n);
  }
  return model;
}

/** Pseudo-count of the background contrast: one item more or less on a small coverage is no evidence. */
const LIFT_PRIOR = 1;

/** The baseline never excuses everything: a title wholly new to the story still counts against it. */
const MAX_NOVELTY_BASELINE = 0.8;

/** The story's vocabulary as the anchor shows it, heaviest first. */
export function storyTermsOf(model: StoryModel): StoryTerm[] {
  return [...model.terms]
    .map(([term, t]) => ({ term, weight: Math.round(t.weight * 1000) / 1000, source: t.source }))
    .sort((a, b) => b.weight - a.weight || a.term.localeCompare(b.term));
}

/** Scores an item: score in 0..1 and the evidence behind it. */
export function scoreStory(
  model: StoryModel,
  matches: ReadonlyArray<{ key: string; count: number }>,
  titleTokens: Token[],
  summaryTokens: Token[],
): { score: number; evidence: Evidence[]; raw: number; dense: DenseFeatures } {
  const p = model.params;
  const evidence: Evidence[] = [];
  const present = new Set<number>();
  for (const m of model.partyMatcher.matchTokens([titleTokens, summaryTokens])) present.add(Number(m.key.slice(6)));
  let core = 0;
  let context = 0;
  let wildcard = false;
  let venue = false;
  // A core entity of a side (its principal, capital or seat), not only its name.
  let ownEntity = false;
  for (const m of matches) {
    const e = model.entities.get(m.key);
    if (!e) continue;
    const side = model.sideOf.get(m.key);
    if (side !== undefined) {
      present.add(side);
      // The side's own name is no principal; its people, capital and seat are.
      if (e.kind !== 'place' || foldName(e.name) !== foldName(model.parties[side]!.country)) ownEntity = true;
    }
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
  // A core person of no known side (a president named without a country) may stand for one missing side.
  if (wildcard && missing > 0) have += p.wildcardShare * missing;
  if (!venue && missing > 0 && model.venueMatcher && model.venueMatcher.matchTokens([titleTokens, summaryTokens]).length > 0) venue = true;
  if (venue && missing > 0) have += p.venueShare * missing;
  let local = false;
  if (missing > 0 && model.properTerms.size > 0) {
    for (const tokens of [titleTokens, summaryTokens]) for (const t of tokens) if (t.shape !== 'lower' && model.properTerms.has(wordTerm(t))) local = true;
    if (local) have += p.placeShare * missing;
  }
  // No actor or place of the story at all (no entity, side, venue or local name): words alone.
  const unanchored = evidence.length === 0 && present.size === 0 && !venue && !local;
  have = Math.min(have, total);
  // Every side named in one item: states named together in a short item are mostly about each
  // other, and that joint mention is rarer than each side's own weight says ("US" alone is everywhere).
  const everySide = model.parties.length >= 2 && present.size === model.parties.length;
  if (everySide && p.allSidesBonus > 0) {
    core += p.allSidesBonus;
    evidence.push({ kind: 'entity', name: 'every side', weight: round(p.coreEntityFactor * p.allSidesBonus) });
  }
  const sides = total === 0 ? (core > 0 ? 1 : p.noPartySides) : have / total;

  // One pass over the words: unigram terms, and a pair only where its first word starts a vocabulary pair.
  const seen = new Map<string, number>();
  const visit = (tokens: Token[], boost: number) => {
    let prev = '';
    for (const t of tokens) {
      const term = wordTerm(t);
      if (term !== '') {
        if (model.terms.has(term)) seen.set(term, Math.max(seen.get(term) ?? 0, boost));
        if (prev !== '' && !t.gapBefore && model.pairStarts.has(prev)) {
          const pair = pairTerm(prev, term);
          if (model.terms.has(pair)) seen.set(pair, Math.max(seen.get(pair) ?? 0, boost));
        }
      }
      prev = term;
    }
  };
  visit(summaryTokens, 1);
  visit(titleTokens, p.titleBoost);
  // Body words (context terms) count in full only beside a word of the news, as context entities do beside core ones.
  let newsSubject = 0;
  let contextSubject = 0;
  for (const [t, boost] of seen) if (model.terms.get(t)!.core) newsSubject += model.terms.get(t)!.weight * boost;
  // The item's own subject: the share (by distinctiveness) of its title's content words that are
  // neither the story's vocabulary nor its names.
  const novelty = Math.max(0, titleNovelty(model, titleTokens) - model.noveltyBaseline) / (1 - model.noveltyBaseline);
  let contextShare = contextTermShare(p, newsSubject > 0, everySide);
  // A side's principal or capital with the body's words, in a title the story knows word for word:
  // the story told from one side ("ISW sees no softening in the capital's red lines").
  if (ownEntity && newsSubject === 0) contextShare = Math.max(contextShare, p.principalContextFactor * (1 - novelty));
  for (const [t, boost] of seen) {
    const term = model.terms.get(t)!;
    const w = term.weight * boost * (term.core ? 1 : contextShare);
    if (!term.core) contextSubject += w;
    evidence.push({ kind: term.source === 'feedback' ? 'feedback' : 'term', name: t, weight: round(w) });
  }
  const subject = newsSubject + contextSubject;
  // The sides gate: evidence counts in full when every side is there, down to a floor with none.
  let gate = p.sidesFloor + (1 - p.sidesFloor) * Math.pow(sides, p.sidesExponent);
  // Other states in the item while a side of the story is missing: most likely another matter
  // ("US envoy at Ukraine–Russia talks" for a US–Iran story).
  // A state in the title is the item's own subject, and counts more than one in the summary.
  // A state the piece voices (its quoted leader's) reacting beside a side and a word of the news
  // counts `voicedStateWeight` of a foreign state: the story's own reactions, not another dossier.
  let foreign = 0;
  if (sides < 1) {
    const voiced = sides > 0 && newsSubject > 0 ? p.voicedStateWeight : 1;
    const weightOf = (key: string) => (model.ownCountries.has(key) ? 0 : model.voicedCountries.has(key) ? voiced : 1);
    for (const m of worldMatcher().matchTokens([titleTokens])) foreign += p.titleForeignWeight * weightOf(m.key.slice(8));
    for (const m of worldMatcher().matchTokens([summaryTokens])) foreign += weightOf(m.key.slice(8));
  }
  if (foreign > 0) {
    gate /= 1 + p.foreignPenalty * Math.min(foreign, 2) * (1 - sides);
    evidence.push({ kind: 'entity', name: `${round(foreign)} other ${foreign === 1 ? 'state' : 'states'}`, weight: -round(p.foreignPenalty * (1 - sides)) });
  }
  // "Envoy signs aviation deal with Kazakhstan" is the envoy on another dossier, whatever the envoy weighs.
  if (novelty > 0 && p.noveltyPenalty > 0) {
    gate /= 1 + p.noveltyPenalty * novelty;
    evidence.push({ kind: 'term', name: `title novelty ${round(novelty)}`, weight: -round(p.noveltyPenalty * novelty) });
  }
  if (unanchored) gate *= p.unanchoredFactor;
  const raw = Math.max(0, gate * (subject + p.coreEntityFactor * core) + (sides > 0 || core > 0 ? p.contextEntityFactor * context : 0));
  const score = 1 - Math.exp(-raw / p.scale);
  evidence.sort((a, b) => b.weight - a.weight);
  // The parts of the score, for the feedback learner (in the score's own units).
  const dense: DenseFeatures = { core: (gate * p.coreEntityFactor * core) / p.scale, context: (p.contextEntityFactor * context) / p.scale, subject: (gate * subject) / p.scale, foreign: Math.min(foreign, 2), missingSides: 1 - sides };
  return { score, evidence, raw, dense };
}

/**
 * Share of their weight the body's words keep in an item. The body tells the background as well
 * as the story (the war behind peace talks: its economy, energy, battlefield), so its words alone
 * are weaker evidence: beside a word of the news they count in full; in an item naming every side
 * they are the sides' dealings with each other (the crisis around the talks) and keep
 * `everySideContextFactor`; with some sides only and no word of the news, `contextTermFactor`.
 */
function contextTermShare(p: ModelParameters, news: boolean, everySide: boolean): number {
  if (news) return 1;
  return everySide ? p.everySideContextFactor : p.contextTermFactor;
}

/** Share of the title's distinctive content words (by IDF) that the story does not know. */
function titleNovelty(model: Pick<StoryModel, 'idf' | 'terms' | 'nameTerms'>, titleTokens: Token[]): number {
  let all = 0;
  let novel = 0;
  for (const t of titleTokens) {
    if (t.shape !== 'lower' && t.shape !== 'capital' && t.shape !== 'upper') continue;
    const term = wordTerm(t);
    if (term === '' || wordRank(t.folded) <= VERY_COMMON_RANK) continue;
    const w = model.idf(term);
    all += w;
    if (!model.terms.has(term) && !model.nameTerms.has(term)) novel += w;
  }
  return all === 0 ? 0 : novel / all;
}

let world: Matcher | null = null;

/** One matcher of every state (names, demonyms, capitals, seats), keys "country:<name>"; built once. */
function worldMatcher(): Matcher {
  world ??= compileMatcher(
    allCountries().map((c) => ({ key: `country:${c}`, name: c, kind: 'place' as const, aliases: countrySurfaces(c).filter((s) => s !== c), weight: 1, role: 'core' as const })),
  );
  return world;
}

function foldName(name: string): string {
  return name.trim().toLowerCase();
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
