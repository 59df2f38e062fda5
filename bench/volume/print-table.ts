/** The volume benchmark's report on stdout. */
import { tableRow } from '../report-table.ts';

/** Prints the variants table, where the time goes, the memory lines and the correctness and pass lines. */
export function printTable(r: any): void {
  const w = [14, 8, 9, 8, 8, 8, 8, 10, 8];
  const out: string[] = [''];
  out.push(tableRow(['variant', 'buckets', 'bytes', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'redis ms', 'pass'], w));
  for (const v of r.variants) {
    out.push(tableRow([v.name, `${v.buckets}×${v.series}`, v.responseBytes, v.ms.p50, v.ms.p90, v.ms.p99, v.ms.max, `${v.redisServerMsPerRequest}${v.redisCountersShared ? '*' : ''}`, v.pass === null ? '' : v.pass ? 'yes' : 'NO'], w));
  }
  out.push(`target: hour-5 p99 < ${r.target.p99Ms} ms   (redis ms = server-side script time per request, INFO commandstats)`);
  if (r.variants.some((v: any) => v.redisCountersShared)) out.push('  * another client ran scripts on this Redis meanwhile: that redis ms (and µs per script below) include its calls');
  out.push('');
  const b = r.breakdown;
  out.push('where the time goes (hour-5, p50 / p99 ms, measured from this process):');
  out.push(`  Redis (ItemStore.bucketCounts: hourly counts, 1 script call)  ${b.redisPipelineMs.p50} / ${b.redisPipelineMs.p99}` +
    `   (server: ${b.redisServerScriptUsecPerCall} µs per script, ${b.redisServerZcountUsecPerCall} µs per ZCOUNT)`);
  out.push(`  bucketBoundaries                                        ${b.bucketBoundariesMs.p50} / ${b.bucketBoundariesMs.p99}`);
  out.push(`  build points + JSON.stringify (${b.hourAnswerBytes} B)            ${b.buildAndStringifyMs.p50} / ${b.buildAndStringifyMs.p99}`);
  out.push(`  GET /healthz (HTTP floor)                               ${b.healthzMs.p50} / ${b.healthzMs.p99}`);
  out.push('');
  const m = r.memory;
  out.push(`Redis memory, items index: ${m.itemsIndex.bytesPerItem} B/item (used_memory delta), ${m.itemsIndex.memoryUsageBytesPerItem} B/item (MEMORY USAGE)`);
  out.push(`Redis memory, entity indexes (${m.entityIndexes.keys} keys, ${m.entityIndexes.entries} entries, ${m.entityIndexes.entriesPerItem}/item): ` +
    `${m.entityIndexes.bytesPerEntry} B/entry, ${m.entityIndexes.bytesPerItem} B/item (used_memory delta); ` +
    `${m.entityIndexes.memoryUsageBytesPerEntry} B/entry, ${m.entityIndexes.memoryUsageBytesPerItem} B/item (MEMORY USAGE)`);
  const bad = r.correctness.series.filter((c: any) => !c.ok);
  out.push(`correctness: ${r.correctness.ok ? 'ok' : 'FAILED'} (${r.correctness.series.length} series: sum of counts = ZCOUNT and every bucket = driver's count; shares = count/total)` +
    (bad.length > 0 ? `; failing: ${bad.map((c: any) => `${c.variant}/${c.series} sum ${c.sum} vs ZCOUNT ${c.zcount}, ${c.bucketsMatchingDriver}/${c.buckets} buckets`).join('; ')}` : ''));
  out.push(`pass: ${r.pass ? 'yes' : 'NO'}`);
  process.stdout.write(`${out.join('\n')}\n`);
}
