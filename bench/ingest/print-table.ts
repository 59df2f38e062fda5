/** The ingest benchmark's report on stdout. */
import { tableRow } from '../report-table.ts';

/** Prints the cycles table, the per-process CPU and peak RSS table, and the memory, reference and pass lines. */
export function printTable(r: any, names: string[]): void {
  const w = [26, 12, 12, 12];
  const out: string[] = [];
  out.push('');
  out.push(tableRow(['', 'cycle 1 (new)', 'cycle 2 (304)', 'target'], w));
  out.push(tableRow(['wall seconds', r.cycle1.seconds, r.cycle2.seconds, ''], w));
  out.push(tableRow(['items/s', r.cycle1.itemsPerSecond, '', `≥ ${r.targets.itemsPerSecond}`], w));
  out.push(tableRow(['feeds/s', r.cycle1.feedsPerSecond, r.cycle2.feedsPerSecond, `≥ ${r.targets.feedsPerSecond} (304)`], w));
  out.push(tableRow(['  register/submit s', r.cycle1.registerSeconds, r.cycle2.submitSeconds, ''], w));
  out.push(tableRow(['  all items stored s', r.cycle1.allItemsStoredSeconds, '', ''], w));
  out.push(tableRow(['peak in flight / host', r.cycle1.farmResponses.peakInFlightPerHost ?? '', r.cycle2.farmResponses.peakInFlightPerHost ?? '', `≤ ${r.setup.hostConcurrency}`], w));
  out.push(tableRow(['redis commands / item|feed', r.cycle1.redisCommandsPerItem, r.cycle2.redisCommandsPerFeed, ''], w));
  out.push(tableRow(['app CPU ms / item|feed', r.cycle1.appCpuMsPerItem, r.cycle2.appCpuMsPerFeed, ''], w));
  out.push(tableRow(['  warm half (from 50% tagged)', r.cycle1.appCpuMsPerItemWarmHalf ?? '', '', ''], w));
  // Where the app's CPU went: the event loop, its busiest other thread (the pipeline thread), the rest (GC, JIT, libuv).
  const t1 = r.cycle1.appCpuMsPerItemByThread;
  const t2 = r.cycle2.appCpuMsPerFeedByThread;
  out.push(tableRow(['  event loop', t1.eventLoop, t2.eventLoop, ''], w));
  out.push(tableRow(['  busiest other thread', t1.busiestThread, t2.busiestThread, ''], w));
  out.push(tableRow(['  other threads (GC, JIT)', t1.otherThreads, t2.otherThreads, ''], w));
  out.push('');
  const pw = [26, 12, 12, 12];
  out.push(tableRow(['process', 'CPU s c1', 'CPU s c2', 'peak RSS MiB'], pw));
  for (const n of [...names, 'bench driver', 'redis']) {
    if (!r.processes[n]) continue;
    const p = r.processes[n];
    const rss = p.peakRssMiB ? (p.peakRssMiB.afterCycle2 ?? '') : '';
    out.push(tableRow([n, p.cpuSeconds.cycle1 ?? '', p.cpuSeconds.cycle2 ?? '', rss], pw));
  }
  out.push(tableRow(['whole machine (all procs)', r.noise.machineBusyCpuSeconds.cycle1, r.noise.machineBusyCpuSeconds.cycle2, ''], pw));
  out.push('');
  out.push(`Redis bytes per stored item: ${r.redisBytesPerItem} (used_memory delta; item hash ≈ ${r.redisMemory.sampledItemHashBytes} B, ` +
    `sources hash ≈ ${r.redisMemory.sampledItemSourcesBytes} B, all non-BullMQ keys ≈ ${r.redisMemory.prefixKeysBytesPerItemWithoutBullmq} B/item)`);
  out.push(`reference on this machine: FreshRSS ${r.reference.freshrss.itemsPerSecond} items/s, ${r.reference.freshrss.feedsPerSecond304} feeds/s; ` +
    `Miniflux ${r.reference.miniflux.itemsPerSecond} items/s, ${r.reference.miniflux.feedsPerSecond304} feeds/s`);
  out.push(`pass: ${Object.entries(r.pass).map(([k, v]) => `${k} ${v ? 'yes' : 'NO'}`).join(', ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
}
