/**
 * `npm run bench [-- NAME ...]`: runs the named benchmarks in sequence (all by default),
 * each printing its table and writing JSON under bench/results/. A benchmark whose file
 * is not there yet is skipped with a message.
 */
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface Bench {
  file: string;
  run: (mod: Record<string, unknown>) => Promise<unknown>;
}

const BENCHES: Record<string, Bench> = {
  ingest: { file: './ingest.ts', run: (m) => (m.runIngestBench as () => Promise<unknown>)() },
  'ingest-cluster': { file: './ingest-cluster.ts', run: (m) => (m.runIngestClusterBench as () => Promise<unknown>)() },
  tagging: { file: './tagging.ts', run: (m) => (m.runTaggingBench as () => Promise<unknown>)() },
  latency: { file: './latency.ts', run: (m) => (m.runLatencyBench as () => Promise<unknown>)() },
  volume: { file: './volume.ts', run: (m) => (m.runVolumeBench as () => Promise<unknown>)() },
  alerts: { file: './alerts.ts', run: (m) => (m.runAlertsBench as () => Promise<unknown>)() },
  'big-feed': { file: './big-feed.ts', run: (m) => (m.runBigFeedBench as () => Promise<unknown>)() },
  'full-text': { file: './full-text.ts', run: (m) => (m.runFullTextBench as () => Promise<unknown>)() },
  websub: { file: './websub.ts', run: (m) => (m.runWebSubBench as () => Promise<unknown>)() },
};

const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = requested.length > 0 ? requested : Object.keys(BENCHES);
const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(2);
}

let failed = 0;
for (const name of names) {
  const bench = BENCHES[name]!;
  const file = fileURLToPath(new URL(bench.file, import.meta.url));
  try {
    await access(file);
  } catch {
    process.stdout.write(`\n== ${name}: skipped (${bench.file.slice(2)} not found)\n`);
    continue;
  }
  process.stdout.write(`\n== ${name}\n`);
  const started = Date.now();
  try {
    const mod = (await import(bench.file)) as Record<string, unknown>;
    await bench.run(mod);
    process.stdout.write(`== ${name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } catch (err) {
    failed++;
    process.stderr.write(`== ${name}: failed: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
