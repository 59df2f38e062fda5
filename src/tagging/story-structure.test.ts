import { describe, expect, it } from 'vitest';
import type { AnchorSource } from '../model/anchor.ts';
import { extractEntities } from './extract-entities.ts';
import { readStoryStructure } from './story-structure.ts';

const piece: AnchorSource = {
  id: 'river',
  title: 'India and Pakistan open talks on the Indus waters in Vienna',
  url: null,
  publishedAt: null,
  text: [
    'Indian and Pakistani negotiators sat down in Vienna on Monday for the first formal talks in years on sharing the waters of the Indus basin.',
    "The talks are led by Indian water secretary Anil Mehra and Farooq Qureshi, Pakistan's chief negotiator.",
    'Qureshi said Pakistan would not accept a unilateral reading of the treaty. Mehra said India came in good faith.',
    'Chinese foreign ministry spokesman Lin Hao said Beijing hoped the neighbours would resolve differences through dialogue.',
  ].join('\n'),
  // compromise does not find every name; the piece's front matter may add one, as here.
  overrides: { entities: [{ name: 'Farooq Qureshi', kind: 'person' }], aliases: {}, exclude: [] },
};

describe('readStoryStructure', () => {
  const entities = extractEntities(piece);
  const structure = readStoryStructure(piece, entities);
  const byName = (name: string) => entities.find((e) => e.name === name);

  it('takes the headline places as parties and the place after "in" as the venue', () => {
    expect(structure.parties.map((p) => p.country).sort()).toEqual(['India', 'Pakistan']);
    expect(structure.venue?.key).toBe(byName('Vienna')?.key);
    expect(structure.venue?.country).toBe('Austria');
  });
  it('reads a person\'s side from a title before the name or an apposition after it', () => {
    expect(structure.affiliation.get(byName('Anil Mehra')!.key)).toBe('India');
    expect(structure.affiliation.get(byName('Farooq Qureshi')!.key)).toBe('Pakistan');
  });
  it('makes the sides\' people core and a third country\'s commentator context', () => {
    expect(byName('Anil Mehra')?.role).toBe('core');
    expect(byName('Farooq Qureshi')?.role).toBe('core');
    expect(byName('India')?.role).toBe('core');
    expect(byName('Lin Hao')?.role).toBe('context');
    expect(byName('Beijing')?.role).toBe('context');
  });
  it('keeps a role a person set', () => {
    const set = readStoryStructure(piece, entities.map((e) => (e.name === 'Lin Hao' ? { ...e, role: 'core' as const } : e)));
    expect(set.roles.get(byName('Lin Hao')!.key)).toBe('core');
  });
  it('names a modifier party ("US-led") with less weight', () => {
    const s = readStoryStructure({ ...piece, title: 'India and Pakistan open China-backed talks in Vienna' }, entities);
    expect(s.parties.find((p) => p.country === 'China')?.weight).toBeLessThan(1);
    expect(s.parties.find((p) => p.country === 'India')?.weight).toBe(1);
  });
});
