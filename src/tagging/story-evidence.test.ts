import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAnchorFile } from './anchor-file.ts';
import { compileAnchor, tagItem } from './compile-anchor.ts';

const source = parseAnchorFile('gas-lisbon', readFileSync('test/fixtures/calibration/gas-lisbon/anchor.md', 'utf8'));
const anchor = compileAnchor(source);

describe('story evidence beyond the piece\'s words', () => {
  it('counts every side named together as evidence of its own', () => {
    const r = tagItem(anchor, { title: 'Morocco and Algeria trade accusations over drone flights', summary: 'Rabat and Algiers gave different accounts.' });
    expect(r.why.evidence.some((e) => e.kind === 'entity' && e.name === 'every side')).toBe(true);
    const one = tagItem(anchor, { title: 'Morocco unveils drone factory', summary: 'The plant will open near Tangier.' });
    expect(one.why.evidence.some((e) => e.name === 'every side')).toBe(false);
    expect(r.score).toBeGreaterThan(one.score);
  });

  it('weighs a word of the headline\'s trailing circumstance as a word of the lede, not of the news', () => {
    const inNews = compileAnchor({ ...source, title: source.title.replace(' as gas dispute deepens', ' over deepening gas dispute') });
    const weight = (a: typeof anchor) => a.storyTerms.find((t) => t.term === 'disput')?.weight ?? 0;
    expect(weight(anchor)).toBeGreaterThan(0);
    expect(weight(inNews)).toBeGreaterThan(1.5 * weight(anchor));
  });

  it('weighs words alone, with no actor or place of the story, less than the same words beside one', () => {
    const words = 'Pipeline talks and border dispute';
    const alone = tagItem(anchor, { title: words, summary: 'Delegates met on gas supplies.' });
    const beside = tagItem(anchor, { title: `${words} in Lisbon`, summary: 'Delegates met on gas supplies.' });
    expect(beside.score).toBeGreaterThan(alone.score);
  });
});
