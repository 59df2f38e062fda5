import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAnchorFile } from './anchor-file.ts';
import { compileAnchor, tagItem } from './compile-anchor.ts';

// Tanzania–Malawi lake border talks in Maputo; Zambia's president is quoted (a voiced third state).
const source = parseAnchorFile('nyasa-border', readFileSync('test/fixtures/calibration/nyasa-border/anchor.md', 'utf8'));
const weightOf = (r: ReturnType<typeof tagItem>, term: string) => r.why.evidence.find((e) => e.kind === 'term' && e.name === term)?.weight ?? 0;

describe('one side\'s principal with the body\'s words, and the reactions of a state the piece voices', () => {
  it('counts body words beside a side\'s principal at principalContextFactor, scaled down by title novelty', () => {
    const off = compileAnchor(source, undefined, { params: { contextTermFactor: 0.2, principalContextFactor: 0 } });
    const on = compileAnchor(source, undefined, { params: { contextTermFactor: 0.2, principalContextFactor: 0.8 } });
    const item = { title: 'Chirwa keeps patrol boats moored', summary: 'Fishing canoes were shadowed overnight.' };
    const w0 = weightOf(tagItem(off, item), 'patrol');
    expect(w0).toBeGreaterThan(0);
    expect(weightOf(tagItem(on, item), 'patrol')).toBeGreaterThan(w0 * 1.5);
    // The side's name alone is no principal: "Malawi" keeps the context share.
    const named = { title: 'Malawi keeps patrol boats moored', summary: 'Fishing canoes were shadowed overnight.' };
    expect(weightOf(tagItem(on, named), 'patrol')).toBeCloseTo(weightOf(tagItem(off, named), 'patrol'), 3);
  });

  it('counts a voiced state at voicedStateWeight of a foreign one only beside a side and a word of the news', () => {
    const full = compileAnchor(source, undefined, { params: { voicedStateWeight: 1 } });
    const light = compileAnchor(source, undefined, { params: { voicedStateWeight: 0 } });
    const reaction = { title: 'Zambia ready to verify any lake border deal', summary: 'Lusaka urged Dodoma to keep talking.' };
    expect(tagItem(light, reaction).score).toBeGreaterThan(tagItem(full, reaction).score);
    // Without a side of the story, the voiced state is as foreign as any.
    const elsewhere = { title: 'Zambia ready to verify any border deal with Kenya', summary: 'Lusaka urged Nairobi to keep talking.' };
    expect(tagItem(light, elsewhere).score).toBeCloseTo(tagItem(full, elsewhere).score, 6);
  });
});
