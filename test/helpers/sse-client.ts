import { request, type ClientRequest, type IncomingMessage } from 'node:http';

/** One parsed Server-Sent Event. */
export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** A minimal real SSE client over node:http, for tests. */
export interface SseClient {
  events: SseEvent[];
  comments: string[];
  retry: number | null;
  status: number;
  headers: IncomingMessage['headers'];
  /** Resolves when at least `n` events of the type arrived. */
  waitForEvents(n: number, type?: string, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves when the server ends the response. */
  ended: Promise<void>;
  close(): void;
}

/** Opens an event stream; resolves once the response headers arrived. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest;
    const events: SseEvent[] = [];
    const comments: string[] = [];
    const waiters: Array<() => void> = [];
    let buffer = '';
    let retry: number | null = null;
    let endResolve: () => void;
    const ended = new Promise<void>((r) => (endResolve = r));
    const parse = (block: string) => {
      let id: string | null = null;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
        else if (line.startsWith('retry: ')) retry = Number(line.slice(7));
      }
      if (data.length > 0) events.push({ id, event, data: data.join('\n') });
      for (const w of waiters.splice(0)) w();
    };
    req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res: IncomingMessage) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          parse(buffer.slice(0, at));
          buffer = buffer.slice(at + 2);
        }
      });
      res.on('end', () => endResolve());
      res.on('close', () => endResolve());
      const client: SseClient = {
        events,
        comments,
        get retry() {
          return retry;
        },
        status: res.statusCode ?? 0,
        headers: res.headers,
        ended,
        async waitForEvents(n, type = 'item', timeoutMs = 15_000) {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const matching = events.filter((e) => e.event === type);
            if (matching.length >= n) return matching;
            if (Date.now() > deadline) throw new Error(`expected ${n} ${type} events, got ${matching.length}`);
            await new Promise<void>((r) => {
              waiters.push(r);
              setTimeout(r, 100);
            });
          }
        },
        close: () => req.destroy(),
      };
      resolve(client);
    });
    req.on('error', (err) => {
      endResolve();
      reject(err);
    });
    req.end();
  });
}
