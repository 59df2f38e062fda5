/** An HTTP client on one keep-alive socket that times each request to its last body byte (the volume benchmark's). */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** A GET on the shared socket: status, body, and `ms` of client-side wall time. */
export type TimedGet = (base: string, route: string, token: string | null) => Promise<{ status: number; body: string; ms: number }>;

/** A client whose requests share one keep-alive socket; close() destroys it. */
export function keepAliveClient(): { get: TimedGet; close(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get: TimedGet = (base, route, token) =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.get(`${base}${route}`, { agent, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t0 }));
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  return { get, close: () => agent.destroy() };
}
