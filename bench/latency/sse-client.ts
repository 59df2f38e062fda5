/**
 * SSE load client of the latency benchmark (bench/latency.ts). Runs as a child process
 * (`node --import tsx bench/latency/sse-client.ts`, IPC channel required) so that reading
 * thousands of streams neither shares the app's event loop nor the driver's.
 *
 * It is built to cost as little as possible per connection and per event, because on a
 * 2-core machine the clients share the CPU with the server they measure: raw net sockets
 * (no node:http parser, no IncomingMessage stream, no string decoding), one shared read
 * buffer for every socket (net's `onread`, no Buffer allocated per read), and per read only
 * native byte searches: the bytes are scanned for a `\nevent: ` line; an `item` event's id
 * is the one string made per client and event. Only the first client of the process to see
 * an event parses its JSON (for the driver's meta). Arrival times go into one Float64Array
 * per event and are sent to the parent once every local client has the event (or, for
 * stragglers, on a 250 ms sweep), never in the middle of a burst of reads.
 *
 * Env: SSE_URL (the digest stream URL, token included), CLIENTS (how many connections),
 * CONNECT_CONCURRENCY (connections opened at once, 50), LABEL (for messages).
 *
 * Messages to the parent:
 *   { type: 'ready', open }                              every connection got a 200 and its headers
 *   { type: 'meta', id, itemId, link, title, firstSeenAt } once per stream event id
 *   { type: 'arrivals', id, times: [t1] }                the arrivals of one event (possibly in parts)
 *   { type: 'closed', client, reason }                   a connection ended (should not happen)
 *   { type: 'other', client, event }                     a non-item event (reload, remove)
 * t1 is `performance.timeOrigin + performance.now()` taken when the read that completes the
 * event is handed to this process: the same wall clock as the driver, sub-ms.
 * The parent sends { type: 'stop' } to close every connection and exit.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

const url = new URL(process.env.SSE_URL ?? 'http://invalid');
const clients = Number(process.env.CLIENTS ?? 1);
const connectConcurrency = Number(process.env.CONNECT_CONCURRENCY ?? 50);
const label = process.env.LABEL ?? 'client';

if (!process.send || !process.env.SSE_URL) {
  process.stderr.write('sse-client: needs SSE_URL and an IPC channel\n');
  process.exit(2);
}
const send = (msg: unknown) => process.send!(msg);
const now = () => performance.timeOrigin + performance.now();

const REQUEST = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`, 'latin1');
const EVENT_LINE = Buffer.from('\nevent: ', 'latin1');
const ITEM = Buffer.from('item\n', 'latin1');
const ID_LINE = Buffer.from('id: ', 'latin1');
const DATA_LINE = Buffer.from('\ndata: ', 'latin1');
const END = Buffer.from('\n\n', 'latin1');
const HEADERS_END = Buffer.from('\r\n\r\n', 'latin1');
const MAX_CARRY = 4 * 1024 * 1024;

/** The arrivals of one event in this process, one slot per arrival. */
interface Arrivals {
  times: Float64Array;
  count: number;
  /** How many of `times` were sent to the parent already. */
  sent: number;
  firstAt: number;
}

const arrivals = new Map<string, Arrivals>();
// Every client sees the same event in the same burst of reads: the last one looked up is nearly always the one.
let lastId = '';
let last: Arrivals | null = null;
const sockets: Socket[] = [];
let stopping = false;

function flush(id: string, a: Arrivals): void {
  if (a.sent === a.count) return;
  send({ type: 'arrivals', id, times: Array.from(a.times.subarray(a.sent, a.count)) });
  a.sent = a.count;
}

function arrived(id: string, t1: number): void {
  let a: Arrivals | undefined;
  if (id === lastId && last !== null) a = last;
  else {
    a = arrivals.get(id);
    if (!a) {
      a = { times: new Float64Array(clients), count: 0, sent: 0, firstAt: t1 };
      arrivals.set(id, a);
    }
    lastId = id;
    last = a;
  }
  // A client seeing an event twice would overflow the slots: keep the first `clients` arrivals.
  if (a.count < clients) a.times[a.count++] = t1;
  if (a.count === clients) flush(id, a);
}

// Stragglers (a client that lost its connection, a very slow one): what arrived is sent anyway.
setInterval(() => {
  const t = now();
  for (const [id, a] of arrivals) {
    if (t - a.firstAt > 250) flush(id, a);
    if (t - a.firstAt > 60_000) arrivals.delete(id);
  }
}, 250).unref();

/** The first client to see an event id tells the parent what it carries. */
function sendMeta(id: string, region: Buffer, from: number, to: number): void {
  const d = region.indexOf(DATA_LINE, from);
  if (d < 0 || d >= to) {
    send({ type: 'meta', id, itemId: null, link: null, title: null, firstSeenAt: null });
    return;
  }
  try {
    const item = JSON.parse(region.toString('utf8', d + DATA_LINE.length, to)) as { id: string; link: string; title: string; firstSeenAt: string };
    send({ type: 'meta', id, itemId: item.id, link: item.link, title: item.title, firstSeenAt: Date.parse(item.firstSeenAt) });
  } catch {
    send({ type: 'meta', id, itemId: null, link: null, title: null, firstSeenAt: null });
  }
}

/** Finds the completed events in region[0, end) (end just past a blank line) and records the item events. */
function scan(client: number, region: Buffer, end: number, t1: number): void {
  let at = 0;
  while ((at = region.indexOf(EVENT_LINE, at)) >= 0 && at < end) {
    const nameAt = at + EVENT_LINE.length;
    const stop = region.indexOf(END, nameAt);
    const eventEnd = stop < 0 || stop >= end ? end : stop;
    if (region.compare(ITEM, 0, ITEM.length, nameAt, nameAt + ITEM.length) === 0) {
      // The id line is the one just before the event line (the hub always sends one).
      const idAt = region.lastIndexOf(ID_LINE, at);
      const id = idAt >= 0 ? region.toString('latin1', idAt + ID_LINE.length, at) : null;
      if (id === null) send({ type: 'other', client, event: 'item without id' });
      else {
        if (id !== lastId && !arrivals.has(id)) sendMeta(id, region, nameAt, eventEnd);
        arrived(id, t1);
      }
    } else {
      const nl = region.indexOf(0x0a, nameAt);
      send({ type: 'other', client, event: region.toString('utf8', nameAt, nl < 0 ? nameAt + 40 : nl) });
    }
    at = eventEnd;
  }
}

/** Opens one connection; resolves once its 200 and headers arrived. */
function open(client: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let headersDone = false;
    // Bytes of an event not yet complete (a read that ended mid-event): a copy, the read buffer is shared.
    let carry: Buffer | null = null;
    const socket = connect({
      host: url.hostname,
      port: Number(url.port || 80),
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (n: number, buf: Uint8Array) => {
          const t1 = now();
          let region = Buffer.from(buf.buffer, buf.byteOffset, n);
          if (carry !== null) {
            region = Buffer.concat([carry, region]);
            carry = null;
          }
          if (!headersDone) {
            const h = region.indexOf(HEADERS_END);
            if (h < 0) {
              carry = Buffer.from(region);
              return true;
            }
            headersDone = true;
            const status = region.toString('latin1', 0, Math.min(h, 12));
            if (status !== 'HTTP/1.1 200') {
              reject(new Error(`${label} #${client}: ${region.toString('latin1', 0, Math.min(h, 200))}`));
              socket.destroy();
              return false;
            }
            resolve();
            region = region.subarray(h + HEADERS_END.length);
          }
          const lastEnd = region.lastIndexOf(END);
          if (lastEnd >= 0) scan(client, region, lastEnd + END.length, t1);
          const rest = lastEnd < 0 ? 0 : lastEnd + END.length;
          // What follows the last blank line is HTTP chunk framing ("\r\n", "1f4\r\n") or the start of an event.
          if (region.length - rest > 2 || (region.length > rest && region[rest] !== 0x0d)) {
            if (region.length - rest > MAX_CARRY) {
              send({ type: 'closed', client, reason: 'an event over 4 MiB' });
              socket.destroy();
              return false;
            }
            carry = Buffer.from(region.subarray(rest));
          }
          return true;
        },
      },
    });
    socket.on('connect', () => socket.write(REQUEST));
    const closed = (reason: string) => {
      if (!headersDone) reject(new Error(`${label} #${client}: ${reason} before the headers`));
      else if (!stopping) send({ type: 'closed', client, reason });
    };
    socket.on('end', () => closed('end'));
    socket.on('error', (err) => closed(err.message));
    sockets.push(socket);
  });
}

// Reads are handled synchronously, one at a time: every socket can share one buffer.
const readBuffer = Buffer.allocUnsafe(256 * 1024);

process.on('message', (msg: { type: string }) => {
  if (msg?.type === 'stop') {
    stopping = true;
    for (const [id, a] of arrivals) flush(id, a);
    for (const s of sockets) s.destroy();
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
  send({ type: 'ready', open: sockets.length });
} catch (err) {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
