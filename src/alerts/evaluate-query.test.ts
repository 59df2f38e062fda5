import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../errors.ts';
import { loadAnchorSources } from '../tagging/anchor-file.ts';
import { compileAnchor, type CompiledAnchor } from '../tagging/compile-anchor.ts';
import { compileQuery, matchesItem, prepareDocument, type PreparedDocument } from './evaluate-query.ts';
import { parseQuery } from './parse-query.ts';

const ANCHORS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config/anchors');

let anchor: CompiledAnchor;
let entityKeys: Set<string>;

beforeAll(async () => {
  const sources = await loadAnchorSources(ANCHORS_DIR);
  const muscat = sources.find((s) => s.id === 'muscat-talks');
  if (!muscat) throw new Error('config/anchors/muscat-talks.md is missing');
  anchor = compileAnchor(muscat);
  entityKeys = new Set(anchor.entities.map((e) => e.key));
});

/** An item prepared the way the pipeline does: entity keys from the real tagging matcher. */
function doc(title: string, summary = ''): PreparedDocument {
  const matches = anchor.matcher.match(title, summary);
  return prepareDocument(title, summary, new Map(matches.map((m) => [m.key, m.count])));
}

function matches(query: string, title: string, summary = ''): boolean {
  return matchesItem(compileQuery(parseQuery(query), { entityKeys }), doc(title, summary));
}

describe('matchesItem: words', () => {
  it('matches whole words only', () => {
    expect(matches('Iran', 'Iran and Oman hold talks')).toBe(true);
    expect(matches('Iran', 'Iranian officials arrive')).toBe(false);
    expect(matches('Oman', 'A woman in Romania')).toBe(false);
    expect(matches('talk', 'talks resume')).toBe(false);
  });

  it('ignores case', () => {
    expect(matches('iran', 'IRAN WARNS US')).toBe(true);
    expect(matches('IRAN', 'iran warns')).toBe(true);
  });

  it('folds diacritics both ways: Erdogan and Erdoğan', () => {
    expect(matches('Erdogan', 'Erdoğan offers hope')).toBe(true);
    expect(matches('Erdoğan', 'Erdogan offers hope')).toBe(true);
    expect(matches('ERDOĞAN', 'erdogan')).toBe(true);
    expect(matches('Türkiye', 'Turkiye says')).toBe(true);
  });

  it('treats curly and straight apostrophes alike and strips possessives', () => {
    expect(matches('Araghchi', 'Araghchi’s stance')).toBe(true);
    expect(matches("Araghchi's", 'Araghchi’s stance')).toBe(true);
    expect(matches('Araghchi’s', 'Araghchi says')).toBe(true);
    expect(matches("don't", 'We don’t know')).toBe(true);
    expect(matches("O'Brien", 'O’Brien wrote')).toBe(true);
  });

  it('reads lowercase and/or/not as words', () => {
    expect(matches('war or peace', 'War or peace?')).toBe(true);
    expect(matches('war or peace', 'War and peace')).toBe(false);
  });
});

describe('matchesItem: phrases', () => {
  it('matches consecutive words, punctuation and case ignored', () => {
    expect(matches('"nuclear talks"', 'Nuclear talks resume')).toBe(true);
    expect(matches('"nuclear talks"', 'nuclear, talks')).toBe(true);
    expect(matches('"nuclear talks"', 'talks on nuclear issues')).toBe(false);
    expect(matches('"nuclear talks"', 'nuclear energy talks')).toBe(false);
  });

  it('matches a phrase at the end of a field and one repeated later', () => {
    expect(matches('"carrier group"', 'a carrier and a carrier group')).toBe(true);
    expect(matches('"carrier group"', 'the carrier')).toBe(false);
  });

  it('does not match across the title/summary boundary', () => {
    expect(matches('"talks Muscat"', 'Iran talks', 'Muscat hosts the delegations')).toBe(false);
    expect(matches('"talks Muscat"', 'Iran', 'talks in Muscat. Then talks Muscat')).toBe(true);
  });

  it('treats a hyphenated word as a phrase', () => {
    expect(matches('US-Iran', 'US-Iran talks')).toBe(true);
    expect(matches('US-Iran', 'US Iran talks')).toBe(true);
    expect(matches('US-Iran', 'Iran and the US')).toBe(false);
  });
});

describe('matchesItem: prefixes', () => {
  it('matches any word starting with the prefix', () => {
    expect(matches('sanction*', 'New sanctions announced')).toBe(true);
    expect(matches('sanction*', 'A sanction')).toBe(true);
    expect(matches('sanction*', 'Sanctuary opens')).toBe(false);
    expect(matches('Erdoğ*', 'Erdogan speaks')).toBe(true);
    expect(matches('nuc*', 'the NUCLEAR file')).toBe(true);
  });
});

describe('matchesItem: operators', () => {
  it('applies AND, OR, NOT and their precedence', () => {
    expect(matches('Iran Oman', 'Iran meets Oman')).toBe(true);
    expect(matches('Iran Oman', 'Iran meets Qatar')).toBe(false);
    expect(matches('Iran OR Oman', 'Oman mediates')).toBe(true);
    expect(matches('Iran NOT Israel', 'Iran talks')).toBe(true);
    expect(matches('Iran NOT Israel', 'Iran and Israel')).toBe(false);
    expect(matches('Iran -Israel', 'Iran and Israel')).toBe(false);
    // NOT > AND > OR: (NOT a AND b) OR c
    expect(matches('NOT grapes wine OR Muscat', 'Muscat grapes')).toBe(true);
    expect(matches('NOT grapes wine OR Muscat', 'grapes and wine')).toBe(false);
    expect(matches('NOT (Iran OR Oman)', 'Qatar hosts')).toBe(true);
    expect(matches('NOT (Iran OR Oman)', 'Oman hosts')).toBe(false);
  });

  it('looks at the title and the summary', () => {
    expect(matches('Iran Muscat', 'Iran agrees', 'talks will be in Muscat')).toBe(true);
  });
});

describe('matchesItem: entity:KEY through the tagging matcher', () => {
  it('matches every alias and variant of the entity: Araghchi, Araqchi, Araghchy', () => {
    expect(matches('entity:araghchi', 'Abbas Araghchi arrives in Muscat')).toBe(true);
    expect(matches('entity:araghchi', 'Araqchi says talks were constructive')).toBe(true);
    expect(matches('entity:araghchi', 'Araghchy’s visit')).toBe(true);
    expect(matches('entity:araghchi', 'Witkoff arrives')).toBe(false);
  });

  it('matches Araqchi where the plain word Araghchi does not', () => {
    expect(matches('Araghchi', 'Araqchi says talks were constructive')).toBe(false);
    expect(matches('entity:araghchi', 'Araqchi says talks were constructive')).toBe(true);
  });

  it('keeps the matcher’s false-friend rules: Muscat grapes are not the city', () => {
    expect(matches('entity:muscat', 'Talks in Muscat')).toBe(true);
    expect(matches('entity:muscat', 'Muscat grapes ripen early', 'winemakers are pleased')).toBe(false);
  });

  it('combines entities with words', () => {
    expect(matches('entity:araghchi AND entity:witkoff NOT Israel', 'Araqchi meets Witkoff')).toBe(true);
    expect(matches('entity:erdogan OR entity:merz', 'Erdoğan and the Turkish view')).toBe(true);
  });

  it('rejects an entity key the anchor does not have, naming the key and its position', () => {
    try {
      compileQuery(parseQuery('Iran AND entity:khamenei'), { entityKeys });
      throw new Error('expected an error');
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe(ErrorCodes.querySyntax);
      expect((err as AppError).details).toMatchObject({ key: 'khamenei', position: 9 });
      expect((err as AppError).message).toBe('Unknown entity at position 9: "khamenei" is not an entity of this anchor');
    }
  });
});

describe('prepareDocument', () => {
  it('keeps only entity keys with mentions and sorts the words for prefix search', () => {
    const prepared = prepareDocument('Talks in Muscat', 'Oman hosts', new Map([['muscat', 1], ['iran', 0]]));
    expect([...prepared.entities]).toEqual(['muscat']);
    expect(prepared.sortedWords).toEqual(['hosts', 'in', 'muscat', 'oman', 'talks']);
    expect(prepared.fields).toEqual([['talks', 'in', 'muscat'], ['oman', 'hosts']]);
  });
});
