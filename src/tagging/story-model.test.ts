import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAnchorFile } from './anchor-file.ts';
import { collectionTermsOf, MAX_COLLECTION_TERMS } from './collection-terms.ts';
import { compileAnchor, tagItem } from './compile-anchor.ts';
import { detectPieceLanguage } from './piece-language.ts';
import { extractEntities } from './extract-entities.ts';
import { isGenericPhrase, smoothedIdf, statsOfItems } from './term-statistics.ts';
import { EMPTY_COLLECTION_STATS } from '../model/collection-stats.ts';

const source = parseAnchorFile('nile-dam', readFileSync('test/fixtures/calibration/nile-dam/anchor.md', 'utf8'));
const anchor = compileAnchor(source);

describe('story model', () => {
  it('wants the sides and the subject: both sides on the dam talks are in, both sides at football are out', () => {
    const on = tagItem(anchor, { title: 'Egypt and Ethiopia trade proposals on drought releases', summary: 'Negotiators in Geneva discussed the dam reservoir.' });
    const off = tagItem(anchor, { title: 'Egypt and Ethiopia draw in qualifier', summary: 'The teams shared the points in Cairo.' });
    expect(on.relevant).toBe(true);
    expect(off.relevant).toBe(false);
    expect(on.score).toBeGreaterThan(off.score);
  });
  it('keeps out talks between other states at the same venue', () => {
    expect(tagItem(anchor, { title: 'Iran and EU hold nuclear talks in Geneva', summary: 'Diplomats met for a second day of negotiations.' }).relevant).toBe(false);
  });
  it('explains the score: threshold, entities and terms that counted', () => {
    const r = tagItem(anchor, { title: 'Egypt demands binding dam deal', summary: 'Ethiopia rejects a veto over the Blue Nile reservoir.' });
    expect(r.why.score).toBe(r.score);
    expect(r.why.threshold).toBeGreaterThan(0);
    expect(r.why.evidence.some((e) => e.kind === 'entity' && e.name === 'Egypt')).toBe(true);
    expect(r.why.evidence.some((e) => e.kind === 'term' && e.name === 'dam')).toBe(true);
  });
  it('lists its vocabulary as story terms from the piece', () => {
    expect(anchor.storyTerms.length).toBeGreaterThan(10);
    expect(anchor.storyTerms.find((t) => t.term === 'dam')?.source).toBe('piece');
    expect(anchor.language).toBe('en');
    expect(anchor.warnings).toEqual([]);
  });
  it('learns from an analyst: a verdict against an item moves a similar one out', () => {
    const item = { title: 'Ethiopia and Egypt clash over Somalia port memorandum', summary: 'Cairo condemned the sea access deal; Addis Ababa rejected the criticism.' };
    const similar = { title: 'Somalia port memorandum angers Egypt', summary: 'Ethiopia defends its sea access deal against Cairo.' };
    const before = tagItem(anchor, similar).score;
    const judged = compileAnchor(source, anchor.entities, { judgments: [{ ...item, relevant: false }] });
    expect(tagItem(judged, similar).score).toBeLessThan(before);
    expect(judged.storyTerms.some((t) => t.source === 'feedback' && t.weight < 0)).toBe(true);
  });
  it('grows from coverage: a term frequent on the story and rare elsewhere enters, marked coverage', () => {
    const coverage = [1, 2, 3, 4].map((i) => ({ title: `Egypt and Ethiopia discuss turbines ${i}`, summary: 'The turbines of the dam and the spillway were on the agenda.' }));
    const other = Array.from({ length: 40 }, (_, i) => ({ title: `Market report ${i}`, summary: 'Shares rose in Cairo.' }));
    const grown = compileAnchor(source, anchor.entities, { coverage, stats: statsOfItems([...coverage, ...other]) });
    expect(grown.storyTerms.find((t) => t.term === 'spillwai')?.source).toBe('coverage');
  });
});

describe('language', () => {
  it('detects a German piece, warns, and extracts no garbage entities', () => {
    const german = {
      ...source,
      title: 'Ägypten und Äthiopien verhandeln in Genf über den Staudamm',
      text: 'Die Delegationen beider Länder haben am Dienstag in Genf die Verhandlungen über den Staudamm am Blauen Nil wieder aufgenommen. Bei den Gesprächen geht es um die Wassermengen in Dürrejahren, sagte der Minister, der auch die Sicherheit des Dammes ansprach.',
    };
    expect(detectPieceLanguage(`${german.title}\n${german.text}`).language).toBe('de');
    const compiled = compileAnchor(german);
    expect(compiled.language).toBe('de');
    expect(compiled.warnings.length).toBe(1);
    expect(extractEntities(german).filter((e) => e.kind === 'topic')).toEqual([]);
  });
});

describe('collection terms and statistics', () => {
  it('counts stems and adjacent pairs, two-letter acronyms included, at most 60', () => {
    const terms = collectionTermsOf({ title: 'US-led peace talks resume', summary: 'Negotiators met.' });
    expect(terms).toEqual(expect.arrayContaining(['us', 'peac', 'talk', 'peac_talk', 'negoti']));
    const long = collectionTermsOf({ title: 'x', summary: Array.from({ length: 200 }, (_, i) => `word${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`).join(' ') });
    expect(long.length).toBeLessThanOrEqual(MAX_COLLECTION_TERMS);
  });
  it('weighs a common word below a rare one from the prior alone (cold start)', () => {
    expect(smoothedIdf(EMPTY_COLLECTION_STATS, 'said')).toBeLessThan(smoothedIdf(EMPTY_COLLECTION_STATS, 'enrich'));
  });
  it('lets the collection override the prior once it is large', () => {
    const items = Array.from({ length: 2000 }, (_, i) => ({ title: i % 2 === 0 ? 'enrichment news' : 'other', summary: '' }));
    expect(smoothedIdf(statsOfItems(items), 'enrich')).toBeLessThan(smoothedIdf(EMPTY_COLLECTION_STATS, 'enrich'));
  });
  it('rejects phrases of only common words as topics', () => {
    expect(isGenericPhrase('record number')).toBe(true);
    expect(isGenericPhrase('secretary general')).toBe(true);
    expect(isGenericPhrase('nuclear dossier')).toBe(false);
  });
});

describe('another matter, the story\'s background, the story\'s own places', () => {
  it('marks down the same principal on another dossier: a title of words the story does not know', () => {
    const on = tagItem(anchor, { title: 'Soliman demands binding rules on drought releases', summary: 'Egypt\'s minister spoke after the session.' });
    const off = tagItem(anchor, { title: 'Soliman signs aviation pact with Kazakhstan', summary: 'Egypt\'s minister agreed new flights to Almaty.' });
    expect(on.score).toBeGreaterThan(off.score);
    expect(off.why.evidence.some((e) => e.name.startsWith('title novelty'))).toBe(true);
  });
  it('lets a proper noun of the piece that is no entity stand in for a missing side', () => {
    const piece = {
      ...source,
      id: 'strait',
      title: 'Chile and Argentina hold talks in Montevideo over the channel dispute',
      text: 'Chilean and Argentine delegations met in Montevideo. Chile moved two frigates to the southern port of Puerto Zelandia, near the contested channel.\nThe navies shadow each other in the channel.',
    };
    const compiled = compileAnchor(piece);
    expect(compiled.relevance.properTerms.has('zelandia')).toBe(true);
    const local = tagItem(compiled, { title: 'Frigates reach Puerto Zelandia', summary: 'Warships docked near the contested channel.' });
    const elsewhere = tagItem(compiled, { title: 'Frigates reach the port', summary: 'Warships docked near the contested channel.' });
    expect(local.score).toBeGreaterThan(elsewhere.score);
  });
  it('discounts a word of the piece that its coverage uses no more than the collection does', () => {
    const coverage = [1, 2, 3, 4, 5].map((i) => ({ title: `Egypt and Ethiopia meet on dam rules ${i}`, summary: 'The drought rules and the reservoir were discussed, officials said.' }));
    const other = Array.from({ length: 20 }, (_, i) => ({ title: `Officials said ${i}`, summary: 'The reservoir levels in Cairo, officials said.' }));
    const stats = statsOfItems([...coverage, ...other]);
    const plain = compileAnchor(source, anchor.entities, { stats });
    const grown = compileAnchor(source, anchor.entities, { stats, coverage });
    const w = (a: typeof plain, t: string) => a.storyTerms.find((x) => x.term === t)?.weight ?? 0;
    expect(w(grown, 'reservoir')).toBeLessThan(w(plain, 'reservoir'));
    expect(w(grown, 'drought')).toBe(w(plain, 'drought'));
  });
});
