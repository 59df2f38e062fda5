import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAnchorFile } from './anchor-file.ts';
import { compileAnchor, tagItem } from './compile-anchor.ts';
import { evaluate, labelledKeyOf, type LabelledItem } from './evaluate.ts';
import { describeWithShared } from '../../test/helpers/shared-data.ts';

const anchor = compileAnchor(parseAnchorFile('muscat-talks', readFileSync('config/anchors/muscat-talks.md', 'utf8')));
const read = (file: string): LabelledItem[] =>
  readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as LabelledItem);

/**
 * Tagging figures every labelled set must reach, and the digest figures the calibrated model
 * reaches (a floor against regressions; the issue's target of 0.95 is not reached on the
 * synthetic sets' recall, see docs/tagging.md).
 */
function expectTargets(items: LabelledItem[], digest: { precision: number; recall: number }): void {
  const report = evaluate(items, items.map((i) => tagItem(anchor, i)));
  expect(report.micro.precision).toBeGreaterThanOrEqual(0.97);
  expect(report.micro.recall).toBeGreaterThanOrEqual(0.97);
  expect(report.digest.precision).toBeGreaterThanOrEqual(digest.precision);
  expect(report.digest.recall).toBeGreaterThanOrEqual(digest.recall);
}

describe('tagItem', () => {
  it('tags and scores an on-topic item with no entities as relevant', () => {
    const r = tagItem(anchor, { title: 'Tehran and Washington trade proposals on enrichment', summary: 'Negotiators exchanged written papers through the mediators, officials on both sides said. The American text seeks zero enrichment capacity, while the other side proposes capping purity and stockpile levels under international inspection.' });
    expect(r.relevant).toBe(true);
  });
  it('does not let one entity carry an off-topic item', () => {
    expect(tagItem(anchor, { title: 'Witkoff meets Kremlin aides on Ukraine ceasefire proposal', summary: 'The envoy spent five hours in Moscow discussing a phased truce.' }).relevant).toBe(false);
    expect(tagItem(anchor, { title: 'Erdogan opens a bridge', summary: 'The new bridge links two coastal provinces.' }).relevant).toBe(false);
  });
  it('returns entity name and kind with the count', () => {
    const r = tagItem(anchor, { title: 'Araghchi in Muscat', summary: 'Araqchi said.' });
    expect(r.entities).toEqual(expect.arrayContaining([{ key: 'araghchi', name: 'Abbas Araghchi', kind: 'person', count: 2 }]));
  });
  it('has a stable version per entity list and text', () => {
    const again = compileAnchor(anchor.source);
    expect(again.version).toBe(anchor.version);
    expect(compileAnchor(anchor.source, anchor.entities.slice(1)).version).not.toBe(anchor.version);
  });
});

describe('evaluate', () => {
  it('maps tags to labelled keys by name', () => {
    expect(labelledKeyOf('Abbas Araghchi')).toBe('araghchi');
    expect(labelledKeyOf('Institute for the Study of War')).toBe('isw');
    expect(labelledKeyOf('carrier group')).toBe('carrier-group');
    expect(labelledKeyOf('White House')).toBeNull();
  });
  it('reaches the targets on the project\'s own labelled items', () => {
    expectTargets(read('test/fixtures/hard-items.jsonl'), { precision: 0.95, recall: 0.75 });
  });
});

describeWithShared('evaluate on the shared evaluation set', ['eval/dev-items.jsonl'], (devItems) => {
  it('reaches the targets on dev-items.jsonl', () => {
    expectTargets(read(devItems), { precision: 0.98, recall: 0.98 });
  });
});
