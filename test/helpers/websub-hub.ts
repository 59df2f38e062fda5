/**
 * A real WebSub hub on 127.0.0.1 for tests and the benchmark: takes subscription requests,
 * verifies intent on the subscriber's callback (a challenge to echo), and pushes signed or
 * forged bodies to subscribers.
 */
import { randomBytes } from 'node:crypto';
import { signHubBody } from '../../src/reader/hub-signature.ts';
import { startServer, type TestServer } from './handler-server.ts';

/** One request the hub received and how its verification went. */
export interface HubRequest {
  mode: string;
  topic: string;
  callback: string;
  secret: string | null;
  leaseSeconds: number | null;
  /** The status and body the callback answered to the verification GET. */
  verified: { status: number; echoed: boolean } | null;
}

/** The hub and what it saw. */
export interface WebSubHub extends TestServer {
  requests_: HubRequest[];
  /** The lease the hub grants (seconds). */
  grantSeconds: number;
  /** POSTs `body` to the callback of the newest verified subscription of `topic`, signed with its secret (or `forge`). */
  push(topic: string, body: string, opts?: { forge?: 'bad' | 'missing'; algorithm?: 'sha1' | 'sha256' | 'sha512'; contentType?: string }): Promise<number>;
  /** Sends a verification GET of our own (a topic never asked for, or an unknown feed). */
  verify(callback: string, mode: string, topic: string): Promise<{ status: number; body: string }>;
}

/** Starts a hub; the callback is verified right after a request is accepted (202). */
export async function startWebSubHub(grantSeconds = 3600): Promise<WebSubHub> {
  const requests: HubRequest[] = [];
  const verify = async (callback: string, mode: string, topic: string, leaseSeconds?: number) => {
    const challenge = randomBytes(12).toString('hex');
    const url = new URL(callback);
    url.searchParams.set('hub.mode', mode);
    url.searchParams.set('hub.topic', topic);
    url.searchParams.set('hub.challenge', challenge);
    if (leaseSeconds !== undefined) url.searchParams.set('hub.lease_seconds', String(leaseSeconds));
    const res = await fetch(url);
    const body = await res.text();
    return { status: res.status, body, echoed: body === challenge };
  };
  const server = (await startServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const form = new URLSearchParams(raw);
      const request: HubRequest = {
        mode: form.get('hub.mode') ?? '',
        topic: form.get('hub.topic') ?? '',
        callback: form.get('hub.callback') ?? '',
        secret: form.get('hub.secret'),
        leaseSeconds: form.has('hub.lease_seconds') ? Number(form.get('hub.lease_seconds')) : null,
        verified: null,
      };
      requests.push(request);
      res.writeHead(202).end();
      // Verification of intent happens after the 202, as real hubs do.
      setTimeout(async () => {
        const v = await verify(request.callback, request.mode, request.topic, request.mode === 'subscribe' ? hub.grantSeconds : undefined).catch(() => null);
        request.verified = v && { status: v.status, echoed: v.echoed };
      }, 20);
    });
  })) as WebSubHub;
  const hub = server;
  hub.requests_ = requests;
  hub.grantSeconds = grantSeconds;
  hub.push = async (topic, body, opts = {}) => {
    const sub = [...requests].reverse().find((r) => r.mode === 'subscribe' && r.topic === topic && r.verified?.echoed);
    if (!sub) throw new Error(`no verified subscription to ${topic}`);
    const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/rss+xml' };
    if (opts.forge !== 'missing') headers['x-hub-signature'] = signHubBody(body, opts.forge === 'bad' ? 'not-the-secret' : sub.secret!, opts.algorithm);
    const res = await fetch(sub.callback, { method: 'POST', headers, body });
    await res.arrayBuffer();
    return res.status;
  };
  hub.verify = async (callback, mode, topic) => {
    const v = await verify(callback, mode, topic);
    return { status: v.status, body: v.body };
  };
  return hub;
}
