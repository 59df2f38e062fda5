/**
 * `npm run eval -- FILE.jsonl [--calibrate]`: tagging and digest precision/recall of the default
 * anchor on a labelled file, then every error. With --calibrate, also the F1-optimal threshold
 * on the file and a leave-half-out check (see docs/tagging.md).
 */
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../src/config.ts';
import { loadAnchorSources } from '../src/tagging/anchor-file.ts';
import { compileAnchor, tagItem } from '../src/tagging/compile-anchor.ts';
import { calibrateThreshold, evaluate, type LabelledItem } from '../src/tagging/evaluate.ts';

function fail(message: string): never {
  process.stderr.write(`eval: ${message}\n`);
  process.exit(1);
}

function parseItems(text: string, file: string): LabelledItem[] {
  const items: LabelledItem[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch {
      fail(`${file}:${i + 1}: not valid JSON`);
    }
    if (typeof v.id !== 'string' || typeof v.title !== 'string' || typeof v.summary !== 'string' ||
      !Array.isArray(v.entities) || typeof v.relevant !== 'boolean') {
      fail(`${file}:${i + 1}: needs id, title, summary, entities[] and relevant (see LABELS.md)`);
    }
    items.push(v as unknown as LabelledItem);
  });
  if (items.length === 0) fail(`${file}: no items`);
  return items;
}

const pct = (x: number) => x.toFixed(3);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const files = args.filter((a) => !a.startsWith('--'));
  const calibrate = args.includes('--calibrate');
  if (files.length === 0) fail('usage: npm run eval -- FILE.jsonl [MORE.jsonl] [--calibrate]');
  const items: LabelledItem[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      fail(`cannot read ${file}`);
    }
    items.push(...parseItems(text, file));
  }
  const config = loadConfig();
  const sources = await loadAnchorSources(config.anchorsDir).catch((err: Error) => fail(`anchors: ${err.message}`));
  const source = sources.find((s) => s.id === 'muscat-talks') ?? sources[0];
  if (!source) fail(`no anchor in ${config.anchorsDir}`);
  const anchor = compileAnchor(source);
  const results = items.map((item) => tagItem(anchor, item));
  const report = evaluate(items, results);

  const lines: string[] = [];
  lines.push(`anchor ${source.id} (version ${anchor.version}), ${items.length} items, threshold ${anchor.relevance.threshold}`);
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
  }
  if (calibrate) {
    const scored = items.map((it, i) => ({ id: it.id, score: results[i]!.score, relevant: it.relevant }));
    const all = calibrateThreshold(scored);
    lines.push('');
    lines.push(`calibration: F1-optimal threshold ${all.threshold.toFixed(4)} (F1 ${pct(all.f1)})`);
    // Leave-half-out: calibrate on even-numbered items, measure on odd ones, and the reverse.
    for (const [fitParity, name] of [[0, 'even→odd'], [1, 'odd→even']] as const) {
      const fit = scored.filter((_, i) => i % 2 === fitParity);
      const test = scored.filter((_, i) => i % 2 !== fitParity);
      const t = calibrateThreshold(fit).threshold;
      const tp = test.filter((s) => s.relevant && s.score >= t).length;
      const fp = test.filter((s) => !s.relevant && s.score >= t).length;
      const fn = test.filter((s) => s.relevant && s.score < t).length;
      lines.push(`  ${name}: threshold ${t.toFixed(4)} → held-out precision ${pct(tp / Math.max(1, tp + fp))} recall ${pct(tp / Math.max(1, tp + fn))}`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
