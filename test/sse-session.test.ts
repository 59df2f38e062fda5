import express from 'express';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseSession } from '../src/api/sse-session.ts';
import { openSse } from './helpers/sse-client.ts';
import { uniquePrefix } from './helpers/redis-prefix.ts';
import { startTestApp, waitFor, type TestApp } from './helpers/start-app.ts';

// SseSession over a real HTTP server and real sockets.
let server: Server;
let port: number;
const sessions: SseSession[] = [];
let bytesOffered = 0;

beforeAll(async () => {
  const app = express();
  app.get('/heartbeat', (req, res) => {
    sessions.push(new SseSession(res, req, { heartbeatMs: 50, maxBufferedBytes: 64 * 1024, retryMs: 1234 }));
  });
  app.get('/flood', (req, res) => {
    const session = new SseSession(res, req, { heartbeatMs: 60_000, maxBufferedBytes: 256 * 1024, retryMs: 1000 });
    sessions.push(session);
    const payload = 'x'.repeat(16 * 1024);
    const pump = () => {
      // Offer events as fast as the event loop allows; a reader that never reads must be cut off.
      for (let i = 0; i < 64 && !session.closed; i++) {
        if (session.send('item', payload, String(bytesOffered))) bytesOffered += payload.length;
      }
      if (!session.closed) setImmediate(pump);
    };
    pump();
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const s of sessions) s.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('SseSession', () => {
  it('sends retry advice, stream headers and heartbeat comments', async () => {
    const client = await openSse(`http://127.0.0.1:${port}/heartbeat`);
    expect(client.headers['content-type']).toMatch(/text\/event-stream/);
    expect(client.headers['cache-control']).toMatch(/no-cache/);
    expect(client.headers['x-accel-buffering']).toBe('no');
    await waitFor(async () => client.comments.length >= 3, 3000, 20);
    expect(client.retry).toBe(1234);
    client.close();
  });

  it('cuts off a client that never reads, with memory staying bounded', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // Never read: the kernel buffers fill, then the server's own buffer, then the cap.
    socket.pause();
    socket.write(`GET /flood HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
    const closed = await waitFor(async () => sessions.find((s) => s.closed && s !== sessions[0]), 20_000, 20);
    expect(closed.closed).toBe(true);
    // Kernel socket buffers on loopback hold a few MiB at most; the session's own slack is 256 KiB.
    expect(bytesOffered).toBeLessThan(64 * 1024 * 1024);
    const heapAfter = process.memoryUsage().heapUsed;
    expect(heapAfter - heapBefore).toBeLessThan(32 * 1024 * 1024);
    socket.destroy();
  });
});

// The digest stream is routed ahead of the per-request logger (src/api/create-app.ts): it must
// still get everything an /api read gets.
describe('the digest stream route', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(uniquePrefix('sse-route'), {}, { api: true, workers: false });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('answers with stream and security headers and a request id, a retry line first', async () => {
    const client = await openSse(`${app.base}/api/digests/muscat-talks/stream?access_token=${app.token}`, { 'x-request-id': 'sse-req-1' });
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toMatch(/text\/event-stream/);
    expect(client.headers['x-content-type-options']).toBe('nosniff');
    expect(client.headers['x-frame-options']).toBeTruthy();
    expect(client.headers['x-request-id']).toBe('sse-req-1');
    await waitFor(async () => client.retry !== null, 3000, 20);
    client.close();
  });

  it('answers problem+json: 401 without a token, 400 for a bad Last-Event-ID or an unknown parameter, 404 for an unknown anchor', async () => {
    const cases: Array<[string, Record<string, string>, number]> = [
      ['/api/digests/muscat-talks/stream', {}, 401],
      [`/api/digests/muscat-talks/stream?access_token=${app.token}`, { 'last-event-id': 'not-an-id' }, 400],
      [`/api/digests/muscat-talks/stream?access_token=${app.token}&colour=red`, {}, 400],
      [`/api/digests/no-such-anchor/stream?access_token=${app.token}`, {}, 404],
    ];
    for (const [path, headers, status] of cases) {
      const res = await fetch(`${app.base}${path}`, { headers });
      expect(res.status, path).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(((await res.json()) as { status: number }).status).toBe(status);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('serves a user key on the fast path with the read limit headers, and ends the detached stream when the app stops', async () => {
    const made = await fetch(`${app.base}/api/keys`, { method: 'POST', headers: { authorization: `Bearer ${app.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'sse-fast-path' }) });
    const { key } = (await made.json()) as { key: string };
    const client = await openSse(`${app.base}/api/digests/muscat-talks/stream`, { authorization: `Bearer ${key}` });
    expect(client.status).toBe(200);
    expect(client.headers['ratelimit-policy']).toBeTruthy();
    expect(client.headers['x-content-type-options']).toBe('nosniff');
    await waitFor(async () => client.retry !== null, 3000, 20);
    // A second app of its own: stopping it must end its detached streams.
    const other = await startTestApp(uniquePrefix('sse-route-stop'), {}, { api: true, workers: false });
    const otherClient = await openSse(`${other.base}/api/digests/muscat-talks/stream?access_token=${other.token}`);
    await waitFor(async () => otherClient.retry !== null, 3000, 20);
    await other.stop();
    await Promise.race([otherClient.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('the detached stream outlived its app')), 5000))]);
    client.close();
  });
});
