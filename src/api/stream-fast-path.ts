import type { Express, RequestHandler } from 'express';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Logger } from 'pino';
import { redactUrl } from '../observability/redact-secrets.ts';
import type { ApiKeyStore } from '../storage/api-key-store.ts';
import { principalOf, tokenOf, type Principal } from './auth.ts';
import type { DigestStream } from './routes/digests.ts';

/** What the digest stream's fast path runs, the same pieces the Express route runs. */
export interface StreamFastPathDeps {
  log: Logger;
  adminToken(): string;
  apiKeys: Pick<ApiKeyStore, 'find'>;
  stream: DigestStream;
  /** The request id (X-Request-Id) of a request, as the app's first middleware sets it. */
  requestId(req: IncomingMessage, res: ServerResponse): string;
  /** Helmet's security headers, set on the response. */
  securityHeaders: RequestHandler;
  /** The read limit of /api (the same limiter instance as the Express routes': one count per request). */
  readLimit: RequestHandler;
}

/** The error a fast-path step raised, for the Express route to answer with its own problem handler. */
const failures = new WeakMap<IncomingMessage, unknown>();

/**
 * The first step of the Express stream route: a request that the fast path handed over after a
 * step that may not run twice (the read limit counted it) gets that step's error answered.
 */
export const fastPathFailure: RequestHandler = (req, _res, next) => {
  const failure = failures.get(req);
  if (failure !== undefined) next(failure);
  else next();
};

const STREAM_PATH = /^\/api\/digests\/([^/]+)\/stream$/;

/** Calls a middleware on the plain request and response; resolves with what it passed to next(). */
function run(middleware: RequestHandler, req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  return new Promise((resolve, reject) => {
    try {
      void Promise.resolve(middleware(req as never, res as never, (err?: unknown) => resolve(err))).catch(reject);
    } catch (err) {
      reject(err);
    }
  });
}

/**
 * GET /api/digests/:anchorId/stream served straight from node:http, ahead of Express: an
 * open stream then holds no Express request and response state (parsed URL, params, query,
 * the router's next() closure), only what node:http keeps for any response. The steps are the
 * Express route's own (request id, security headers, token, read limit, query, anchor,
 * Last-Event-ID), and every request that does not pass them all is handed to the Express
 * route untouched, so each error answer stays exactly the problem+json it was. Only the read
 * limit cannot run twice: its refusal is handed over with the request (fastPathFailure).
 */
export function withStreamFastPath(app: Express, deps: StreamFastPathDeps): RequestListener {
  const express = (req: IncomingMessage, res: ServerResponse) => app(req as never, res as never);

  const serve = async (req: IncomingMessage, res: ServerResponse, anchorId: string, search: string): Promise<void> => {
    let prepared;
    try {
      const query = parseQuery(search);
      const token = tokenOf(req.headers.authorization, query.access_token);
      const principal = token === null ? null : await principalOf(token, deps.adminToken, deps.apiKeys);
      if (principal === null) return express(req, res);
      (req as { principal?: Principal }).principal = principal;
      const header = req.headers['last-event-id'];
      prepared = await deps.stream.prepare(decodeURIComponent(anchorId), query, Array.isArray(header) ? header[0] : header);
    } catch {
      // A bad token, query, anchor or percent-encoding: Express answers it as it always did.
      return express(req, res);
    }
    const id = deps.requestId(req, res);
    deps.securityHeaders(req as never, res as never, () => {});
    const limited = await run(deps.readLimit, req, res).catch((err: unknown) => err);
    if (limited !== undefined) {
      failures.set(req, limited);
      return express(req, res);
    }
    const started = Date.now();
    // The request log line, as pino-http writes one, when the stream ends.
    // (It holds the redacted URL only, not the request: that is left to the garbage collector.)
    const logged = { id, method: 'GET', url: redactUrl(req.url ?? '') as string };
    const logEnd = () => deps.log.debug({ req: logged, res: { statusCode: 200 }, responseTime: Date.now() - started }, 'request completed');
    try {
      await deps.stream.serve(prepared, req, res, { detach: true, onSession: (session) => session.onClose(logEnd) });
    } catch (err) {
      deps.log.warn({ reqId: id, reason: (err as Error).message }, 'digest stream failed');
      // A stream that failed after its head (Redis gone mid catch-up): the client reconnects with its Last-Event-ID.
      (res.socket ?? req.socket).destroy();
    }
  };

  const listener: RequestListener = (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const match = req.method === 'GET' ? STREAM_PATH.exec(q < 0 ? url : url.slice(0, q)) : null;
    if (match === null) {
      express(req, res);
      return;
    }
    void serve(req, res, match[1]!, q < 0 ? '' : url.slice(q + 1));
  };
  // The Express app behind it stays reachable from the server (the OpenAPI test lists its routes).
  return Object.assign(listener, { app });
}
