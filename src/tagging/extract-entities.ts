/**
 * Entity extraction from a source piece: compromise finds candidate people, places,
 * organisations and noun phrases; rules then repair what it gets wrong on news prose
 * (titles glued to first names, names after a title, organisations with "of the", words glued
 * by a lost dash) and give each entity a key, aliases and a specificity weight.
 * Runs once per anchor version, never per item.
 */
import nlp from 'compromise';
import type { AnchorSource, Entity, EntityKind } from '../model/anchor.ts';
import { canonicalPlace, generateAliases, organizationAcronym, placeOfDemonym, surnameOf } from './entity-aliases.ts';
import { deriveRoles } from './derive-roles.ts';
import { isGenericPhrase } from './term-statistics.ts';
import { detectPieceLanguage, extractionReads } from './piece-language.ts';
import { foldPhrase, foldWord, tokenize, type Token } from './text-normalize.ts';

/** compromise is superlinear on huge texts; a source piece longer than this is cut. */
export const EXTRACTION_CHAR_CAP = 20_000;

/** Titles and roles that precede a personal name in news prose. */
export const TITLE_WORDS: ReadonlySet<string> = new Set([
  'president', 'minister', 'chancellor', 'envoy', 'secretary', 'senator', 'premier', 'prime', 'king', 'queen',
  'sultan', 'sheikh', 'emir', 'prince', 'ambassador', 'spokesman', 'spokeswoman', 'spokesperson', 'general',
  'ayatollah', 'governor', 'mayor', 'leader', 'foreign', 'defence', 'defense', 'deputy', 'vice', 'chief',
  'commander', 'director', 'chairman', 'chairwoman', 'speaker', 'representative', 'rep', 'sen', 'gov', 'mr',
  'mrs', 'ms', 'dr', 'pope', 'cardinal', 'judge', 'justice', 'admiral', 'colonel', 'special', 'state',
  'negotiator', 'diplomat', 'official', 'counterpart', 'lawmaker', 'mp', 'mediator',
]);

// Head words that make a capitalised phrase an organisation.
const ORG_HEADS = new Set([
  'institute', 'university', 'council', 'agency', 'organization', 'organisation', 'ministry', 'committee',
  'bank', 'fund', 'party', 'court', 'embassy', 'foundation', 'corporation', 'association', 'union',
  'commission', 'house', 'department', 'office', 'guard', 'guards', 'corps', 'forces', 'army', 'navy',
  'parliament', 'assembly', 'congress', 'senate', 'company', 'group', 'centre', 'center', 'authority',
  'pentagon', 'kremlin', 'league', 'alliance', 'network', 'times', 'post', 'agency', 'service', 'tank',
]);
const ORG_CONNECTORS = new Set(['of', 'for', 'the', 'and', 'on', '&']);

/**
 * Proper nouns so frequent in English-language news that a mention says little about the
 * story; their weight is lowered. The weight is about specificity, not importance.
 */
const NEWS_FREQUENT = new Map<string, number>([
  ['us', 0.35], ['united states', 0.35], ['america', 0.35], ['washington', 0.25], ['white house', 0.25],
  ['trump', 0.25], ['biden', 0.25], ['china', 0.2], ['russia', 0.2], ['europe', 0.25], ['britain', 0.2],
  ['uk', 0.25], ['eu', 0.25], ['israel', 0.15], ['germany', 0.15], ['france', 0.15], ['ukraine', 0.15],
  ['london', 0.2], ['tehran', 0.1], ['pentagon', 0.15], ['congress', 0.2], ['india', 0.15], ['japan', 0.15], ['turkey', 0.1],
]);

const LEXICON = (nlp.model() as { one: { lexicon: Record<string, string | string[]> } }).one.lexicon;

function lexiconTags(word: string): string[] {
  const t = LEXICON[word];
  return t === undefined ? [] : Array.isArray(t) ? t : [t];
}

/** A word compromise's lexicon knows (directly or as a simple inflection). */
function knownWord(folded: string): boolean {
  if (LEXICON[folded] !== undefined) return true;
  for (const suffix of ['s', 'es', 'ers', 'er', 'ed', 'ing']) {
    if (folded.length > suffix.length + 3 && folded.endsWith(suffix) && LEXICON[folded.slice(0, -suffix.length)] !== undefined) {
      return true;
    }
  }
  return false;
}

/**
 * Repairs words glued by a lost dash ("for Irana maximalist demand", "protestersa crisis"):
 * a word unknown to the lexicon that is a known word (or a word of the piece) plus the
 * article "a" is split back. Offsets are kept: the article is replaced by a space-led copy.
 */
export function repairGluedWords(text: string): { text: string; glued: string[] } {
  const tokens = tokenize(text);
  const vocabulary = new Set(tokens.map((t) => t.folded));
  const glued: string[] = [];
  let out = '';
  let last = 0;
  for (const t of tokens) {
    const f = t.folded;
    if (f.length < 5 || !f.endsWith('a') || t.possessive) continue;
    if (knownWord(f) || canonicalPlace(t.text) !== null || placeOfDemonym(t.text) !== null) continue;
    const stem = f.slice(0, -1);
    const stemKnown = knownWord(stem) || vocabulary.has(stem) || canonicalPlace(stem) !== null;
    if (!stemKnown) continue;
    glued.push(t.text);
    // Replace the glued article by a dash so the word boundary survives and offsets stay aligned.
    out += text.slice(last, t.end - 1) + '–';
    last = t.end;
  }
  return { text: out + text.slice(last), glued };
}

interface Candidate {
  name: string;
  kind: EntityKind;
  mentions: number;
  /** Only seen as a demonym ("German Chancellor"): the place itself is not named. */
  viaDemonym?: boolean;
  extraAliases?: string[];
}

function isCapitalised(t: Token): boolean {
  return t.shape === 'capital' || t.shape === 'upper';
}

function tokenAt(tokens: Token[], offset: number): number {
  for (let i = 0; i < tokens.length; i++) if (tokens[i]!.end > offset) return tokens[i]!.start <= offset + 1 ? i : -1;
  return -1;
}

/** The maximal run of capitalised name words around token i (titles, places, demonyms excluded). */
function personRun(tokens: Token[], i: number): Token[] {
  const isNameWord = (t: Token) =>
    isCapitalised(t) && t.shape !== 'upper' && !TITLE_WORDS.has(t.folded) && canonicalPlace(t.text) === null &&
    placeOfDemonym(t.text) === null;
  if (!isNameWord(tokens[i]!)) return [];
  let a = i;
  let b = i;
  while (a > 0 && !tokens[a]!.gapBefore && !tokens[a - 1]!.possessive && isNameWord(tokens[a - 1]!)) a--;
  while (b + 1 < tokens.length && !tokens[b + 1]!.gapBefore && !tokens[b]!.possessive && isNameWord(tokens[b + 1]!)) b++;
  return tokens.slice(a, b + 1);
}

function isSentenceStart(tokens: Token[], i: number): boolean {
  return i === 0 || tokens[i]!.gapBefore;
}

function collectPeople(doc: ReturnType<typeof nlp>, tokens: Token[], add: (c: Candidate) => void): void {
  const seen = new Set<string>();
  const push = (run: Token[]) => {
    if (run.length === 0 || run.length > 4) return;
    const name = run.map((t) => t.text).join(' ');
    if (seen.has(name)) return;
    seen.add(name);
    add({ name, kind: 'person', mentions: 1 });
  };
  for (const p of doc.people().json({ offset: true }) as Array<{ offset: { start: number } }>) {
    const i = tokenAt(tokens, p.offset.start);
    if (i < 0) continue;
    // compromise glues the title to a first name ("Minister Abbas"): start after any title word.
    let j = i;
    while (j < tokens.length && TITLE_WORDS.has(tokens[j]!.folded)) j++;
    if (j < tokens.length) push(personRun(tokens, j));
  }
  // A name right after a title or role word is a person even when compromise does not know it.
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i]!;
    if (!TITLE_WORDS.has(t.folded) || tokens[i + 1]!.gapBefore || t.possessive) continue;
    const next = tokens[i + 1]!;
    if (TITLE_WORDS.has(next.folded)) continue;
    const run = personRun(tokens, i + 1);
    if (run.length > 0 && run[0] === next) push(run);
  }
}

function collectPlaces(doc: ReturnType<typeof nlp>, tokens: Token[], add: (c: Candidate) => void): void {
  for (const p of doc.places().json({ offset: true }) as Array<{ offset: { start: number; length: number } }>) {
    const i = tokenAt(tokens, p.offset.start);
    if (i < 0) continue;
    const run: Token[] = [];
    for (let j = i; j < tokens.length && tokens[j]!.start < p.offset.start + p.offset.length; j++) {
      if (j > i && tokens[j]!.gapBefore) break;
      run.push(tokens[j]!);
    }
    if (run.length === 0 || !run.every(isCapitalised)) continue;
    const text = run.map((t) => t.text).join(' ');
    add({ name: canonicalPlace(text) ?? text, kind: 'place', mentions: 1 });
  }
  // Places named in the table, and places only present through a demonym ("Omani mediators").
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!isCapitalised(t)) continue;
    const two = i + 1 < tokens.length && !tokens[i + 1]!.gapBefore ? `${t.text} ${tokens[i + 1]!.text}` : null;
    const place = (two && canonicalPlace(two)) ?? canonicalPlace(t.text);
    if (place && !(t.shape === 'capital' && isSentenceStart(tokens, i) && lexiconTags(t.folded).includes('Pronoun'))) {
      add({ name: place, kind: 'place', mentions: 1 });
      continue;
    }
    const demonymPlace = placeOfDemonym(t.text);
    if (demonymPlace) add({ name: demonymPlace, kind: 'place', mentions: 1, viaDemonym: true });
  }
}

function collectOrganizations(tokens: Token[], add: (c: Candidate) => void): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!ORG_HEADS.has(t.folded) || !isCapitalised(t)) continue;
    // Extend left over capitalised words (not titles), right over "of the"/"for the" + capitalised words.
    let a = i;
    while (a > 0 && !tokens[a]!.gapBefore && !tokens[a - 1]!.possessive && isCapitalised(tokens[a - 1]!) &&
      !TITLE_WORDS.has(tokens[a - 1]!.folded) && !isSentenceStartArticle(tokens, a - 1)) a--;
    let b = i;
    for (let j = i + 1; j < tokens.length && !tokens[j]!.gapBefore && !tokens[j - 1]!.possessive; j++) {
      const u = tokens[j]!;
      if (isCapitalised(u) && !ORG_CONNECTORS.has(u.folded)) b = j;
      else if (!ORG_CONNECTORS.has(u.folded)) break;
    }
    if (b === a && a === i) continue; // a bare head word ("House") names nothing
    const name = tokens.slice(a, b + 1).map((x) => x.text).join(' ');
    const inner = tokens.slice(a, b + 1);
    // Headline fragments in Title Case ("A Dance of Ultimatums") have no org head and are skipped above.
    if (inner.some((x) => placeOfDemonym(x.text) !== null)) continue;
    add({ name, kind: 'organization', mentions: 1 });
    i = b;
  }
}

function isSentenceStartArticle(tokens: Token[], i: number): boolean {
  const f = tokens[i]!.folded;
  return f === 'the' || f === 'a' || f === 'an';
}

// Noun-phrase words that never make a salient topic on their own.
const GENERIC_NOUNS = new Set([
  'security', 'government', 'concern', 'concerns', 'rights', 'way', 'point', 'community', 'world', 'time',
  'issue', 'action', 'help', 'order', 'orders', 'state', 'layer', 'part', 'side', 'sides', 'table', 'room',
  'goal', 'act', 'month', 'year', 'years', 'decades', 'question', 'signal', 'access', 'odds', 'will',
  'stage', 'centre', 'center', 'thing', 'things', 'people', 'lot', 'kind', 'sort', 'fact', 'case',
]);

function collectTopics(doc: ReturnType<typeof nlp>, text: string, add: (c: Candidate) => void): void {
  type Term = { text: string; post: string; tags: string[]; offset: { start: number } };
  for (const chunk of doc.nouns().json({ offset: true, terms: { offset: true } }) as Array<{ terms: Term[] }>) {
    let run: string[] = [];
    const flush = () => {
      // A compound of two or more common nouns ("aircraft carrier group") is a salient phrase.
      // A phrase headed by a title ("prime minister", "investment envoy") names an office, not a subject.
      const head = run[run.length - 1]?.toLowerCase() ?? '';
      if (run.length >= 2 && !TITLE_WORDS.has(head) && !run.some((w) => GENERIC_NOUNS.has(w)) && !isGenericPhrase(run.slice(-2).join(' '))) add({ name: run.join(' '), kind: 'topic', mentions: 1 });
      run = [];
    };
    for (const term of chunk.terms) {
      // The text as written: compromise tags "aircraft" ProperNoun inside a capitalised chunk.
      const raw = text.slice(term.offset.start, term.offset.start + term.text.length);
      const tags = term.tags;
      const isCommonNoun = tags.includes('Noun') && !tags.includes('Pronoun') && !tags.includes('Possessive') &&
        !tags.includes('Acronym') && !tags.includes('Adjective') && !tags.includes('Determiner') &&
        !tags.includes('Value') && /^[a-z]+$/.test(raw);
      if (isCommonNoun) run.push(foldWord(raw));
      else flush();
      if (/[^\s]/.test(term.post)) flush();
    }
    flush();
  }
}

/** A URL-safe slug: folded (case, diacritics), non-alphanumerics as single dashes. */
export function slug(text: string): string {
  return foldPhrase(text).replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** The stable key of an entity: surname for a person, acronym for a long organisation, else a slug of the name. */
export function entityKey(name: string, kind: EntityKind): string {
  if (kind === 'person') return slug(surnameOf(name) ?? name);
  if (kind === 'organization') {
    const acronym = organizationAcronym(name);
    if (acronym) return acronym.toLowerCase();
  }
  return slug(name);
}

/**
 * Specificity weight in 0..1: long and multi-word names, names unknown to a general
 * lexicon and cities weigh more; short acronyms and names frequent in news weigh less.
 */
export function entityWeight(name: string, kind: EntityKind, opts: { viaDemonym?: boolean } = {}): number {
  const folded = foldPhrase(name);
  const words = folded.split(' ');
  const head = words[words.length - 1]!;
  let w: number;
  switch (kind) {
    case 'person':
      w = 0.8 + (knownWord(head) || lexiconTags(head).length > 0 ? -0.1 : 0.1);
      w -= NEWS_FREQUENT.get(head) ?? 0;
      break;
    case 'place': {
      const tags = lexiconTags(folded);
      w = tags.includes('Country') ? 0.6 : tags.includes('City') ? 0.75 : 0.65;
      if (!tags.includes('Country') && lexiconTags(folded).length === 0 && words.length === 1 && folded.length >= 5) w = 0.8;
      if (canonicalPlace(name) === name && tags.length === 0 && folded.length <= 3) w = 0.5;
      w -= NEWS_FREQUENT.get(folded) ?? 0;
      if (opts.viaDemonym) w -= 0.1;
      break;
    }
    case 'organization':
      w = organizationAcronym(name) ? 0.85 : 0.6;
      w -= NEWS_FREQUENT.get(folded) ?? 0;
      break;
    case 'topic':
      w = 0.45 + 0.1 * Math.min(words.length - 1, 2);
      break;
  }
  // A longer single word is rarer; cap everything into (0, 1].
  if (words.length === 1 && folded.length >= 7) w += 0.05;
  return Math.round(Math.max(0.05, Math.min(1, w)) * 100) / 100;
}

/** Topic display name: the head noun and its nearest modifier ("aircraft carrier group" → "carrier group"). */
function topicName(phrase: string): string {
  const words = phrase.split(' ');
  return words.slice(-2).join(' ');
}

type RolelessEntity = Omit<Entity, 'role'> & { role?: Entity['role'] };

function applyOverrides(entities: RolelessEntity[], source: AnchorSource): RolelessEntity[] {
  const { overrides } = source;
  const excluded = new Set(overrides.exclude.map((e) => foldPhrase(e)));
  let out = entities.filter((e) => !excluded.has(e.key) && !excluded.has(foldPhrase(e.name)));
  for (const add of overrides.entities) {
    const key = add.key ?? entityKey(add.name, add.kind);
    const generated = generateAliases(add.name, add.kind);
    const entity: RolelessEntity = {
      key,
      name: add.name,
      kind: add.kind,
      aliases: [...new Set([...generated, ...(add.aliases ?? [])])].filter((a) => a !== add.name),
      weight: add.weight ?? entityWeight(add.name, add.kind),
      ...(add.role ? { role: add.role } : {}),
    };
    out = out.filter((e) => e.key !== key && foldPhrase(e.name) !== foldPhrase(add.name));
    out.push(entity);
  }
  for (const [key, aliases] of Object.entries(overrides.aliases)) {
    const e = out.find((x) => x.key === key);
    if (e) e.aliases = [...new Set([...e.aliases, ...aliases])];
  }
  return out;
}

/**
 * Extracts the entities of a source piece: people (full names), places, organisations and
 * salient noun phrases, each with key, kind, generated aliases and weight; then applies the
 * piece's overrides. Deterministic: the same source always gives the same list in the same order.
 */
export function extractEntities(source: AnchorSource): Entity[] {
  // A piece in a language extraction does not read yields only the entities given by hand.
  if (!extractionReads(detectPieceLanguage(`${source.title}\n${source.text}`).language)) {
    return deriveRoles(source, applyOverrides([], source));
  }
  const capped = `${source.title}.\n${source.text}`.slice(0, EXTRACTION_CHAR_CAP);
  const { text } = repairGluedWords(capped);
  const tokens = tokenize(text);
  const doc = nlp(text);

  const candidates = new Map<string, Candidate>();
  const add = (c: Candidate) => {
    const id = `${c.kind}:${foldPhrase(c.name)}`;
    const prev = candidates.get(id);
    if (prev) {
      prev.mentions++;
      if (!c.viaDemonym) prev.viaDemonym = false;
    } else candidates.set(id, { ...c });
  };
  collectPeople(doc, tokens, add);
  collectOrganizations(tokens, add);
  collectPlaces(doc, tokens, add);
  collectTopics(doc, text, add);

  // Merge people: a shorter name that is the tail of a longer one is the same person ("Trump" in "Donald Trump").
  const people = [...candidates.values()].filter((c) => c.kind === 'person');
  for (const p of people) {
    const longer = people.find((q) => q !== p && q.name.endsWith(` ${p.name}`));
    if (longer) {
      longer.mentions += p.mentions;
      candidates.delete(`person:${foldPhrase(p.name)}`);
    }
  }
  // A place that is part of an organisation's or person's name is only kept when named on its own too.
  // Topics that are sub-phrases of a longer topic merge into it.
  const topics = [...candidates.values()].filter((c) => c.kind === 'topic');
  for (const t of topics) {
    if (topics.some((u) => u !== t && u.name.endsWith(` ${t.name}`) && candidates.has(`topic:${u.name}`))) {
      candidates.delete(`topic:${t.name}`);
    }
  }

  const entities: RolelessEntity[] = [];
  const byKey = new Map<string, RolelessEntity>();
  for (const c of candidates.values()) {
    const name = c.kind === 'topic' ? topicName(c.name) : c.name;
    const key = entityKey(name, c.kind);
    if (key.length === 0 || byKey.has(key)) continue;
    const aliases = new Set(generateAliases(name, c.kind));
    if (c.kind === 'topic' && c.name !== name) for (const a of generateAliases(c.name, 'topic')) aliases.add(a);
    if (c.kind === 'organization') {
      // "US Virtual Embassy" is also written without the country in front.
      const words = name.split(' ');
      if (words.length > 2 && canonicalPlace(words[0]!) !== null) aliases.add(words.slice(1).join(' '));
    }
    aliases.delete(name);
    const entity: RolelessEntity = {
      key,
      name,
      kind: c.kind,
      aliases: [...aliases],
      weight: entityWeight(name, c.kind, { viaDemonym: c.viaDemonym === true }),
    };
    byKey.set(key, entity);
    entities.push(entity);
  }
  const kindOrder: Record<EntityKind, number> = { person: 0, place: 1, organization: 2, topic: 3 };
  const sorted = applyOverrides(entities, source).sort(
    (a, b) => kindOrder[a.kind] - kindOrder[b.kind] || b.weight - a.weight || a.key.localeCompare(b.key),
  );
  return deriveRoles(source, sorted);
}
