/**
 * Alias generation for extracted entities: the surface forms a news item may use for an
 * entity of the source piece besides its display name. Possessives, case and diacritics are
 * the matcher's business (it folds and strips them), so aliases here are only new words.
 */
import type { EntityKind } from '../model/anchor.ts';
import { foldPhrase } from './text-normalize.ts';
import phraseVariants from './phrase-variants.json' with { type: 'json' };

/**
 * Places likely in world news and their demonyms (adjective / people), with common
 * alternative names. The first demonym is the adjective; plurals are listed where the
 * people noun differs from adjective + "s".
 */
export const PLACE_TABLE: ReadonlyArray<{ name: string; demonyms: string[]; alt?: string[] }> = [
  { name: 'Afghanistan', demonyms: ['Afghan', 'Afghans'] },
  { name: 'Albania', demonyms: ['Albanian', 'Albanians'] },
  { name: 'Algeria', demonyms: ['Algerian', 'Algerians'] },
  { name: 'Argentina', demonyms: ['Argentine', 'Argentinian', 'Argentines', 'Argentinians'] },
  { name: 'Armenia', demonyms: ['Armenian', 'Armenians'] },
  { name: 'Australia', demonyms: ['Australian', 'Australians'] },
  { name: 'Austria', demonyms: ['Austrian', 'Austrians'] },
  { name: 'Azerbaijan', demonyms: ['Azerbaijani', 'Azerbaijanis', 'Azeri', 'Azeris'] },
  { name: 'Bahrain', demonyms: ['Bahraini', 'Bahrainis'] },
  { name: 'Bangladesh', demonyms: ['Bangladeshi', 'Bangladeshis'] },
  { name: 'Belarus', demonyms: ['Belarusian', 'Belarusians'] },
  { name: 'Belgium', demonyms: ['Belgian', 'Belgians'] },
  { name: 'Brazil', demonyms: ['Brazilian', 'Brazilians'] },
  { name: 'Britain', demonyms: ['British', 'Briton', 'Britons'], alt: ['United Kingdom', 'UK', 'Great Britain'] },
  { name: 'Bulgaria', demonyms: ['Bulgarian', 'Bulgarians'] },
  { name: 'Canada', demonyms: ['Canadian', 'Canadians'] },
  { name: 'Chile', demonyms: ['Chilean', 'Chileans'] },
  { name: 'China', demonyms: ['Chinese'], alt: ["People's Republic of China", 'PRC'] },
  { name: 'Colombia', demonyms: ['Colombian', 'Colombians'] },
  { name: 'Croatia', demonyms: ['Croatian', 'Croatians', 'Croat', 'Croats'] },
  { name: 'Cuba', demonyms: ['Cuban', 'Cubans'] },
  { name: 'Cyprus', demonyms: ['Cypriot', 'Cypriots'] },
  { name: 'Czech Republic', demonyms: ['Czech', 'Czechs'], alt: ['Czechia'] },
  { name: 'Denmark', demonyms: ['Danish', 'Dane', 'Danes'] },
  { name: 'Egypt', demonyms: ['Egyptian', 'Egyptians'] },
  { name: 'Estonia', demonyms: ['Estonian', 'Estonians'] },
  { name: 'Ethiopia', demonyms: ['Ethiopian', 'Ethiopians'] },
  { name: 'Europe', demonyms: ['European', 'Europeans'] },
  { name: 'Finland', demonyms: ['Finnish', 'Finn', 'Finns'] },
  { name: 'France', demonyms: ['French'] },
  { name: 'Georgia', demonyms: ['Georgian', 'Georgians'] },
  { name: 'Germany', demonyms: ['German', 'Germans'] },
  { name: 'Greece', demonyms: ['Greek', 'Greeks'] },
  { name: 'Hungary', demonyms: ['Hungarian', 'Hungarians'] },
  { name: 'India', demonyms: ['Indian', 'Indians'] },
  { name: 'Indonesia', demonyms: ['Indonesian', 'Indonesians'] },
  { name: 'Iran', demonyms: ['Iranian', 'Iranians'], alt: ['Islamic Republic of Iran'] },
  { name: 'Iraq', demonyms: ['Iraqi', 'Iraqis'] },
  { name: 'Ireland', demonyms: ['Irish'] },
  { name: 'Israel', demonyms: ['Israeli', 'Israelis'] },
  { name: 'Italy', demonyms: ['Italian', 'Italians'] },
  { name: 'Japan', demonyms: ['Japanese'] },
  { name: 'Jordan', demonyms: ['Jordanian', 'Jordanians'] },
  { name: 'Kazakhstan', demonyms: ['Kazakh', 'Kazakhs'] },
  { name: 'Kenya', demonyms: ['Kenyan', 'Kenyans'] },
  { name: 'Kuwait', demonyms: ['Kuwaiti', 'Kuwaitis'] },
  { name: 'Latvia', demonyms: ['Latvian', 'Latvians'] },
  { name: 'Lebanon', demonyms: ['Lebanese'] },
  { name: 'Libya', demonyms: ['Libyan', 'Libyans'] },
  { name: 'Lithuania', demonyms: ['Lithuanian', 'Lithuanians'] },
  { name: 'Malaysia', demonyms: ['Malaysian', 'Malaysians'] },
  { name: 'Mexico', demonyms: ['Mexican', 'Mexicans'] },
  { name: 'Moldova', demonyms: ['Moldovan', 'Moldovans'] },
  { name: 'Morocco', demonyms: ['Moroccan', 'Moroccans'] },
  { name: 'Netherlands', demonyms: ['Dutch'], alt: ['Holland'] },
  { name: 'Nigeria', demonyms: ['Nigerian', 'Nigerians'] },
  { name: 'North Korea', demonyms: ['North Korean', 'North Koreans'], alt: ['DPRK'] },
  { name: 'Norway', demonyms: ['Norwegian', 'Norwegians'] },
  { name: 'Oman', demonyms: ['Omani', 'Omanis'], alt: ['Sultanate of Oman'] },
  { name: 'Pakistan', demonyms: ['Pakistani', 'Pakistanis'] },
  { name: 'Palestine', demonyms: ['Palestinian', 'Palestinians'] },
  { name: 'Philippines', demonyms: ['Filipino', 'Filipinos', 'Philippine'] },
  { name: 'Poland', demonyms: ['Polish', 'Pole', 'Poles'] },
  { name: 'Portugal', demonyms: ['Portuguese'] },
  { name: 'Qatar', demonyms: ['Qatari', 'Qataris'] },
  { name: 'Romania', demonyms: ['Romanian', 'Romanians'] },
  { name: 'Russia', demonyms: ['Russian', 'Russians'], alt: ['Russian Federation'] },
  { name: 'Saudi Arabia', demonyms: ['Saudi', 'Saudis'] },
  { name: 'Serbia', demonyms: ['Serbian', 'Serbians', 'Serb', 'Serbs'] },
  { name: 'Somalia', demonyms: ['Somali', 'Somalis'] },
  { name: 'South Africa', demonyms: ['South African', 'South Africans'] },
  { name: 'South Korea', demonyms: ['South Korean', 'South Koreans'] },
  { name: 'Spain', demonyms: ['Spanish', 'Spaniard', 'Spaniards'] },
  { name: 'Sudan', demonyms: ['Sudanese'] },
  { name: 'Sweden', demonyms: ['Swedish', 'Swede', 'Swedes'] },
  { name: 'Switzerland', demonyms: ['Swiss'] },
  { name: 'Syria', demonyms: ['Syrian', 'Syrians'] },
  { name: 'Taiwan', demonyms: ['Taiwanese'] },
  { name: 'Thailand', demonyms: ['Thai', 'Thais'] },
  { name: 'Tunisia', demonyms: ['Tunisian', 'Tunisians'] },
  { name: 'Turkey', demonyms: ['Turkish', 'Turk', 'Turks'], alt: ['Türkiye'] },
  { name: 'Ukraine', demonyms: ['Ukrainian', 'Ukrainians'] },
  { name: 'United Arab Emirates', demonyms: ['Emirati', 'Emiratis'], alt: ['UAE'] },
  { name: 'US', demonyms: ['American', 'Americans'], alt: ['United States', 'USA', 'America', 'United States of America'] },
  { name: 'Venezuela', demonyms: ['Venezuelan', 'Venezuelans'] },
  { name: 'Vietnam', demonyms: ['Vietnamese'] },
  { name: 'Yemen', demonyms: ['Yemeni', 'Yemenis'] },
  // Cities and regions frequent in world news.
  { name: 'Muscat', demonyms: [] },
  { name: 'Tehran', demonyms: [], alt: ['Teheran'] },
  { name: 'Washington', demonyms: [], alt: ['Washington DC'] },
  { name: 'Moscow', demonyms: ['Muscovite', 'Muscovites'] },
  { name: 'Beijing', demonyms: [], alt: ['Peking'] },
  { name: 'Kyiv', demonyms: [], alt: ['Kiev'] },
  { name: 'Ankara', demonyms: [] },
  { name: 'Istanbul', demonyms: [] },
  { name: 'Riyadh', demonyms: [] },
  { name: 'Doha', demonyms: [] },
  { name: 'Baghdad', demonyms: ['Baghdadi'] },
  { name: 'Damascus', demonyms: [] },
  { name: 'Beirut', demonyms: [] },
  { name: 'Jerusalem', demonyms: [] },
  { name: 'Tel Aviv', demonyms: [] },
  { name: 'Gaza', demonyms: ['Gazan', 'Gazans'] },
  { name: 'Cairo', demonyms: ['Cairene'] },
  { name: 'Dubai', demonyms: [] },
  { name: 'Abu Dhabi', demonyms: [] },
  { name: 'Berlin', demonyms: ['Berliner', 'Berliners'] },
  { name: 'Paris', demonyms: ['Parisian', 'Parisians'] },
  { name: 'London', demonyms: ['Londoner', 'Londoners'] },
  { name: 'Brussels', demonyms: [] },
  { name: 'Geneva', demonyms: [] },
  { name: 'Vienna', demonyms: ['Viennese'] },
  { name: 'Rome', demonyms: ['Roman', 'Romans'] },
  { name: 'Tokyo', demonyms: [] },
  { name: 'New York', demonyms: ['New Yorker', 'New Yorkers'] },
];

const placeIndex = new Map<string, (typeof PLACE_TABLE)[number]>();
for (const row of PLACE_TABLE) {
  placeIndex.set(foldPhrase(row.name), row);
  for (const alt of row.alt ?? []) placeIndex.set(foldPhrase(alt), row);
}
const demonymIndex = new Map<string, string>();
for (const row of PLACE_TABLE) for (const d of row.demonyms) demonymIndex.set(foldPhrase(d), row.name);

/** The place a demonym refers to ("Omani" → "Oman"), or null. */
export function placeOfDemonym(word: string): string | null {
  return demonymIndex.get(foldPhrase(word)) ?? null;
}

/** The canonical table name of a place or its alternative name ("United States" → "US"), or null. */
export function canonicalPlace(name: string): string | null {
  return placeIndex.get(foldPhrase(name))?.name ?? null;
}

/** Demonyms and alternative names of a place from the table (empty when the place is unknown). */
export function placeAliases(name: string): string[] {
  const row = placeIndex.get(foldPhrase(name));
  if (!row) return [];
  return [...row.demonyms, ...(row.alt ?? []), ...(row.name === name ? [] : [row.name])];
}

// Words an acronym skips: "Institute for the Study of War" → ISW.
const ACRONYM_SKIP = new Set(['of', 'for', 'the', 'and', 'on', 'in', 'at', 'to', 'a', 'an', '&']);

/**
 * The acronym of a multi-word organisation (initials of its capitalised words), or null when
 * it would be shorter than three letters or a word is itself an acronym: two-letter acronyms
 * are too ambiguous to match on their own.
 */
export function organizationAcronym(name: string): string | null {
  const words = name.split(/[\s-]+/).filter((w) => w.length > 0 && !ACRONYM_SKIP.has(w.toLowerCase()));
  if (words.length < 3) return null;
  let out = '';
  for (const w of words) {
    const first = w[0]!;
    if (first !== first.toUpperCase() || first === first.toLowerCase()) return null;
    if (w.length > 1 && w === w.toUpperCase()) return null;
    out += first;
  }
  return out;
}

/**
 * Lexicalised variants of a topic phrase's head noun: the ways news writes the same thing.
 * Keyed by the folded two-word head of the phrase; general knowledge kept as data
 * (phrase-variants.json), nothing chosen for a story.
 */
const HEAD_NOUN_VARIANTS: Readonly<Record<string, string[]>> = phraseVariants.variants as Record<string, string[]>;

// Irregular or -es plurals among head nouns we are likely to meet; default is + "s".
function pluralOf(noun: string): string {
  if (/(s|x|z|ch|sh)$/.test(noun)) return `${noun}es`;
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}

function singularOf(noun: string): string | null {
  if (/ies$/.test(noun)) return `${noun.slice(0, -3)}y`;
  if (/(ches|shes|sses|xes)$/.test(noun)) return noun.slice(0, -2);
  if (/[^s]s$/.test(noun)) return noun.slice(0, -1);
  return null;
}

/**
 * Variants of a topic phrase: its shorter head ("aircraft carrier group" → "carrier group"),
 * the table's lexicalised variants, and singular/plural of the head noun of each.
 */
export function topicVariants(phrase: string): string[] {
  const words = phrase.toLowerCase().split(/\s+/);
  const forms = new Set<string>([words.join(' ')]);
  for (let i = 1; i <= words.length - 2; i++) forms.add(words.slice(i).join(' '));
  // Singular/plural of the phrase and its heads; the table's variants are listed with their own plurals.
  for (const f of [...forms]) {
    const parts = f.split(' ');
    const head = parts[parts.length - 1]!;
    const sing = singularOf(head);
    parts[parts.length - 1] = sing ?? pluralOf(head);
    forms.add(parts.join(' '));
  }
  for (const f of [...forms]) for (const v of HEAD_NOUN_VARIANTS[f] ?? []) forms.add(v);
  return [...forms];
}

// Transliteration pairs seen across Persian/Arabic/Turkish names in English-language news.
// Each rule is applied alone (never chained) so the number of variants stays small.
const TRANSLITERATIONS: Array<[RegExp, string]> = [
  [/gh/g, 'q'],
  [/q(?!u)/g, 'gh'],
  [/kh/g, 'h'],
  [/ou/g, 'u'],
  [/(?<![aeiou])u(?=[^aeiou]|$)/g, 'ou'],
  [/ee/g, 'i'],
  [/i$/g, 'y'],
  [/(?<=[^aeiou])y$/g, 'i'],
  [/dj/g, 'j'],
  [/ei/g, 'ey'],
  [/ey/g, 'ei'],
];

/**
 * Spelling variants of a transliterated name ("Araghchi" → "Araqchi", "Araghchy"): one rule at
 * a time, only for names of six letters or more, at most six variants.
 */
export function transliterationVariants(name: string): string[] {
  const lower = name.toLowerCase();
  if (lower.length < 6 || !/^[a-z]+$/.test(lower)) return [];
  const out: string[] = [];
  for (const [pattern, replacement] of TRANSLITERATIONS) {
    const variant = lower.replace(pattern, replacement);
    if (variant !== lower && !out.includes(variant)) out.push(variant);
    if (out.length >= 6) break;
  }
  return out.map((v) => v[0]!.toUpperCase() + v.slice(1));
}

// Words that may sit in a person's name but are not a surname on their own.
const NAME_PARTICLES = new Set(['al', 'el', 'bin', 'ibn', 'van', 'von', 'de', 'der', 'da', 'di', 'la', 'le', 'jr', 'sr']);

/** The surname of a full personal name ("Recep Tayyip Erdogan" → "Erdogan"), or null for one word. */
export function surnameOf(name: string): string | null {
  const words = name.split(/\s+/).filter((w) => !NAME_PARTICLES.has(w.toLowerCase().replace(/\.$/, '')));
  if (words.length < 2) return null;
  return words[words.length - 1]!;
}

/** Every generated alias of an entity, by kind: surname and its variants, demonyms, acronym, head-noun variants. */
export function generateAliases(name: string, kind: EntityKind): string[] {
  const out = new Set<string>();
  switch (kind) {
    case 'person': {
      const surname = surnameOf(name) ?? name;
      if (surname !== name) out.add(surname);
      for (const v of transliterationVariants(surname)) {
        out.add(v);
        if (surname !== name) out.add(name.slice(0, name.length - surname.length) + v);
      }
      break;
    }
    case 'place':
      for (const a of placeAliases(name)) out.add(a);
      break;
    case 'organization': {
      const acronym = organizationAcronym(name);
      if (acronym) out.add(acronym);
      break;
    }
    case 'topic':
      for (const v of topicVariants(name)) out.add(v);
      break;
  }
  out.delete(name);
  return [...out];
}
