/** The latency benchmark's baseline scenario: the same SSE clients against a bare Node SSE server (bench/latency/bare-sse-server.ts). */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnBenchChild, stopBenchChild } from '../bench-child.ts';
import { procMemoryBytes } from '../process-memory.ts';
import { ClientPool } from './client-pool.ts';
import { CFG, log, now, TARGETS } from './config.ts';
import type { Sample } from './samples.ts';
import { dist, summarise, type ScenarioResult } from './summary.ts';

/**
 * `count` events, `gapMs` apart, each encoded once and written to `clients` connections by a
 * bare node:http server: latency = the driver sending the event over IPC → each client's
 * arrival. The floor of any SSE fan-out on this machine under its current load, so the app's
 * figures can be read as a ratio to it; each event carries `dataBytes` of data, as the app's do.
 */
export async function bareScenario(clients: number, procs: number, count: number, gapMs: number, dataBytes: number): Promise<ScenarioResult> {
  log(`-- bare-sse: a bare node:http SSE server, ${clients} client(s) in ${procs} process(es), ${dataBytes} B of data per event`);
  const server = spawnBenchChild('bare-sse', 'bench/latency/bare-sse-server.ts', process.env, { ipc: true });
  const writeMs: number[] = [];
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the bare SSE server did not start:\n${server.tail.join('\n')}`)), 30_000);
      server.proc.on('message', (msg: { type: string; port?: number; writeMs?: number }) => {
        if (msg.type === 'listening') {
          clearTimeout(timer);
          resolve(msg.port!);
        } else if (msg.type === 'emitted') writeMs.push(msg.writeMs!);
      });
    });
    await sleep(300);
    const rssBefore = procMemoryBytes(server.pid, 'VmRSS');
    const pool = await ClientPool.open(`http://127.0.0.1:${port}/stream`, clients, procs);
    await sleep(500);
    const rssAfter = procMemoryBytes(server.pid, 'VmRSS');
    const memoryPerConnectionBytes = rssBefore !== null && rssAfter !== null ? Math.round((rssAfter - rssBefore) / clients) : null;
    log(`   bare server RSS ${((rssBefore ?? 0) / 1048576).toFixed(1)} → ${((rssAfter ?? 0) / 1048576).toFixed(1)} MiB: ${memoryPerConnectionBytes} B per connection`);
    try {
      const samples: Sample[] = [];
      for (let seq = 0; seq < CFG.warmup + count; seq++) {
        const title = `bare sample ${seq} ${Math.random().toString(36).slice(2)}`;
        const t0 = now();
        server.proc.send({ type: 'emit', seq, title, dataBytes });
        const { eventId, arrivals } = await pool.waitFor(title, CFG.sampleTimeoutMs);
        if (seq >= CFG.warmup) {
          samples.push({ seq, title, tTrigger: t0, tFirstReq: null, t0, eventId, itemId: null, firstSeenAt: null, xaddMs: null, arrivals: [...arrivals], expected: clients });
        }
        await sleep(gapMs);
      }
      const result = summarise('bare-sse', samples, clients, TARGETS.idleP99Ms, pool.problems);
      result.breakdownMs = { ...result.breakdownMs, 'server write pass (all sockets)': dist(writeMs.slice(CFG.warmup)) };
      return { ...result, memoryPerConnectionBytes, eventDataBytes: dataBytes };
    } finally {
      await pool.close();
    }
  } finally {
    await stopBenchChild(server);
  }
}
