import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A route handler of the local feed server. */
export type Route = (req: IncomingMessage, res: ServerResponse) => unknown;

/** A real HTTP server on 127.0.0.1 whose routes a test sets and changes. */
export interface FeedServer {
  url(path: string): string;
  port: number;
  route(path: string, handler: Route): void;
  /** Requests seen per path, with their headers. */
  requests: Array<{ path: string; headers: IncomingMessage['headers'] }>;
  close(): Promise<void>;
}

/** Starts a local HTTP server on 127.0.0.1 (port 0). */
export async function startFeedServer(host = '127.0.0.1'): Promise<FeedServer> {
  const routes = new Map<string, Route>();
  const requests: FeedServer['requests'] = [];
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ path, headers: req.headers });
    const handler = routes.get(path);
    if (!handler) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    try {
      await handler(req, res);
    } catch {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path) => `http://${host}:${port}${path}`,
    route: (path, handler) => routes.set(path, handler),
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An RSS 2.0 document of the given items. */
export function rssOf(title: string, items: Array<{ title?: string; link?: string; guid?: string; description?: string; pubDate?: string }>): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = items
    .map(
      (i) =>
        `<item>${i.title !== undefined ? `<title>${esc(i.title)}</title>` : ''}${i.link !== undefined ? `<link>${esc(i.link)}</link>` : ''}${
          i.guid !== undefined ? `<guid isPermaLink="false">${esc(i.guid)}</guid>` : ''
        }${i.description !== undefined ? `<description>${esc(i.description)}</description>` : ''}${i.pubDate !== undefined ? `<pubDate>${i.pubDate}</pubDate>` : ''}</item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>${esc(title)}</title><link>http://example.com/</link>\n${body}\n</channel></rss>`;
}
