/**
 * Which country a place or a seat of government belongs to: countries and their capitals
 * from the world-countries package, the project's place table for names and demonyms, and a
 * short table of seats of government that news uses for their state ("the Kremlin said").
 * General knowledge as data; nothing here is chosen for a story.
 */
import { createRequire } from 'node:module';
import { canonicalPlace, placeAliases, placeOfDemonym } from './entity-aliases.ts';
import { foldPhrase } from './text-normalize.ts';

/** Seats of government and institutions named for their state (metonyms), by country. */
export const SEATS_OF_GOVERNMENT: Readonly<Record<string, string[]>> = {
  US: ['White House', 'Pentagon', 'State Department', 'Capitol Hill', 'Oval Office'],
  Russia: ['Kremlin'],
  Britain: ['Downing Street', 'Whitehall'],
  France: ['Elysee', 'Quai d\'Orsay'],
  China: ['Zhongnanhai'],
  Germany: ['Bundestag', 'Chancellery'],
  Israel: ['Knesset'],
  Japan: ['Kantei'],
  'South Korea': ['Blue House'],
};

/**
 * Epithets news uses for a state in place of its name ("the Islamic Republic signalled…"):
 * they stand for the state as a side or a foreign state, but are no mention of the place
 * entity itself (tagging counts the name, its demonyms and official forms only).
 */
export const STATE_EPITHETS: Readonly<Record<string, string[]>> = {
  Iran: ['Islamic Republic'],
  Israel: ['Jewish state'],
  'North Korea': ['Hermit Kingdom'],
  'Vatican City': ['Holy See'],
};

interface Country {
  name: string;
  capitals: string[];
}

let countryByPlace: Map<string, string> | null = null;
/** Country → the places (capitals, seats) that stand for it, as written. */
const placesOfCountry = new Map<string, string[]>();

function index(): Map<string, string> {
  if (countryByPlace) return countryByPlace;
  const require = createRequire(import.meta.url);
  const rows = require('world-countries') as Array<{ name: { common: string; official: string }; capital?: string[]; altSpellings?: string[] }>;
  const countries: Country[] = rows.map((r) => ({
    name: canonicalPlace(r.name.common) ?? canonicalPlace(r.name.official) ?? r.name.common,
    capitals: (r.capital ?? []).map((c) => c.replace(/\s+D\.?C\.?$/, '')),
  }));
  countryByPlace = new Map();
  for (const c of countries) {
    countryByPlace.set(foldPhrase(c.name), c.name);
    for (const cap of c.capitals) {
      if (countryByPlace.has(foldPhrase(cap))) continue;
      countryByPlace.set(foldPhrase(cap), c.name);
      placesOfCountry.set(c.name, [...(placesOfCountry.get(c.name) ?? []), cap, ...placeAliases(cap)]);
    }
  }
  for (const table of [SEATS_OF_GOVERNMENT, STATE_EPITHETS]) for (const [country, names] of Object.entries(table)) for (const s of names) countryByPlace.set(foldPhrase(s), country);
  return countryByPlace;
}

/** The country a place, demonym or seat of government belongs to ("Kyiv" → "Ukraine", "Kremlin" → "Russia"), or null. */
export function countryOf(name: string): string | null {
  const viaDemonym = placeOfDemonym(name);
  const place = viaDemonym ?? canonicalPlace(name) ?? name;
  return index().get(foldPhrase(place)) ?? null;
}

/** True when the name is a country (not a city or seat). */
export function isCountry(name: string): boolean {
  const c = countryOf(name);
  return c !== null && foldPhrase(c) === foldPhrase(canonicalPlace(name) ?? name);
}

/** Every surface that names a country: its name, alternative names, demonyms, capitals, seats of government, epithets. */
export function countrySurfaces(country: string): string[] {
  index();
  const out = new Set<string>([country, ...placeAliases(country), ...(placesOfCountry.get(country) ?? [])]);
  for (const s of SEATS_OF_GOVERNMENT[country] ?? []) out.add(s);
  for (const s of STATE_EPITHETS[country] ?? []) out.add(s);
  return [...out];
}

/** Every country of the gazetteer (canonical names), for a matcher of all states an item names. */
export function allCountries(): string[] {
  return [...new Set(index().values())];
}
