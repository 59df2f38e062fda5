/**
 * A real HTTP server of article pages and of pages that misbehave: one that never ends, one
 * of 50 MB, a redirect to a private address, a non-HTML answer, a front page without article.
 */
import type http from 'node:http';
import { startServer, type TestServer } from './handler-server.ts';

/** The server and the pages it serves by path (path → HTML). */
export interface ArticleServer extends TestServer {
  pages: Map<string, string>;
  /** Requests per path, to check what was (not) fetched. */
  hits: Map<string, number>;
}

const FIFTY_MB = 50 * 1024 * 1024;

/** Starts it on 127.0.0.1; `privatePort` is a port on 127.0.0.2 (a refused address) for the redirect. */
export async function startArticleServer(privatePort = 9): Promise<ArticleServer> {
  const pages = new Map<string, string>();
  const hits = new Map<string, number>();
  const handler: http.RequestListener = (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    res.on('error', () => undefined);
    const page = pages.get(path);
    if (page !== undefined) {
      const etag = `"${page.length}"`;
      if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', etag }).end(page);
    }
    if (path === '/never-ends') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<!doctype html><html><body><article><p>');
      const timer = setInterval(() => res.write('and on '), 50);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (path === '/fifty-megabytes') {
      res.writeHead(200, { 'content-type': 'text/html' });
      const chunk = Buffer.from(`<p>${'word '.repeat(13_000)}</p>`);
      let sent = 0;
      const pump = () => {
        while (sent < FIFTY_MB) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (sent = FIFTY_MB + 1));
      return pump();
    }
    if (path === '/to-private') return void res.writeHead(302, { location: `http://127.0.0.2:${privatePort}/story` }).end();
    if (path === '/a.pdf') return void res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.7\n%\u00e2\u00e3\n1 0 obj');
    if (path === '/gone') return void res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
    res.writeHead(404).end();
  };
  const server = (await startServer(handler)) as ArticleServer;
  server.pages = pages;
  server.hits = hits;
  return server;
}
