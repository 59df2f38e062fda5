import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAnchorFile } from './anchor-file.ts';
import { compileAnchor, tagItem } from './compile-anchor.ts';
import { FEEDBACK_PARAMETERS, feedbackShift, learnFeedback, NO_FEEDBACK, type DenseFeatures } from './feedback-learner.ts';
import { statsOfItems } from './term-statistics.ts';

const NONE: DenseFeatures = { core: 0, context: 0, subject: 0, foreign: 0, missingSides: 0 };
const idf = (t: string) => (['talk', 'said'].includes(t) ? 0.5 : 3);

describe('feedback learner', () => {
  it('puts a rejected item past the threshold by the margin, through the words that set it apart', () => {
    const learned = learnFeedback([{ terms: ['rubl', 'inflat', 'talk', 'said'], dense: NONE, prior: 0.4, relevant: false }], idf, new Set(['talk']), { ...FEEDBACK_PARAMETERS, aggressiveness: 100, epochs: 1 });
    const judged = feedbackShift(learned, ['rubl', 'inflat', 'talk', 'said'], NONE).shift;
    expect(0.4 + judged).toBeCloseTo(-FEEDBACK_PARAMETERS.margin, 6);
    // The distinctive words carry most of it; a word of the piece, or a common one, little.
    expect(learned.terms.get('rubl')!).toBeLessThan(learned.terms.get('said')!);
    expect(learned.terms.get('rubl')!).toBeLessThanOrEqual(learned.terms.get('talk')!);
    // An unjudged item of the same class moves; one on the story's own words hardly does.
    expect(feedbackShift(learned, ['rubl', 'inflat', 'budget'], NONE).shift).toBeLessThan(feedbackShift(learned, ['talk', 'ceasefir'], NONE).shift);
  });

  it('spares the words an accepted item shares with a rejected one', () => {
    const learned = learnFeedback(
      [
        { terms: ['envoy', 'gold', 'mine'], dense: NONE, prior: 0.3, relevant: false },
        { terms: ['envoy', 'truce', 'corridor'], dense: NONE, prior: -0.3, relevant: true },
      ],
      idf,
      new Set(),
    );
    expect(learned.terms.get('envoy') ?? 0).toBe(0);
    expect(learned.terms.get('gold')!).toBeLessThan(0);
    expect(learned.terms.get('truce')!).toBeGreaterThan(0);
  });

  it('lays a rejection on the words that put the item in the digest, as far as blameShare says', () => {
    const ex = { terms: ['war', 'tariff', 'doll', 'price'], dense: NONE, prior: 0.4, relevant: false, contribution: new Map([['war', 1.5]]) };
    const byIdf = learnFeedback([ex], idf, new Set(), { ...FEEDBACK_PARAMETERS, blameShare: 0 });
    const byScore = learnFeedback([ex], idf, new Set(), { ...FEEDBACK_PARAMETERS, blameShare: 0.5 });
    expect(byScore.terms.get('war')!).toBeLessThan(byIdf.terms.get('war')!);
    expect(byScore.terms.get('war')!).toBeLessThan(byScore.terms.get('tariff')!);
    // The same step in all: the judged item ends where it did.
    expect(feedbackShift(byScore, ex.terms, NONE).shift).toBeCloseTo(feedbackShift(byIdf, ex.terms, NONE).shift, 6);
  });

  it('learns nothing from no verdicts', () => {
    expect(learnFeedback([], idf, new Set())).toBe(NO_FEEDBACK);
  });
});

describe('feedback in a compiled anchor', () => {
  const source = parseAnchorFile('sudan-ceasefire', readFileSync('test/fixtures/feedback-calibration/sudan-ceasefire/anchor.md', 'utf8'));
  const items = readFileSync('test/fixtures/feedback-calibration/sudan-ceasefire/items.jsonl', 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; title: string; summary: string; relevant: boolean });
  const stats = statsOfItems(items);
  const byId = (id: string) => items.find((i) => i.id === id)!;
  const prior = compileAnchor(source, undefined, { stats });
  const judged = compileAnchor(source, prior.entities, { stats, judgments: [{ ...byId('sc04'), relevant: false }] });

  it('moves unjudged items of the rejected class more than items on the story, and shows the learned terms', () => {
    const drop = (id: string) => tagItem(prior, byId(id)).score - tagItem(judged, byId(id)).score;
    expect(drop('sc26')).toBeGreaterThan(drop('sc19'));
    expect(drop('sc26')).toBeGreaterThan(0);
    expect(judged.storyTerms.some((t) => t.source === 'feedback' && t.weight < 0)).toBe(true);
    expect(tagItem(judged, byId('sc26')).why.evidence.some((e) => e.kind === 'feedback' && e.weight < 0)).toBe(true);
  });

  it('leaves no trace once the verdict is withdrawn', () => {
    const withdrawn = compileAnchor(source, prior.entities, { stats, judgments: [] });
    for (const it of items) expect(tagItem(withdrawn, it)).toEqual(tagItem(prior, it));
    expect(withdrawn.storyTerms).toEqual(prior.storyTerms);
  });
});
