/**
 * Relevance of an item to a source piece: the entities it mentions (weighted by how specific
 * they are) plus the piece's own topical vocabulary, scored BM25-style. An item about the
 * talks that names no entity ("Tehran and Washington trade proposals on enrichment") still
 * scores through the vocabulary; an item that names an entity in another matter ("Witkoff
 * meets Russian envoy on Ukraine") does not get far on the entity alone.
 */
import type { AnchorSource, Entity } from '../model/anchor.ts';
import nlp from 'compromise';
import { EXTRACTION_CHAR_CAP, repairGluedWords } from './extract-entities.ts';
import { tokenize, type Token } from './text-normalize.ts';

/** The compiled relevance model of one anchor. */
export interface RelevanceModel {
  /** Stem → weight of the piece's salient terms. */
  vocabulary: Map<string, number>;
  /** Entity key → weight. */
  entityWeights: Map<string, number>;
  /** Score (0..1) at or above which an item is relevant. */
  threshold: number;
  /** Folded word → its vocabulary stem, or '' when not in the vocabulary; bounded memo of the hot path. */
  stemCache: Map<string, string>;
}

const STEM_CACHE_LIMIT = 50_000;

/**
 * Digest threshold on the 0..1 score, calibrated on dev-items.jsonl + hard-items.jsonl
 * (see docs/tagging.md: midpoint of the widest F1-optimal interval, checked by leave-half-out).
 */
export const DEFAULT_THRESHOLD = 0.64;

/** How much one unit of entity weight counts against one unit of topical term weight. */
export const ENTITY_FACTOR = 1;
/** Raw score at which the 0..1 score reaches 1 - 1/e. */
const SCALE = 4;
/** BM25 term-frequency saturation. */
const K1 = 1.2;
/** Words of the title count more than words of the summary: headlines state the subject. */
const TITLE_BOOST = 1.5;
/** Terms kept from the piece: its most salient ones. */
const VOCABULARY_SIZE = 400;
/** Weight kept by words that are frequent in any news story. */
const GENERIC_FACTOR = 0.2;

// Function words: never topical.
const STOPWORDS = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both
  but by can could did do does doing down during each few for from further had has have having he her here hers herself
  him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or
  other our ours ourselves out over own same she should so some such than that the their theirs them themselves then
  there these they this those through to too under until up very was we were what when where which while who whom why
  will with would you your yours yourself yourselves yet may might must shall upon via per whether though although
  since within without among amid onto toward towards behind beyond across around along ever every many much one two
  three four five first second third another either neither nor`.split(/\s+/),
);

/**
 * Words frequent in news whatever the story: they count for little. A general list, not
 * tuned to the labelled items: reporting verbs, time words, generic actors and places.
 */
const GENERIC_NEWS = new Set(
  `said says say saying told tell tells stated statement statements added according report reports reported reporting
  news media official officials people person year years month months week weeks day days today yesterday time times
  new old last next recent recently previously already still now later early late ahead back away far near nearby
  government state states country countries nation nations world international national public president minister
  leader leaders meeting meet meets met set sets take takes taking taken make makes made making give gives given come
  comes came going go goes went show shows showed shown see sees seen seem seems look looks like well good great big
  small large long high low whole part point way ways thing things question issue issues case fact number group groups
  side sides place room table layer act itself himself step steps stage move moves moved work works help call calls
  called want wants wanted need needs know known think believe feel feels felt keep kept stand stands stood mark marks
  follow follows following lead leads led include includes including remain remains remained become becomes became
  continue continues continued offer offers offered note noting noted list listing suggest suggesting suggests
  already meanwhile furthermore however yet while just even also only rather quite deeply truly firmly squarely
  immediately merely really both parties two nations world community region regional reports sources source analysts
  experts observers face faces facing start starts started end ends ended open opens opened week monday tuesday
  wednesday thursday friday saturday sunday january february march april june july august september october november
  december morning evening night hours hour minutes percent`.split(/\s+/),
);

/**
 * Light stem for matching vocabulary: folded word, plural "s" removed, cut to six letters
 * ("negotiators", "negotiating" → "negoti"). Crude but fast and good enough for a term list.
 */
export function stemOf(folded: string): string {
  let w = folded;
  if (w.length > 4 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  return w.length > 6 ? w.slice(0, 6) : w;
}

function isContentWord(folded: string): boolean {
  if (folded.length < 3 || STOPWORDS.has(folded)) return false;
  const c = folded.charCodeAt(0);
  return !(c >= 48 && c <= 57);
}

/**
 * Builds the relevance model of a source piece: its content words weighted by (1 + ln tf),
 * generic news words damped, words of named entities left to the entity part of the score.
 */
export function buildRelevanceModel(source: AnchorSource, entities: Entity[], threshold = DEFAULT_THRESHOLD): RelevanceModel {
  const entityWords = new Set<string>();
  for (const e of entities) {
    if (e.kind === 'topic') continue;
    for (const surface of [e.name, ...e.aliases]) for (const t of tokenize(surface)) entityWords.add(t.folded);
  }
  const tf = new Map<string, number>();
  const genericStems = new Set<string>();
  // Words glued by a lost dash ("Irana") are not vocabulary: read the repaired text.
  const { text } = repairGluedWords(`${source.title}\n${source.text}`.slice(0, EXTRACTION_CHAR_CAP));
  // Topical vocabulary is what the piece is about: its nouns and adjectives. Verbs and adverbs
  // carry the writer's style ("unfold", "drastically") far more than the subject.
  const terms = nlp(text).json({ terms: { tags: true } }) as Array<{ terms: Array<{ text: string; tags: string[] }> }>;
  for (const sentence of terms) {
    for (const term of sentence.terms) {
      const isTopical = (term.tags.includes('Noun') || term.tags.includes('Adjective')) && !term.tags.includes('Pronoun');
      if (!isTopical) continue;
      for (const t of tokenize(term.text)) {
        if (!isContentWord(t.folded) || entityWords.has(t.folded)) continue;
        const stem = stemOf(t.folded);
        if (GENERIC_NEWS.has(t.folded)) genericStems.add(stem);
        tf.set(stem, (tf.get(stem) ?? 0) + 1);
      }
    }
  }
  const weighted = [...tf].map(([stem, n]) => [stem, (1 + Math.log(n)) * (genericStems.has(stem) ? GENERIC_FACTOR : 1)] as const);
  weighted.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return {
    vocabulary: new Map(weighted.slice(0, VOCABULARY_SIZE)),
    entityWeights: new Map(entities.map((e) => [e.key, e.weight])),
    threshold,
    stemCache: new Map(),
  };
}

function vocabularyStem(model: RelevanceModel, folded: string): string {
  let stem = model.stemCache.get(folded);
  if (stem === undefined) {
    stem = isContentWord(folded) ? stemOf(folded) : '';
    if (!model.vocabulary.has(stem)) stem = '';
    if (model.stemCache.size >= STEM_CACHE_LIMIT) model.stemCache.clear();
    model.stemCache.set(folded, stem);
  }
  return stem;
}

/** The two parts of a score from tokenised title and summary (the tag worker tokenises once). */
export function relevancePartsFromTokens(
  model: RelevanceModel,
  matches: ReadonlyArray<{ key: string; count: number }>,
  titleTokens: Token[],
  summaryTokens: Token[],
): { topical: number; entity: number } {
  const tf = new Map<string, number>();
  for (const t of titleTokens) {
    const stem = vocabularyStem(model, t.folded);
    if (stem !== '') tf.set(stem, (tf.get(stem) ?? 0) + TITLE_BOOST);
  }
  for (const t of summaryTokens) {
    const stem = vocabularyStem(model, t.folded);
    if (stem !== '') tf.set(stem, (tf.get(stem) ?? 0) + 1);
  }
  let topical = 0;
  for (const [stem, n] of tf) topical += model.vocabulary.get(stem)! * ((n * (K1 + 1)) / (n + K1));
  // Length normalisation (as BM25's b, pivoted): the threshold is calibrated on items of a
  // title and a summary; a long description would otherwise pass on the sheer number of
  // weakly related words it contains.
  const words = titleTokens.length + summaryTokens.length;
  if (words > CALIBRATED_LENGTH) topical *= Math.sqrt(CALIBRATED_LENGTH / words);
  let entity = 0;
  for (const m of matches) entity += (model.entityWeights.get(m.key) ?? 0) * (1 + 0.3 * Math.log(m.count));
  return { topical, entity };
}

/** Words (title + summary) up to which topical evidence counts in full: above the longest calibration item. */
export const CALIBRATED_LENGTH = 60;

/** Maps the two parts to the 0..1 score: 1 - exp(-(topical + ENTITY_FACTOR * entity) / SCALE). */
export function combineRelevance(parts: { topical: number; entity: number }): number {
  return 1 - Math.exp(-(parts.topical + ENTITY_FACTOR * parts.entity) / SCALE);
}
