/** The latency benchmark's report on stdout. */
import { tableRow } from '../report-table.ts';
import { log } from './config.ts';
import type { Dist, ScenarioResult } from './summary.ts';

function pct100(v: number | null): string {
  return v === null ? '?' : `${Math.round(v * 100)} %`;
}

/** Prints the scenarios table, where the time goes, and each scenario's fan-out, ingest and machine load lines. */
export function printTable(results: ScenarioResult[]): void {
  const widths = [11, 8, 7, 6, 9, 9, 9, 9, 9];
  log('');
  log(`${tableRow(['scenario', 'clients', 'pairs', 'miss', 'p50', 'p90', 'p99', 'max', 'target'], widths, '')}  result`);
  for (const r of results) {
    const l = r.latencyMs;
    log(`${tableRow([r.name, r.clients, l.n, r.missing, l.p50, l.p90, l.p99, l.max, `≤${r.target.p99Ms}`], widths, '')}  ${r.pass ? 'PASS' : 'FAIL'}`);
  }
  log('(ms, poll end t0 → SSE item event at the client; pairs = client × event)');
  log('');
  log('where the time goes (per sample, ms, p50 / p99):');
  const stages = Object.keys(results[0]?.breakdownMs ?? {});
  const stageWidths = [38, ...results.map(() => 18)];
  log(tableRow(['', ...results.map((r) => r.name)], stageWidths, ''));
  for (const st of stages) {
    log(tableRow([st, ...results.map((r) => `${r.breakdownMs[st]!.p50} / ${r.breakdownMs[st]!.p99}`)], stageWidths, ''));
  }
  for (const r of results) {
    if (r.firstClientMs) log(`${r.name}: fan-out spread — first client p50 ${r.firstClientMs.p50} ms, last client p50 ${r.lastClientMs!.p50} ms, p99 ${r.lastClientMs!.p99} ms`);
    if (r.ingest) {
      const g = r.ingest as Record<string, unknown>;
      log(
        `${r.name}: ingest of ${g.items} items / ${g.feeds} feeds: registered in ${g.registerAllMs} ms, all stored at ${g.allStoredMs} ms, all tagged at ${g.allTaggedMs} ms ` +
          `(${g.itemsPerSecond} items/s), peak tag queue ${g.peakTagQueueJobs} jobs; samples in window ${g.samplesInWindow} of ${g.samplesStarted}`,
      );
      const tw = g.tagWorker as { bulkJobMs: Dist; bulkItemsPerSecond: number | null };
      log(
        `${r.name}: tag worker on bulk batches: ${tw.bulkJobMs.n} jobs, p50 ${tw.bulkJobMs.p50} ms / p99 ${tw.bulkJobMs.p99} ms per job, ${tw.bulkItemsPerSecond} items/s while busy (concurrency 1, FIFO)`,
      );
    }
    if (r.load) {
      const busy = r.load.otherCpuShare !== null && r.load.otherCpuShare > 0.25;
      log(
        `${r.name}: machine CPU ${pct100(r.load.machineCpuShare)} busy, app ${r.load.appCpuCores ?? '?'} cores, everything else ${pct100(r.load.otherCpuShare)}` +
          (busy ? '  ← other work on this machine: figures are pessimistic' : ''),
      );
    }
    if (r.problems.length) log(`${r.name}: problems: ${r.problems.slice(0, 5).join('; ')}`);
  }
}
