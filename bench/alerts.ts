/**
 * Alerts benchmark: items per second matched against 10,000 alerts with the AlertIndex
 * (only alerts whose required atoms occur in the item are tested) against testing every
 * alert on every item, on 5,000 generated 120-word items; checks that both give the same
 * hits. The mix holds NEAR/n, title: and source: queries; each item has a feed title. Writes bench/results/alerts.json. Run alone with `tsx bench/alerts.ts`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AlertIndex } from '../src/alerts/alert-index.ts';
import { compileQuery, prepareDocumentFromTokens, type CompiledQuery, type PreparedDocument } from '../src/alerts/evaluate-query.ts';
import { parseQuery } from '../src/alerts/parse-query.ts';
import { parseAnchorFile } from '../src/tagging/anchor-file.ts';
import { compileAnchor } from '../src/tagging/compile-anchor.ts';
import { tokenize } from '../src/tagging/text-normalize.ts';
import { writeBenchResult } from './bench-result.ts';
import { isMain } from './is-main.ts';
import { generateItems } from './news-items.ts';
import { prng } from '../workers/prng.ts';
import { ROOT } from './project-root.ts';
import { printRows } from './report-table.ts';
import { timeIt } from './time-it.ts';

const ALERTS = 10_000;
const ITEMS = 5_000;
/** Distinct made-up names (brands, people, places) that other customers' alerts watch. */
const NAME_POOL = 3_000;

// Words the generated items are made of (see bench/news-items.ts), so some alerts fire.
const ITEM_WORDS = `talks nuclear enrichment uranium centrifuges diplomacy delegation envoy mediators sanctions
framework deal negotiators warning evacuation embassy carrier military escalation proxy missile stockpile
inspectors breakthrough standoff security region Gulf Hormuz market shares budget pension football squad
festival harvest grapes weather council housing school bridge airline flights tourism museum election
coalition tariffs inflation bank parliament film prize coach merger Iran Oman Muscat Tehran Washington
Witkoff Araghchi Araqchi Merz Erdoğan Moscow Berlin Ankara Romania`.split(/\s+/);
const ITEM_PREFIXES = ['sanction', 'nucl', 'diplom', 'escalat', 'negotiat', 'evacu', 'infla', 'Erdo', 'Iran', 'tari'];
/** Feed titles the items come from, for source: queries. */
const OUTLETS = ['Reuters', 'Al Jazeera', 'Gulf Times', 'Times of Oman', 'Tehran Times', 'AP News', 'BBC News', 'Der Spiegel'];
const SYLLABLES = 'ka lo vi ren tor mal dus pe qui zan bro fel gor han jis mon nel pra sol tek ul var wex yor'.split(' ');

/** 3,000 capitalised pseudo-names, distinct from each other and from English words. */
function namePool(rnd: () => number): string[] {
  const names = new Set<string>();
  while (names.size < NAME_POOL) {
    let n = '';
    const parts = 2 + Math.floor(rnd() * 2);
    for (let i = 0; i < parts; i++) n += SYLLABLES[Math.floor(rnd() * SYLLABLES.length)]!;
    names.add(n[0]!.toUpperCase() + n.slice(1));
  }
  return [...names];
}

/** 10,000 alert queries in a realistic mix; returns the texts and the mix it drew. */
function generateAlertQueries(rnd: () => number, pool: string[], entityKeys: string[]): { queries: string[]; mix: Record<string, number> } {
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  // Most alerts watch names from the wide pool (other customers' topics); one word in ten is from this news.
  const word = () => (rnd() < 0.9 ? pick(pool) : pick(ITEM_WORDS));
  const orList = (n: number) => Array.from({ length: n }, word).join(' OR ');
  const kinds: Array<[string, number, () => string]> = [
    ['single name', 0.16, () => word()],
    ['NEAR/n', 0.08, () => `${word()} NEAR/${1 + Math.floor(rnd() * 8)} ${rnd() < 0.3 ? `"${word()} ${word()}"` : word()}`],
    ['title:', 0.05, () => (rnd() < 0.5 ? `title:${word()}` : `title:(${word()} NEAR/3 ${word()}) ${word()}`)],
    ['source:', 0.03, () => `source:${pick(OUTLETS.map((o) => `"${o}"`))} ${word()}`],
    ['phrase', 0.14, () => `"${word()} ${word()}"`],
    ['OR list', 0.15, () => orList(2 + Math.floor(rnd() * 4))],
    ['AND/NOT combo', 0.15, () => `${word()} AND (${orList(2)}) NOT ${word()}`],
    ['juxtaposed words', 0.06, () => `${word()} ${word()} -${word()}`],
    ['entity:', 0.1, () => (rnd() < 0.5 ? `entity:${pick(entityKeys)} ${word()}` : `entity:${pick(entityKeys)} NOT ${word()}`)],
    ['prefix', 0.079, () => (rnd() < 0.7 ? `${pick(pool).slice(0, 5)}*` : `${pick(ITEM_PREFIXES)}* ${word()}`)],
    ['pure NOT', 0.001, () => `NOT ${word()}`],
  ];
  const mix: Record<string, number> = Object.fromEntries(kinds.map(([k]) => [k, 0]));
  const queries: string[] = [];
  for (let i = 0; i < ALERTS; i++) {
    let r = rnd();
    let chosen = kinds[0]!;
    for (const kind of kinds) {
      chosen = kind;
      if ((r -= kind[1]) < 0) break;
    }
    mix[chosen[0]]!++;
    queries.push(chosen[2]());
  }
  return { queries, mix };
}


/** Runs the benchmark, prints a table and writes bench/results/alerts.json. */
export async function runAlertsBench(): Promise<object> {
  const source = parseAnchorFile('muscat-talks', await readFile(path.join(ROOT, 'config/anchors/muscat-talks.md'), 'utf8'));
  const anchor = compileAnchor(source);
  const entityKeys = new Set(anchor.entities.map((e) => e.key));
  const rnd = prng(7);
  const pool = namePool(rnd);

  // Items: the tagging bench's news-like items, each naming a few pool names so that pool alerts fire.
  const items = generateItems(ITEMS, 42).map((item) => {
    const extra = Array.from({ length: Math.floor(rnd() * 4) }, () => `${pool[Math.floor(rnd() * pool.length)]} said`);
    return { title: item.title, summary: `${item.summary} ${extra.join('. ')}`, source: OUTLETS[Math.floor(rnd() * OUTLETS.length)]! };
  });
  let docs: PreparedDocument[] = [];
  const prepareSeconds = timeIt(() => {
    docs = items.map((item) => {
      const fields = [tokenize(item.title), tokenize(item.summary)];
      const matches = anchor.matcher.matchTokens(fields);
      return prepareDocumentFromTokens(fields, new Map(matches.map((m) => [m.key, m.count])), {
        source: item.source,
        mentions: (f) => anchor.matcher.mentionPositions(f),
      });
    });
  });

  const { queries, mix } = generateAlertQueries(rnd, pool, [...entityKeys]);
  const alerts: Array<[string, CompiledQuery]> = [];
  const compileSeconds = timeIt(() => {
    queries.forEach((q, i) => alerts.push([`a${String(i).padStart(5, '0')}`, compileQuery(parseQuery(q), { entityKeys })]));
  });
  const index = new AlertIndex();
  const indexSeconds = timeIt(() => {
    for (const [id, compiled] of alerts) index.add(id, compiled);
  });

  const brute = (doc: PreparedDocument): string[] => {
    const hits: string[] = [];
    for (const [id, compiled] of alerts) if (compiled.test(doc)) hits.push(id);
    return hits;
  };
  // Warm up both paths so the JIT is not measured.
  for (const doc of docs.slice(0, 100)) {
    index.match(doc);
    brute(doc);
  }
  let indexHits: string[][] = [];
  const indexSeconds2 = timeIt(() => {
    indexHits = docs.map((doc) => index.match(doc));
  });
  let bruteHits: string[][] = [];
  const bruteSeconds = timeIt(() => {
    bruteHits = docs.map(brute);
  });
  let mismatches = 0;
  let totalHits = 0;
  for (let i = 0; i < docs.length; i++) {
    totalHits += bruteHits[i]!.length;
    if (indexHits[i]!.join() !== bruteHits[i]!.join()) mismatches++;
  }

  // How many alerts the index actually tests per item, counted on a second, untimed index.
  let tested = 0;
  const counting = new AlertIndex();
  for (const [id, compiled] of alerts) counting.add(id, { ast: compiled.ast, test: (d) => (tested++, compiled.test(d)) });
  for (const doc of docs) counting.match(doc);

  const indexRate = docs.length / indexSeconds2;
  const bruteRate = docs.length / bruteSeconds;
  const result = {
    alerts: alerts.length,
    items: docs.length,
    alertMix: mix,
    indexItemsPerSecond: Math.round(indexRate),
    bruteForceItemsPerSecond: Math.round(bruteRate),
    ratio: Math.round((indexRate / bruteRate) * 10) / 10,
    alertsTestedPerItemIndexed: Math.round((tested / docs.length) * 10) / 10,
    alertsTestedPerItemBruteForce: alerts.length,
    alwaysCheckedAlerts: index.alwaysCheckedCount,
    hitsPerItem: Math.round((totalHits / docs.length) * 100) / 100,
    resultsEqual: mismatches === 0,
    mismatchedItems: mismatches,
    parseAndCompileAlertsPerSecond: Math.round(alerts.length / compileSeconds),
    buildIndexMs: Math.round(indexSeconds * 1000),
    prepareItemsPerSecond: Math.round(docs.length / prepareSeconds),
    node: process.version,
  };
  const table: Array<[string, string]> = [
    ['path', 'items/s (1 core, 10,000 alerts)'],
    ['AlertIndex.match', String(result.indexItemsPerSecond)],
    ['every alert on every item', String(result.bruteForceItemsPerSecond)],
    ['ratio', `${result.ratio}×`],
    ['alerts tested per item', `${result.alertsTestedPerItemIndexed} (vs ${alerts.length})`],
    ['hits per item', String(result.hitsPerItem)],
    ['same results', result.resultsEqual ? 'yes' : `NO (${mismatches} items differ)`],
    ['parse + compile', `${result.parseAndCompileAlertsPerSecond} alerts/s`],
    ['build index', `${result.buildIndexMs} ms`],
    ['prepare item (tokenize + entities)', `${result.prepareItemsPerSecond} items/s`],
  ];
  printRows(table, 36);
  await writeBenchResult('alerts', result);
  if (mismatches > 0) throw new Error(`AlertIndex and brute force differ on ${mismatches} items`);
  return result;
}

if (isMain(import.meta.url)) {
  await runAlertsBench();
}
