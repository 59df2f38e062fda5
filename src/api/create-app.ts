import type { Queue } from 'bullmq';
import express, { type Express } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import { AppError, ErrorCodes } from '../errors.ts';
import type { Metrics } from '../observability/metrics.ts';
import { redactUrl } from '../observability/redact-secrets.ts';
import type { ApiKeyStore } from '../storage/api-key-store.ts';
import type { StoreHealth } from '../storage/redis-connection.ts';
import { adminQueuesRouter } from './admin-queues.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { authenticate } from './auth.ts';
import { problemHandler } from './problem.ts';
import { alertsRouter, type AlertsRouterDeps } from './routes/alerts.ts';
import { subscriptionsRouter, type SubscriptionsRouterDeps } from './routes/subscriptions.ts';
import { unsubscribeRouter, type UnsubscribeRouterDeps } from './routes/unsubscribe.ts';
import { anchorsRouter, type AnchorsRouterDeps } from './routes/anchors.ts';
import { websubRouter, type WebSubRouterDeps } from './routes/websub.ts';
import { feedsRouter, type FeedsRouterDeps } from './routes/feeds.ts';
import { digestStream, digestStreamHandler, digestsRouter, type DigestsRouterDeps } from './routes/digests.ts';
import { fastPathFailure, withStreamFastPath } from './stream-fast-path.ts';
import { itemsRouter, type ItemsRouterDeps } from './routes/items.ts';
import { keysRouter, type KeysRouterDeps } from './routes/keys.ts';
import { volumeRouter, type VolumeRouterDeps } from './routes/volume.ts';
import { webRouter } from './routes/web.ts';

/** What the HTTP app is built from: its own needs, and each router's deps (each takes only what it uses). */
export interface AppDeps {
  log: Logger;
  metrics: Pick<Metrics, 'registry' | 'queueJobs'>;
  /** Every queue: the queue dashboard and the scraped queue depths. */
  queues: Queue[];
  /** Whether Redis answers (/readyz, and 503 instead of 500 while it is away). */
  health: StoreHealth;
  /** The admin token in force (from ADMIN_TOKEN, or the generated one). */
  adminToken(): string;
  apiKeys: Pick<ApiKeyStore, 'find'>;
  /** A fresh shared counter store for one rate limiter (express-rate-limit wants one per limiter). */
  rateLimitStore(): Store;
  /** TRUST_PROXY, as Express's `trust proxy` setting ('' for none). */
  trustProxy: string;
  readRateLimitPerMinute: number;
  routes: {
    keys: KeysRouterDeps;
    feeds: FeedsRouterDeps;
    anchors: AnchorsRouterDeps;
    alerts: AlertsRouterDeps;
    items: ItemsRouterDeps;
    digests: DigestsRouterDeps;
    volume: VolumeRouterDeps;
    /** The WebSub callback; absent: no /websub route (a process without workers' deps). */
    websub?: WebSubRouterDeps;
    subscriptions: SubscriptionsRouterDeps;
    unsubscribe: UnsubscribeRouterDeps;
  };
}

/** Writes one key may make per minute, across every API process. */
const WRITES_PER_MINUTE = 600;

/** GET and HEAD: the requests the read limit counts. */
function isRead(req: express.Request): boolean {
  return req.method === 'GET' || req.method === 'HEAD';
}

/** Queue depths, read from Redis at scrape time so they are never stale. */
async function refreshScrapedGauges(deps: AppDeps): Promise<void> {
  await Promise.all(
    deps.queues.map(async (q) => {
      const counts = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
      for (const [state, n] of Object.entries(counts)) deps.metrics.queueJobs.set({ queue: q.name, state }, n);
    }),
  );
}

/**
 * The request log line of an event stream, as pino-http writes it for every other request
 * (level by status, the URL's tokens masked), written when the stream ends: one listener per
 * open stream instead of a child logger held for as long as it lasts.
 */
function logStreamRequest(log: Logger): express.RequestHandler {
  return (req, res, next) => {
    const started = Date.now();
    res.once('close', () => {
      const statusCode = res.statusCode;
      const level = statusCode >= 500 ? 'error' : statusCode >= 400 ? 'info' : 'debug';
      log[level]({ req: { id: req.id, method: req.method, url: redactUrl(req.originalUrl) as string }, res: { statusCode }, responseTime: Date.now() - started }, 'request completed');
    });
    next();
  };
}

/** The request's id (the caller's X-Request-Id when it is sane, else a new one), set once on the request and its answer. */
function requestIdOf(req: IncomingMessage & { id?: string | number | object }, res: ServerResponse): string {
  if (typeof req.id === 'string') return req.id;
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID();
  // pino-http declares req.id; it reuses this one through genReqId.
  req.id = id;
  res.setHeader('X-Request-Id', id);
  return id;
}

/** Builds the Express app: routes, auth, body limits and the problem+json error handler. */
export function createApp(deps: AppDeps): Express {
  return buildApp(deps).app;
}

/**
 * The HTTP server's request listener: the Express app, with the digest stream served ahead of
 * it straight from node:http (src/api/stream-fast-path.ts).
 */
export function createRequestListener(deps: AppDeps): RequestListener {
  return buildApp(deps).listener;
}

function buildApp(deps: AppDeps): { app: Express; listener: RequestListener } {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (deps.trustProxy) app.set('trust proxy', deps.trustProxy);

  app.use((req, res, next) => {
    requestIdOf(req, res);
    next();
  });
  // Security headers for every answer; the dashboard sets its own Content-Security-Policy.
  const securityHeaders = helmet({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false });
  const authenticated = authenticate(deps.adminToken, deps.apiKeys);
  const readLimit = rateLimit({
    windowMs: 60_000,
    limit: deps.readRateLimitPerMinute,
    // Reads have a budget of their own per user key, so a polling script cannot crowd out
    // the other keys; the limiter sets Retry-After on the 429.
    skip: (req) => !isRead(req) || req.principal?.kind !== 'user',
    keyGenerator: (req) => (req.principal?.kind === 'user' ? `reads:key:${req.principal.keyId}` : 'reads:admin'),
    store: deps.rateLimitStore(),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next, options) =>
      next(new AppError(ErrorCodes.rateLimited, `Too many reads: at most ${options.limit} per minute per key (READ_RATE_LIMIT_PER_MINUTE). Try again after the Retry-After seconds.`)),
  });
  // The digest stream is routed ahead of the per-request logger: a stream stays open for hours,
  // ten thousand at a time, and pino-http holds a child logger and its listeners per open
  // response (about 1.3 KB each); its log line is written by logStreamRequest instead.
  // Everything else a stream needs runs as for any /api read: the security headers, the token,
  // the read limit, and errors through the problem handler.
  // The route answers what the node:http fast path hands over (every request that fails a check).
  const stream = digestStream(deps.routes.digests);
  app.get('/api/digests/:anchorId/stream', logStreamRequest(deps.log), securityHeaders, fastPathFailure, authenticated, readLimit, digestStreamHandler(stream));
  app.use(
    pinoHttp({
      logger: deps.log,
      genReqId: (req) => req.id ?? randomUUID(),
      // Tokens ride in the query string for EventSource and feed readers: never log them.
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) as string }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
    }) as express.RequestHandler,
  );
  app.use(securityHeaders);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.health.ping();
      res.json({ status: 'ready' });
    } catch {
      res.status(503).type('application/problem+json').json({
        type: `https://anchorwatch.dev/problems/${ErrorCodes.unavailable}`,
        title: 'Service Unavailable',
        status: 503,
        detail: 'Redis does not answer.',
      });
    }
  });

  const openApiDocument = buildOpenApiDocument({});
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  app.get('/metrics', async (_req, res) => {
    await refreshScrapedGauges(deps);
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  const queuesBoard = adminQueuesRouter(deps.queues, deps.adminToken);
  app.use(queuesBoard.path, queuesBoard.gate, queuesBoard.board);

  // Unsubscribe links are authenticated by their own signed token, not a bearer token.
  app.use('/unsubscribe', unsubscribeRouter(deps.routes.unsubscribe));

  const api = express.Router();
  // Who is calling is settled before a byte of the body is read: without a valid token the
  // body is never parsed, inflated or buffered, whatever it holds.
  api.use(authenticated);
  api.use(
    rateLimit({
      windowMs: 60_000,
      limit: WRITES_PER_MINUTE,
      // Writes are what a runaway script repeats. The admin token is the operator's own
      // automation (bulk registrations) and is not limited.
      skip: (req) => isRead(req) || req.principal?.kind !== 'user',
      keyGenerator: (req) => (req.principal?.kind === 'user' ? `key:${req.principal.keyId}` : 'admin'),
      store: deps.rateLimitStore(),
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      handler: (_req, _res, next, options) =>
        next(new AppError(ErrorCodes.rateLimited, `Too many writes: at most ${options.limit} per minute per key. Try again shortly.`)),
    }),
  );
  api.use(readLimit);
  api.use(express.json({ limit: '1mb' }));
  api.use('/keys', keysRouter(deps.routes.keys));
  api.use('/feeds', feedsRouter(deps.routes.feeds));
  api.use('/anchors', anchorsRouter(deps.routes.anchors));
  api.use('/alerts', alertsRouter(deps.routes.alerts));
  api.use('/items', itemsRouter(deps.routes.items));
  api.use('/digests', digestsRouter(deps.routes.digests));
  api.use('/volume', volumeRouter(deps.routes.volume));
  api.use('/subscriptions', subscriptionsRouter(deps.routes.subscriptions));
  api.use(() => {
    throw new AppError(ErrorCodes.notFound, 'No such route.');
  });
  app.use('/api', api);
  if (deps.routes.websub) app.use('/websub', websubRouter(deps.routes.websub));
  app.use(webRouter());

  app.use(problemHandler(deps.log, deps.health.ready));
  const listener = withStreamFastPath(app, {
    log: deps.log,
    adminToken: deps.adminToken,
    apiKeys: deps.apiKeys,
    stream,
    requestId: requestIdOf,
    securityHeaders,
    readLimit,
  });
  return { app, listener };
}
