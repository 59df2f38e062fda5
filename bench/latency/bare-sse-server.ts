/**
 * The latency benchmark's baseline: a bare Node SSE server (node:http only, no Express, no
 * Redis), run as a child process so it gets the same share of the machine as the API does.
 * Every GET is an event stream; on `{ type: 'emit', seq, title, dataBytes }` over IPC it encodes
 * one `item` event once (its data padded to dataBytes, the size of the app's item events) and
 * writes the same Buffer to every open response, as any hand-written SSE fan-out would. What the real app adds on top of this is what the scenarios measure.
 *
 * Messages to the parent: { type: 'listening', port }, { type: 'emitted', seq, writeMs } (the
 * time the synchronous write pass took).
 */
import { createServer, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

const clients = new Set<ServerResponse>();
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  res.write('retry: 3000\n\n');
  clients.add(res);
  req.on('close', () => clients.delete(res));
});
server.keepAliveTimeout = 0;
server.headersTimeout = 0;
server.requestTimeout = 0;
// A heartbeat as the app sends one, on one shared timer.
setInterval(() => {
  const beat = Buffer.from(`: keep-alive ${new Date().toISOString()}\n\n`);
  for (const res of clients) res.write(beat);
}, 10_000).unref();

process.on('message', (msg: { type: string; seq: number; title: string; dataBytes?: number }) => {
  if (msg?.type !== 'emit') return;
  const t = performance.now();
  const id = `${Date.now()}-${msg.seq}`;
  const item = { id: `bare-${msg.seq}`, link: `https://bare.example/${msg.seq}`, title: msg.title, firstSeenAt: new Date().toISOString(), summary: '' };
  // As many bytes as the app's item event carries (dataBytes), so both write and read the same volume.
  item.summary = 'x'.repeat(Math.max(0, (msg.dataBytes ?? 0) - JSON.stringify(item).length));
  const data = JSON.stringify(item);
  const frame = Buffer.from(`id: ${id}\nevent: item\ndata: ${data}\n\n`);
  for (const res of clients) res.write(frame);
  process.send!({ type: 'emitted', seq: msg.seq, writeMs: performance.now() - t });
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send!({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});
