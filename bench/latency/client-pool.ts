/**
 * The latency benchmark's SSE clients: child processes running bench/latency/sse-client.ts, each
 * holding part of the connections, reporting every item event's arrival over IPC.
 */
import { spawnBenchChild, stopBenchChild, type BenchChild } from '../bench-child.ts';

/** What the first client to see a stream event learnt of it. */
export interface EventMeta {
  itemId: string | null;
  title: string | null;
  firstSeenAt: number | null;
}

/** The SSE clients of one scenario, spread over child processes, with every arrival. */
export class ClientPool {
  readonly children: BenchChild[] = [];
  readonly meta = new Map<string, EventMeta>();
  readonly eventByTitle = new Map<string, string>();
  readonly arrivals = new Map<string, number[]>();
  readonly problems: string[] = [];
  otherEvents = 0;
  total = 0;
  private waiters = new Set<() => void>();

  /** Opens `clients` SSE connections to `url`, spread over `procs` child processes, and waits until all are connected. */
  static async open(url: string, clients: number, procs: number): Promise<ClientPool> {
    const pool = new ClientPool();
    pool.total = clients;
    const per = Math.ceil(clients / procs);
    const ready: Array<Promise<void>> = [];
    for (let p = 0, offset = 0; offset < clients; p++, offset += per) {
      const n = Math.min(per, clients - offset);
      const child = spawnBenchChild(`sse-client-${p}`, 'bench/latency/sse-client.ts', { ...process.env, SSE_URL: url, CLIENTS: String(n), LABEL: `sse-client-${p}` }, { ipc: true });
      pool.children.push(child);
      const base = offset;
      ready.push(
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${child.name} did not connect ${n} clients:\n${child.tail.join('\n')}`)), 120_000);
          child.proc.on('message', (msg: any) => {
            if (msg.type === 'ready') {
              clearTimeout(timer);
              resolve();
            } else if (msg.type === 'error') {
              clearTimeout(timer);
              reject(new Error(`${child.name}: ${msg.message}`));
            } else if (msg.type === 'meta') {
              if (!pool.meta.has(msg.id)) {
                pool.meta.set(msg.id, { itemId: msg.itemId, title: msg.title, firstSeenAt: msg.firstSeenAt });
                if (msg.title) pool.eventByTitle.set(msg.title, msg.id);
              }
            } else if (msg.type === 'arrivals') {
              let list = pool.arrivals.get(msg.id);
              if (!list) pool.arrivals.set(msg.id, (list = []));
              for (const t1 of msg.times as number[]) list.push(t1);
              for (const w of [...pool.waiters]) w();
            } else if (msg.type === 'closed') {
              pool.problems.push(`client ${base + msg.client} closed: ${msg.reason}`);
            } else if (msg.type === 'other') {
              pool.otherEvents++;
              pool.problems.push(`client ${base + msg.client} got event ${msg.event}`);
            }
          });
          child.proc.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`${child.name} exited (${code}):\n${child.tail.join('\n')}`));
          });
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** Resolves with the event id and every client's arrival time once all clients got the item. */
  async waitFor(title: string, timeoutMs: number): Promise<{ eventId: string | null; arrivals: number[] }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const eventId = this.eventByTitle.get(title) ?? null;
      const arrivals = eventId ? (this.arrivals.get(eventId) ?? []) : [];
      if (arrivals.length >= this.total || Date.now() > deadline) return { eventId, arrivals };
      await new Promise<void>((resolve) => {
        const done = () => {
          this.waiters.delete(done);
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(done, 200);
        this.waiters.add(done);
      });
    }
  }

  /** Stops every client child. */
  async close(): Promise<void> {
    await Promise.all(this.children.map((c) => stopBenchChild(c)));
  }
}
