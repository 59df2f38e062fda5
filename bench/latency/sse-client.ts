/**
 * SSE load client of the latency benchmark (bench/latency.ts). Runs as a child process
 * (`node --import tsx bench/latency/sse-client.ts`, IPC channel required) so that parsing a
 * thousand streams neither shares the app's event loop nor the driver's.
 *
 * Env: SSE_URL (the digest stream URL, token included), CLIENTS (how many connections),
 * CONNECT_CONCURRENCY (connections opened at once, 50), LABEL (for messages).
 *
 * Messages to the parent:
 *   { type: 'ready', open }                              every connection got its headers
 *   { type: 'meta', id, itemId, link, title, firstSeenAt } once per stream event id
 *   { type: 'arrivals', batch: [[client, eventId, t1]] } batched every 10 ms
 *   { type: 'closed', client, reason }                   a connection ended (should not happen)
 *   { type: 'other', client, event }                     a non-item event (reload)
 * t1 is `performance.timeOrigin + performance.now()` taken when the chunk that completes the
 * event is handed to the 'data' listener: the same wall clock as the driver, sub-ms.
 * The parent sends { type: 'stop' } to close every connection and exit.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';

const url = process.env.SSE_URL ?? '';
const clients = Number(process.env.CLIENTS ?? 1);
const connectConcurrency = Number(process.env.CONNECT_CONCURRENCY ?? 50);
const label = process.env.LABEL ?? 'client';

if (!process.send || !url) {
  process.stderr.write('sse-client: needs SSE_URL and an IPC channel\n');
  process.exit(2);
}
const send = (msg: unknown) => process.send!(msg);
const now = () => performance.timeOrigin + performance.now();

const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxTotalSockets: Infinity });
const requests: Array<ReturnType<typeof request>> = [];
const metaSent = new Set<string>();
let pending: Array<[number, string, number]> = [];
let flushTimer: NodeJS.Timeout | null = null;
let stopping = false;

function flush(): void {
  flushTimer = null;
  if (pending.length === 0) return;
  const batch = pending;
  pending = [];
  send({ type: 'arrivals', batch });
}

function onEvent(client: number, block: string, t1: number): void {
  let id: string | null = null;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('id: ')) id = line.slice(4);
    else if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  if (data.length === 0) return; // comment, retry line
  if (event !== 'item' || id === null) {
    send({ type: 'other', client, event, data: data.join('\n').slice(0, 300) });
    return;
  }
  if (!metaSent.has(id)) {
    metaSent.add(id);
    try {
      const item = JSON.parse(data.join('\n')) as { id: string; link: string; title: string; firstSeenAt: string };
      send({ type: 'meta', id, itemId: item.id, link: item.link, title: item.title, firstSeenAt: Date.parse(item.firstSeenAt) });
    } catch {
      send({ type: 'meta', id, itemId: null, link: null, title: null, firstSeenAt: null });
    }
  }
  pending.push([client, id, t1]);
  flushTimer ??= setTimeout(flush, 10);
}

function open(client: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { accept: 'text/event-stream' } }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        reject(new Error(`${label} #${client}: status ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        const t1 = now();
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          onEvent(client, block, t1);
        }
      });
      const closed = (reason: string) => {
        if (!stopping) send({ type: 'closed', client, reason });
      };
      res.on('end', () => closed('end'));
      res.on('error', (err) => closed(err.message));
      resolve();
    });
    req.on('error', (err) => {
      if (!stopping) reject(err);
    });
    req.end();
    requests.push(req);
  });
}

process.on('message', (msg: { type: string }) => {
  if (msg?.type === 'stop') {
    stopping = true;
    flush();
    for (const r of requests) r.destroy();
    agent.destroy();
    setTimeout(() => process.exit(0), 50);
  }
});
process.on('disconnect', () => process.exit(0));

try {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(connectConcurrency, clients) }, async () => {
      while (next < clients) await open(next++);
    }),
  );
  send({ type: 'ready', open: requests.length });
} catch (err) {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
