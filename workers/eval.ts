/**
 * `npm run eval -- FILE.jsonl [MORE.jsonl] [--anchor FILE.md] [--feedback N] [--cold] [--no-growth] [--verbose]`:
 * tagging and digest precision/recall of an anchor (default: config/anchors/muscat-talks.md)
 * on labelled items (../shared/eval/LABELS.md), then every error.
 *
 * The collection statistics are those of the items themselves, as the pipeline would count
 * them after ingesting them (labels are never read for that); --cold uses none (the prior).
 * --feedback N replays an analyst who corrects the first N digest errors in publication
 * order (oldest first): the anchor is recompiled with the verdicts so far after each one,
 * and precision/recall are reported on the items after the last correction.
 */
import { loadConfig } from '../src/config.ts';
import type { AnchorSource } from '../src/model/anchor.ts';
import type { Judgment } from '../src/model/story.ts';
import { loadAnchorSources } from '../src/tagging/anchor-file.ts';
import { compileAnchor, tagItem, type CompiledAnchor } from '../src/tagging/compile-anchor.ts';
import { evaluate, type LabelledItem } from '../src/tagging/evaluate.ts';
import { confidentCoverage } from '../src/tagging/story-growth.ts';
import { statsOfItems } from '../src/tagging/term-statistics.ts';
import { readAnchorFile, readLabelledItems } from './labelled-files.ts';

function fail(message: string): never {
  process.stderr.write(`eval: ${message}\n`);
  process.exit(1);
}

const pct = (x: number) => x.toFixed(3);

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) fail(`${name} needs a value`);
  return v;
}

async function loadSource(anchorFile: string | undefined): Promise<AnchorSource> {
  if (anchorFile) {
    return readAnchorFile(anchorFile).catch((err: Error) => fail(err.message));
  }
  const config = loadConfig();
  const sources = await loadAnchorSources(config.anchorsDir).catch((err: Error) => fail(`anchors: ${err.message}`));
  const source = sources.find((s) => s.id === 'muscat-talks') ?? sources[0];
  if (!source) fail(`no anchor in ${config.anchorsDir}`);
  return source;
}

/** Publication order, oldest first (larger hoursAgo = older); file order breaks ties. */
function publicationOrder(items: LabelledItem[]): LabelledItem[] {
  return items.map((item, i) => ({ item, i })).sort((a, b) => (b.item.hoursAgo ?? 0) - (a.item.hoursAgo ?? 0) || a.i - b.i).map((x) => x.item);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const anchorFile = option(args, '--anchor');
  const feedback = Number(option(args, '--feedback') ?? '0');
  if (!Number.isInteger(feedback) || feedback < 0) fail('--feedback needs a whole number');
  const valued = new Set([anchorFile, option(args, '--feedback')]);
  const files = args.filter((a, i) => !a.startsWith('--') && !(valued.has(a) && args[i - 1]?.startsWith('--')));
  if (files.length === 0) fail('usage: npm run eval -- FILE.jsonl [MORE.jsonl] [--anchor FILE.md] [--feedback N] [--cold] [--no-growth] [--verbose]');
  let items: LabelledItem[] = [];
  for (const file of files) {
    items.push(...(await readLabelledItems(file).catch((err: Error) => fail(err.message))));
  }
  const source = await loadSource(anchorFile);
  const stats = args.includes('--cold') ? undefined : statsOfItems(items);
  let anchor: CompiledAnchor = compileAnchor(source, undefined, { stats });
  const entities = anchor.entities;
  // The pipeline recompiles each anchor with the newest items it holds confidently on the story
  // (story-inputs.ts); the eval measures that steady state (--no-growth: the piece alone).
  const coverage = args.includes('--no-growth') ? [] : confidentCoverage(anchor, items);
  if (coverage.length > 0) anchor = compileAnchor(source, entities, { stats, coverage });

  const lines: string[] = [];
  if (feedback > 0) {
    // The analyst reads the digest oldest first and corrects each error until N are made.
    const ordered = publicationOrder(items);
    const judgments: Judgment[] = [];
    // Scored on the items after the last correction (when there are fewer errors than N, after the last one).
    let cut = 0;
    for (let i = 0; i < ordered.length && judgments.length < feedback; i++) {
      const it = ordered[i]!;
      if (tagItem(anchor, it).relevant === it.relevant) continue;
      judgments.push({ title: it.title, summary: it.summary, relevant: it.relevant });
      anchor = compileAnchor(source, entities, { stats, judgments, coverage });
      cut = i + 1;
    }
    lines.push(`feedback: ${judgments.length} corrections within the first ${cut} items (publication order); scored on the remaining ${ordered.length - cut}`);
    items = ordered.slice(cut);
  }
  const results = items.map((item) => tagItem(anchor, item));
  const report = evaluate(items, results);

  lines.push(`coverage: ${coverage.length} items confidently on the story after the first compile`);
  lines.push(`anchor ${source.id} (version ${anchor.version}, language ${anchor.language}), ${items.length} items, threshold ${results[0]?.why.threshold.toFixed(3) ?? '-'}`);
  for (const w of anchor.warnings) lines.push(`warning: ${w}`);
  if (args.includes('--verbose')) {
    lines.push(`entities: ${anchor.entities.map((e) => `${e.name} [${e.kind}, ${e.role}, ${e.weight}]`).join('; ')}`);
    lines.push(`story terms: ${anchor.storyTerms.slice(0, 40).map((t) => `${t.term}:${t.weight}(${t.source})`).join(' ')}`);
  }
  lines.push('');
  lines.push(`${'key'.padEnd(15)} ${'tp'.padStart(4)} ${'fp'.padStart(4)} ${'fn'.padStart(4)} ${'precision'.padStart(10)} ${'recall'.padStart(8)}`);
  for (const k of [...report.perKey, { ...report.micro, key: 'MICRO' }]) {
    lines.push(`${k.key.padEnd(15)} ${String(k.tp).padStart(4)} ${String(k.fp).padStart(4)} ${String(k.fn).padStart(4)} ${pct(k.precision).padStart(10)} ${pct(k.recall).padStart(8)}`);
  }
  lines.push('');
  lines.push(`tags   precision ${pct(report.micro.precision)} recall ${pct(report.micro.recall)}`);
  lines.push(`digest precision ${pct(report.digest.precision)} recall ${pct(report.digest.recall)} (tp ${report.digest.tp}, fp ${report.digest.fp}, fn ${report.digest.fn})`);
  lines.push('');
  lines.push(`errors: ${report.errors.length}`);
  for (const e of report.errors) {
    const score = e.score === undefined ? '' : ` score=${e.score.toFixed(3)}`;
    lines.push(`  ${e.item}\t${e.kind}\t${e.what}\t${e.error}${score}\t${e.title}`);
    if (args.includes('--verbose') && e.kind === 'digest') {
      const r = results[items.findIndex((it) => it.id === e.item)]!;
      lines.push(`      ${r.why.evidence.map((x) => `${x.kind}:${x.name}=${x.weight}`).join(' ')}`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
