import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAnchorFile } from './anchor-file.ts';
import { compileAnchor, tagItem } from './compile-anchor.ts';

// A piece on mediated talks (Norway-brokered) amid a war between the two sides: the body tells
// the war's economy too, and coverage of that economy names the belligerents but not the talks.
const source = parseAnchorFile('havana-ceasefire', readFileSync('test/fixtures/calibration/havana-ceasefire/anchor.md', 'utf8'));
const params = { contextTermFactor: 0.2, everySideContextFactor: 1 };
const anchor = compileAnchor(source, undefined, { params });
const weightOf = (r: ReturnType<typeof tagItem>, term: string) => r.why.evidence.find((e) => e.kind === 'term' && e.name === term)?.weight ?? 0;

describe('the story\'s subject against the background the piece also tells', () => {
  it('discounts body words in an item naming some sides and no word of the news', () => {
    const economy = tagItem(anchor, { title: 'Venezuelan refineries idle as peso slides in Colombia', summary: 'Fuel is short in Maracaibo.' });
    const w = weightOf(economy, 'refineri');
    expect(w).toBeGreaterThan(0);
    // The same words beside a word of the news count in full.
    const withNews = tagItem(anchor, { title: 'Venezuelan refineries idle as ceasefire talks stall in Colombia', summary: 'Fuel is short in Maracaibo.' });
    expect(weightOf(withNews, 'refineri')).toBeCloseTo(w / params.contextTermFactor, 2);
  });

  it('counts body words in an item naming every side as everySideContextFactor says', () => {
    const all = tagItem(anchor, { title: 'Norwegian envoy sees Venezuelan refineries idle near Colombia', summary: 'Fuel is short in Maracaibo.' });
    const some = tagItem(anchor, { title: 'Venezuelan refineries idle near Colombia', summary: 'Fuel is short in Maracaibo.' });
    expect(weightOf(all, 'refineri')).toBeCloseTo(weightOf(some, 'refineri') / params.contextTermFactor, 2);
    expect(all.score).toBeGreaterThan(some.score);
  });

  it('takes a core topic\'s phrase as news, not its words one by one, nor a phrase of the circumstances only', () => {
    const story = compileAnchor(
      {
        ...source,
        title: 'Japan and China open trade talks in Jakarta',
        text: 'Japanese and Chinese negotiators opened talks in Jakarta on Thursday, as a tariff war hits car makers in both countries.\nThe chip factories of both countries have cut shifts. The tariff war has cost both economies, and the chip factories say the talks will be long.',
      },
      undefined,
      { params },
    );
    const core = new Set([...story.relevance.terms].filter(([, t]) => t.core).map(([k]) => k));
    expect(story.entities.find((e) => e.name === 'chip factories')?.role).toBe('core');
    expect(core.has('chip_factori')).toBe(true);
    expect(story.entities.find((e) => e.name === 'tariff war')?.role).toBe('core');
    expect(core.has('chip')).toBe(false);
    expect(core.has('tariff_war')).toBe(false);
  });
});
