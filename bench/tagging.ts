/**
 * Tagging benchmark: items per second on one core for the compiled matcher with relevance
 * scoring, against compromise's people()/places()/organizations() run on every item, on the
 * same 5,000 generated 120-word items; plus heap per compiled anchor. Writes
 * bench/results/tagging.json. Run alone with `tsx bench/tagging.ts`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import nlp from 'compromise';
import { parseAnchorFile } from '../src/tagging/anchor-file.ts';
import { compileAnchor, tagItem, type CompiledAnchor } from '../src/tagging/compile-anchor.ts';
import { writeBenchResult } from './bench-result.ts';
import { isMain } from './is-main.ts';
import { generateItems, WORDS_PER_ITEM } from './news-items.ts';
import { ROOT } from './project-root.ts';
import { printRows } from './report-table.ts';
import { timeIt } from './time-it.ts';

const ITEMS = 5_000;
const ANCHOR_COPIES = 50;

/** Runs the benchmark, prints a table and writes bench/results/tagging.json. */
export async function runTaggingBench(): Promise<object> {
  const source = parseAnchorFile('muscat-talks', await readFile(path.join(ROOT, 'config/anchors/muscat-talks.md'), 'utf8'));
  const items = generateItems(ITEMS);

  let anchor!: CompiledAnchor;
  const compileSeconds = timeIt(() => {
    anchor = compileAnchor(source);
  });
  // Warm up both paths so the JIT is not measured.
  for (const item of items.slice(0, 200)) tagItem(anchor, item);
  let relevant = 0;
  const matcherSeconds = timeIt(() => {
    for (const item of items) if (tagItem(anchor, item).relevant) relevant++;
  });

  for (const item of items.slice(0, 20)) nlp(`${item.title}. ${item.summary}`).people().json();
  const compromiseSeconds = timeIt(() => {
    for (const item of items) {
      const doc = nlp(`${item.title}. ${item.summary}`);
      doc.people().json();
      doc.places().json();
      doc.organizations().json();
    }
  });

  // Heap per compiled anchor: the same entity list compiled 50 times and kept alive.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const kept: CompiledAnchor[] = [];
  for (let i = 0; i < ANCHOR_COPIES; i++) kept.push(compileAnchor(source, anchor.entities));
  gc?.();
  const after = process.memoryUsage().heapUsed;
  const bytesPerAnchor = Math.max(0, Math.round((after - before) / kept.length));

  const matcherRate = items.length / matcherSeconds;
  const compromiseRate = items.length / compromiseSeconds;
  const result = {
    items: items.length,
    wordsPerItem: WORDS_PER_ITEM,
    compileAnchorMs: Math.round(compileSeconds * 1000),
    matcherItemsPerSecond: Math.round(matcherRate),
    compromiseItemsPerSecond: Math.round(compromiseRate),
    ratio: Math.round((matcherRate / compromiseRate) * 10) / 10,
    relevantItems: relevant,
    bytesPerCompiledAnchor: bytesPerAnchor,
    heapMeasuredWithGc: gc !== undefined,
    entities: anchor.entities.length,
    node: process.version,
  };
  const table: Array<[string, string]> = [
    ['path', 'items/s (1 core)'],
    ['compiled matcher + relevance', String(result.matcherItemsPerSecond)],
    ['compromise people/places/orgs', String(result.compromiseItemsPerSecond)],
    ['ratio', `${result.ratio}×`],
    ['compileAnchor (once)', `${result.compileAnchorMs} ms`],
    ['heap per compiled anchor', `${(bytesPerAnchor / 1024).toFixed(1)} KiB${gc ? '' : ' (no --expose-gc: approximate)'}`],
  ];
  printRows(table, 32);
  await writeBenchResult('tagging', result);
  return result;
}

if (isMain(import.meta.url)) {
  await runTaggingBench();
}
