/**
 * Tagging benchmark: items per second on one core for the compiled matcher with relevance
 * scoring, against compromise's people()/places()/organizations() run on every item, on the
 * same 5,000 generated 120-word items; plus heap per compiled anchor. Writes
 * bench/results/tagging.json. Run alone with `tsx bench/tagging.ts`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nlp from 'compromise';
import { parseAnchorFile } from '../src/tagging/anchor-file.ts';
import { compileAnchor, tagItem, type CompiledAnchor } from '../src/tagging/compile-anchor.ts';
import { prng } from './prng.ts';
import { timeIt } from './bench-support.ts';

const ITEMS = 5_000;
const WORDS_PER_ITEM = 120;
const ANCHOR_COPIES = 50;


const ON_TOPIC = `talks nuclear enrichment uranium centrifuges diplomacy delegation envoy mediators sanctions
framework deal negotiators warning evacuation embassy carrier strike group military escalation proxy missile
stockpile inspectors breakthrough standoff security alert region Gulf Hormuz`.split(/\s+/);
const OFF_TOPIC = `market shares budget pension football squad festival harvest grapes weather rain council
housing school bridge airline route flights tourism museum library concert election coalition tariffs
rates inflation bank lira parliament speaker streetcar film prize director coach striker merger`.split(/\s+/);
const FILLER = `the a of and in to on for with said that was is by as at from its after before while new two
officials people week said would could also more than about over into their this has been`.split(/\s+/);
const NAMES = [
  'Steve Witkoff', 'Abbas Araghchi', 'Araqchi', 'President Trump', 'Friedrich Merz', 'Erdoğan', 'Muscat', 'Oman',
  'Omani', 'Iran', 'Iranian', "Iran's", 'Tehran', 'Washington', 'ISW', 'the Institute for the Study of War',
  'Oman Air', 'Moscow', 'Berlin', 'Ankara', 'Woman', 'Romania', 'trump card', 'muscatel', 'Muscatine', 'mobile carrier',
];

/** 5,000 deterministic news-like items mixing on-topic and off-topic vocabulary and entity names. */
export function generateItems(n = ITEMS, seed = 42): Array<{ title: string; summary: string }> {
  const rnd = prng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const items: Array<{ title: string; summary: string }> = [];
  for (let i = 0; i < n; i++) {
    const onTopic = rnd() < 0.4;
    const words: string[] = [];
    while (words.length < WORDS_PER_ITEM) {
      const r = rnd();
      if (r < 0.08) words.push(...pick(NAMES).split(' '));
      else if (r < 0.3) words.push(onTopic ? pick(ON_TOPIC) : pick(OFF_TOPIC));
      else words.push(pick(FILLER));
      if (rnd() < 0.07) words[words.length - 1] += '.';
    }
    const title = words.slice(0, 10).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ');
    items.push({ title, summary: `${words.slice(10, WORDS_PER_ITEM).join(' ')}.` });
  }
  return items;
}


/** Runs the benchmark, prints a table and writes bench/results/tagging.json. */
export async function runTaggingBench(): Promise<object> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const source = parseAnchorFile('muscat-talks', await readFile(path.join(root, 'config/anchors/muscat-talks.md'), 'utf8'));
  const items = generateItems();

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
  const table = [
    ['path', 'items/s (1 core)'],
    ['compiled matcher + relevance', String(result.matcherItemsPerSecond)],
    ['compromise people/places/orgs', String(result.compromiseItemsPerSecond)],
    ['ratio', `${result.ratio}×`],
    ['compileAnchor (once)', `${result.compileAnchorMs} ms`],
    ['heap per compiled anchor', `${(bytesPerAnchor / 1024).toFixed(1)} KiB${gc ? '' : ' (no --expose-gc: approximate)'}`],
  ];
  for (const [a, b] of table) process.stdout.write(`${a!.padEnd(32)} ${b}\n`);
  await mkdir(path.join(root, 'bench/results'), { recursive: true });
  await writeFile(path.join(root, 'bench/results/tagging.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runTaggingBench();
}
