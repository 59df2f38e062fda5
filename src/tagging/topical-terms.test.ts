import { describe, expect, it } from 'vitest';
import { topicalTerms } from './topical-terms.ts';

describe('topicalTerms', () => {
  it('keeps the nouns of the subject and leaves out verbs and numbers', () => {
    const t = topicalTerms('The delegations resumed the border talks on Monday. Both delegations want a settlement of the border question within three weeks.');
    expect(t.has('border')).toBe(true);
    expect(t.has('settlement')).toBe(true);
    expect(t.has('want')).toBe(false);
    expect(t.has('three')).toBe(false);
  });

  it('votes over every use of a word: a verb used once as a noun stays a verb', () => {
    const t = topicalTerms('The envoys hold talks today. They hold a second meeting on Friday. The plan was put on hold.');
    expect(t.has('hold')).toBe(false);
  });

  it('does not take a word hyphened onto a name for the subject', () => {
    const t = topicalTerms('The EU-brokered talks went on. The mediators said the EU-brokered process works.');
    expect(t.has('broker')).toBe(false);
    expect(t.has('talk')).toBe(true);
  });
});
