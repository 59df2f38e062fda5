import { describe, expect, it } from 'vitest';
import { compileAnchor, tagItem } from './compile-anchor.ts';
import { countryOf, countrySurfaces } from './gazetteer.ts';

describe('gazetteer', () => {
  it('knows the epithets news uses for a state in place of its name', () => {
    expect(countryOf('Islamic Republic')).toBe('Iran');
    expect(countryOf('Jewish state')).toBe('Israel');
    expect(countrySurfaces('Iran')).toContain('Islamic Republic');
    expect(countrySurfaces('Oman')).not.toContain('Islamic Republic');
  });
  it('lets an epithet stand for a side of the story, without tagging the place entity', () => {
    const anchor = compileAnchor({
      id: 'epithet',
      title: 'Iran and Oman hold water talks in Doha',
      text: 'Iranian and Omani negotiators met in Doha over shared aquifers and desalination quotas.\nThe aquifers feed both coasts.',
      url: null,
      publishedAt: null,
      overrides: { entities: [], aliases: {}, exclude: [] },
    });
    const item = { title: 'Islamic Republic offers aquifer data to Oman', summary: 'Negotiators traded desalination figures.' };
    const plain = { title: 'Republic offers aquifer data to Oman', summary: 'Negotiators traded desalination figures.' };
    const r = tagItem(anchor, item);
    expect(r.entities.map((e) => e.key)).not.toContain('iran');
    expect(r.score).toBeGreaterThan(tagItem(anchor, plain).score);
  });
});
