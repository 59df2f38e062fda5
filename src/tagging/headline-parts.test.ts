import { describe, expect, it } from 'vitest';
import { headlineParts, ledeParts } from './headline-parts.ts';

describe('headlineParts', () => {
  it('splits the trailing circumstance from the news', () => {
    expect(headlineParts('Chile and Argentina hold talks in Montevideo amid naval standoff')).toEqual({
      news: 'Chile and Argentina hold talks in Montevideo',
      circumstance: 'amid naval standoff',
    });
    expect(headlineParts('Kenya and Somalia resume border talks under the shadow of a drought').circumstance).toBe('under the shadow of a drought');
  });

  it('keeps a headline without a circumstance whole, and an opening circumstance word in the news', () => {
    expect(headlineParts('Serbia and Kosovo sign a water accord')).toEqual({ news: 'Serbia and Kosovo sign a water accord', circumstance: '' });
    expect(headlineParts('After the storm, ferries sail again').circumstance).toBe('');
  });
});

describe('ledeParts', () => {
  it('splits a sentence at a circumstance after a comma only', () => {
    const { news, circumstance } = ledeParts('Delegates held a first round of talks in Lima, as Quito seeks a way to end the dispute. Officials were as cautious as ever.');
    expect(news).toBe('Delegates held a first round of talks in Lima, Officials were as cautious as ever.');
    expect(circumstance).toBe('as Quito seeks a way to end the dispute.');
  });
});
