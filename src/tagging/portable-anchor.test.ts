import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAnchorFile } from './anchor-file.ts';
import { compileAnchor, tagItem } from './compile-anchor.ts';
import type { LabelledItem } from './evaluate.ts';
import { anchorFromPortable, portableAnchor } from './portable-anchor.ts';

const source = parseAnchorFile('muscat-talks', readFileSync('config/anchors/muscat-talks.md', 'utf8'));
const items = readFileSync('test/fixtures/hard-items.jsonl', 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as LabelledItem);
const frequencies = new Map([['talks', 40], ['nuclear', 30], ['oman', 12], ['war', 90]]);
const stats = { documents: 200, documentFrequency: (t: string) => frequencies.get(t) ?? 0 };

/** Every function reachable from `value` (Maps and Sets included), by path. */
function functionsIn(value: unknown, path = '$', seen = new Set<unknown>()): string[] {
  if (typeof value === 'function') return [path];
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  const entries = value instanceof Map ? [...value] : value instanceof Set ? [...value].map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => functionsIn(v, `${path}.${String(k)}`, seen));
}

describe('portableAnchor', () => {
  it('holds no function, so it crosses to a thread by structured clone', () => {
    const anchor = compileAnchor(source, undefined, { stats });
    expect(functionsIn(anchor).length).toBeGreaterThan(0);
    expect(functionsIn(portableAnchor(anchor))).toEqual([]);
    expect(() => structuredClone(portableAnchor(anchor))).not.toThrow();
  });

  it('comes back as an anchor that tags every item as the compiled one does, statistics, verdicts and coverage included', () => {
    const judgments = items.slice(0, 6).map((i) => ({ title: i.title, summary: i.summary, relevant: i.relevant }));
    const coverage = items.filter((i) => i.relevant).map((i) => ({ title: i.title, summary: i.summary }));
    const anchor = compileAnchor(source, undefined, { stats, judgments, coverage });
    const back = anchorFromPortable(structuredClone(portableAnchor(anchor)), stats);
    expect(back.version).toBe(anchor.version);
    expect(back.storyTerms).toEqual(anchor.storyTerms);
    const tags = items.map((i) => tagItem(anchor, i));
    expect(tags.some((t) => t.relevant) && tags.some((t) => !t.relevant)).toBe(true);
    expect(items.map((i) => tagItem(back, i))).toEqual(tags);
    expect(back.matcher.matchSpans(`${source.title}\n${source.text}`)).toEqual(anchor.matcher.matchSpans(`${source.title}\n${source.text}`));
  });

  it('reads the statistics it is given: other statistics score otherwise', () => {
    const anchor = compileAnchor(source, undefined, { stats });
    const back = anchorFromPortable(structuredClone(portableAnchor(anchor)), stats);
    const without = anchorFromPortable(structuredClone(portableAnchor(anchor)), undefined);
    expect(back.relevance.idf('war')).toBe(anchor.relevance.idf('war'));
    expect(without.relevance.idf('war')).not.toBe(anchor.relevance.idf('war'));
  });
});
