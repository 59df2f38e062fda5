import { describe, expect, it } from 'vitest';
import { foldWord, tokenize } from './text-normalize.ts';

describe('foldWord', () => {
  it('folds diacritics, dotless i, sharp s and case', () => {
    expect(foldWord('Erdoğan')).toBe('erdogan');
    expect(foldWord('İstanbul')).toBe('istanbul');
    expect(foldWord('Straße')).toBe('strasse');
    expect(foldWord('TÜRKIYE')).toBe('turkiye');
  });
});

describe('tokenize', () => {
  it('strips straight and curly possessives into a flag', () => {
    const [a, b] = tokenize("Araghchi’s and Oman's");
    expect([a!.folded, a!.possessive]).toEqual(['araghchi', true]);
    expect(tokenize("Oman's")[0]).toMatchObject({ folded: 'oman', possessive: true });
    expect(b!.folded).toBe('and');
  });
  it('splits hyphenated words and keeps offsets on the original text', () => {
    const text = 'US-Iran talks, Iran-backed militias';
    const tokens = tokenize(text);
    expect(tokens.map((t) => t.folded)).toEqual(['us', 'iran', 'talks', 'iran', 'backed', 'militias']);
    for (const t of tokens) expect(text.slice(t.start, t.end)).toBe(t.text);
  });
  it('rejoins a word hyphenated across a line break', () => {
    expect(tokenize('Steve Wit-\nkoff arrived').map((t) => t.folded)).toEqual(['steve', 'witkoff', 'arrived']);
  });
  it('treats a plain line break as a space', () => {
    expect(tokenize('Friedrich\nMerz').map((t) => [t.folded, t.gapBefore])).toEqual([['friedrich', false], ['merz', false]]);
  });
  it('keeps the case shape of each word', () => {
    expect(tokenize('ISW Tehran trump').map((t) => t.shape)).toEqual(['upper', 'capital', 'lower']);
  });
  it('reads U.S. as one word', () => {
    expect(tokenize('the U.S. envoy').map((t) => t.folded)).toEqual(['the', 'us', 'envoy']);
  });
  it('marks punctuation between words as a gap', () => {
    expect(tokenize('Abbas. Araghchi').map((t) => t.gapBefore)).toEqual([false, true]);
  });
});
