import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAnchorFile } from './anchor-file.ts';
import { compileAnchor } from './compile-anchor.ts';
import { confidentCoverage, COVERAGE_MAX } from './story-growth.ts';

const anchor = compileAnchor(parseAnchorFile('nile-dam', readFileSync('test/fixtures/calibration/nile-dam/anchor.md', 'utf8')));

describe('confidentCoverage', () => {
  it('keeps the newest items the anchor is confident on, never an off-story one, at most COVERAGE_MAX', () => {
    const on = Array.from({ length: 40 }, (_, i) => ({ title: `Egypt and Ethiopia resume Nile dam negotiations in Geneva, round ${i}`, summary: 'Negotiators discussed the reservoir and drought releases under AU mediation.', hoursAgo: i }));
    const off = [{ title: 'Egypt and Ethiopia draw in qualifier', summary: 'The teams shared the points in Cairo.', hoursAgo: 0 }];
    const coverage = confidentCoverage(anchor, [...off, ...on.slice().reverse()]);
    expect(coverage.length).toBe(COVERAGE_MAX);
    expect(coverage[0]!.title).toBe(on[0]!.title);
    expect(coverage.some((c) => c.title === off[0]!.title)).toBe(false);
  });
});
