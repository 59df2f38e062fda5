/**
 * The structure of a story, read from its source piece: its parties (the states or sides
 * the headline sets against each other), its venue, which side each person and organisation
 * belongs to, and from those the role of every entity. News states its subject in the
 * headline and the lede; a leader of a third country who reacts, or a place named once, is
 * context.
 */
import type { AnchorSource, Entity, EntityRole } from '../model/anchor.ts';
import { compileMatcher } from './compile-matcher.ts';
import { canonicalPlace, placeOfDemonym } from './entity-aliases.ts';
import { TITLE_WORDS } from './extract-entities.ts';
import { countryOf } from './gazetteer.ts';
import { tokenize, type Token } from './text-normalize.ts';

/** One side of the story: a country, how central it is (1 = a headline party, less = a modifier such as "US-led"). */
export interface Party {
  country: string;
  weight: number;
}

/** The structure of a story. */
export interface StoryStructure {
  parties: Party[];
  /** The place the story happens in (the headline's "in Muscat"), and its country. */
  venue: { key: string; country: string | null } | null;
  /** Entity key → the country it belongs to (a place's country, a person's or organisation's side), when known. */
  affiliation: Map<string, string>;
  roles: Map<string, EntityRole>;
}

/** Body mentions from which an unaffiliated person or an organisation is one of the story's own. */
export const CORE_MENTIONS = 2;
/** Weight of a party named only as a modifier of the subject ("US-led talks"). */
export const MODIFIER_PARTY_WEIGHT = 0.5;

const VENUE_PREPOSITIONS = new Set(['in', 'at']);
const WALK_SKIP = new Set(['the', 'a', 'an', 'its', 'his', 'her', 'their']);

/** Headline, lede (first paragraph) and body of a piece. */
export function pieceParts(source: AnchorSource): { headline: string; lede: string; body: string } {
  const paragraphs = source.text.split(/\n+/).map((p) => p.trim()).filter((p) => p.length > 0);
  return { headline: source.title, lede: paragraphs[0] ?? '', body: paragraphs.slice(1).join('\n') };
}

/** The country a token names (a place, demonym or seat), or null. */
function tokenCountry(tokens: Token[], i: number): string | null {
  const t = tokens[i]!;
  if (t.shape !== 'capital' && t.shape !== 'upper') return null;
  const two = i + 1 < tokens.length && !tokens[i + 1]!.gapBefore ? `${t.text} ${tokens[i + 1]!.text}` : null;
  if (two && (canonicalPlace(two) || countryOf(two))) return countryOf(two);
  if (canonicalPlace(t.text) === null && placeOfDemonym(t.text) === null && countryOf(t.text) === null) return null;
  return countryOf(t.text);
}

/**
 * The side a person mention belongs to, from the words around it: "US envoy Steve Witkoff",
 * "the Kremlin's investment envoy, Kirill Dmitriev", "Rustem Umerov, Ukraine's chief negotiator".
 */
function affiliationAt(tokens: Token[], start: number, end: number): string | null {
  // Backward: the word right before the name is a title; walk over titles and a few lowercase words.
  if (start > 0 && TITLE_WORDS.has(tokens[start - 1]!.folded)) {
    for (let k = start - 1, steps = 0; k >= 0 && steps < 5; k--, steps++) {
      const country = tokenCountry(tokens, k);
      if (country) return country;
      const t = tokens[k]!;
      if (t.gapBefore && k !== start - 1 && !TITLE_WORDS.has(t.folded)) break;
      if (!TITLE_WORDS.has(t.folded) && !WALK_SKIP.has(t.folded) && t.shape !== 'lower') break;
    }
  }
  // Forward: an apposition after a comma, "…, [the] Country's / Demonym title".
  let k = end + 1;
  if (k < tokens.length && tokens[k]!.gapBefore) {
    if (WALK_SKIP.has(tokens[k]!.folded)) k++;
    const country = k < tokens.length ? tokenCountry(tokens, k) : null;
    if (country && [k + 1, k + 2].some((j) => j < tokens.length && TITLE_WORDS.has(tokens[j]!.folded))) return country;
  }
  return null;
}

/** Reads the structure of a story from its piece and entity list (roles a person set are kept). */
export function readStoryStructure(source: AnchorSource, entities: Array<Omit<Entity, 'role'> & { role?: EntityRole }>): StoryStructure {
  const plain = entities.map((e) => ({ ...e, role: e.role ?? ('context' as const) }));
  const matcher = compileMatcher(plain);
  const byKey = new Map(plain.map((e) => [e.key, e]));
  const { headline, lede, body } = pieceParts(source);
  const count = (text: string) => new Map(matcher.match(text, '').map((m) => [m.key, m.count]));
  const inHeadline = count(headline);
  const inLede = count(lede);
  const inBody = count(body);

  const affiliation = new Map<string, string>();
  for (const e of plain) {
    if (e.kind === 'place') {
      const c = countryOf(e.name);
      if (c) affiliation.set(e.key, c);
    } else if (e.kind === 'organization') {
      const words = e.name.split(' ');
      const c = countryOf(e.name) ?? countryOf(words[0]!) ?? (words.length > 1 ? countryOf(words.slice(0, 2).join(' ')) : null);
      if (c) affiliation.set(e.key, c);
    }
  }
  // People: the side named around their mentions in the piece, by majority.
  const votes = new Map<string, Map<string, number>>();
  for (const text of [headline, lede, body]) {
    const tokens = tokenize(text);
    const spans = matcher.matchSpans(text);
    for (const [s, end, key] of spans) {
      if (byKey.get(key)?.kind !== 'person') continue;
      const i = tokens.findIndex((t) => t.start === s);
      let j = i;
      while (j + 1 < tokens.length && tokens[j + 1]!.start < end) j++;
      if (i < 0) continue;
      const c = affiliationAt(tokens, i, j);
      if (!c) continue;
      const v = votes.get(key) ?? new Map<string, number>();
      v.set(c, (v.get(c) ?? 0) + 1);
      votes.set(key, v);
    }
  }
  for (const [key, v] of votes) affiliation.set(key, [...v].sort((a, b) => b[1] - a[1])[0]![0]);

  // Venue: a headline place after "in"/"at". Parties: the other headline places and the sides of headline people.
  const hTokens = tokenize(headline);
  const parties = new Map<string, number>();
  let venue: StoryStructure['venue'] = null;
  for (const [s, end, key] of matcher.matchSpans(headline)) {
    const e = byKey.get(key)!;
    const i = hTokens.findIndex((t) => t.start === s);
    const before = i > 0 ? hTokens[i - 1]!.folded : '';
    if (e.kind === 'place' && VENUE_PREPOSITIONS.has(before) && venue === null) {
      venue = { key, country: affiliation.get(key) ?? null };
      continue;
    }
    const country = affiliation.get(key);
    if (!country || (e.kind !== 'place' && e.kind !== 'person')) continue;
    // "US-led", "Saudi-brokered": a place written as a modifier of the subject is a lesser party.
    const modifier = headline[end] === '-' && /^[a-z]/.test(headline.slice(end + 1, end + 2));
    const w = modifier ? MODIFIER_PARTY_WEIGHT : 1;
    parties.set(country, Math.max(parties.get(country) ?? 0, w));
  }
  if (venue?.country) parties.delete(venue.country);
  // A headline that names fewer than two sides: the lede's most named countries complete them.
  if (parties.size < 2) {
    const ledeCountries = [...inLede]
      .map(([key, n]) => ({ c: affiliation.get(key), n, kind: byKey.get(key)!.kind }))
      .filter((x): x is { c: string; n: number; kind: Entity['kind'] } => x.c !== undefined && x.kind === 'place' && x.c !== venue?.country && !parties.has(x.c))
      .sort((a, b) => b.n - a.n);
    for (const x of ledeCountries) {
      if (parties.size >= 2) break;
      parties.set(x.c, 1);
    }
  }

  const roles = new Map<string, EntityRole>();
  const partyCountries = new Set(parties.keys());
  for (const e of entities) {
    if (e.role) {
      roles.set(e.key, e.role);
      continue;
    }
    const h = inHeadline.get(e.key) ?? 0;
    const l = inLede.get(e.key) ?? 0;
    const b = inBody.get(e.key) ?? 0;
    const side = affiliation.get(e.key);
    const ownSide = side !== undefined && (partyCountries.has(side) || side === venue?.country);
    let core: boolean;
    switch (e.kind) {
      case 'place':
        core = h > 0 || ownSide || venue?.key === e.key || (l > 0 && side === undefined);
        break;
      case 'person':
        // A person of a third side is context however often quoted; one of no known side counts by presence.
        core = h > 0 || ownSide || (side === undefined && l + b >= CORE_MENTIONS);
        break;
      case 'organization':
        core = h > 0 || ownSide || (side === undefined && l + b >= CORE_MENTIONS + 1);
        break;
      case 'topic':
        core = h + l > 0 || b >= CORE_MENTIONS;
        break;
    }
    roles.set(e.key, core ? 'core' : 'context');
  }
  return { parties: [...parties].map(([country, weight]) => ({ country, weight })), venue, affiliation, roles };
}
