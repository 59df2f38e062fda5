import express, { type Express } from 'express';
import { randomUUID } from 'node:crypto';
import { AppError, ErrorCodes } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { authenticate } from './auth.ts';
import { problemHandler } from './problem.ts';
import { alertsRouter } from './routes/alerts.ts';
import { anchorsRouter } from './routes/anchors.ts';
import { feedsRouter } from './routes/feeds.ts';
import { digestsRouter } from './routes/digests.ts';
import { itemsRouter } from './routes/items.ts';
import { keysRouter } from './routes/keys.ts';
import { volumeRouter } from './routes/volume.ts';
import { webRouter } from './routes/web.ts';

declare module 'express-serve-static-core' {
  interface Request {
    id?: string;
  }
}

/** Builds the Express app: routes, auth, body limits and the problem+json error handler. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (deps.config.trustProxy) app.set('trust proxy', deps.config.trustProxy);

  app.use((req, res, next) => {
    const incoming = req.headers['x-request-id'];
    req.id = typeof incoming === 'string' && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.stores.redis.ping();
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

  const api = express.Router();
  api.use(express.json({ limit: '1mb' }));
  api.use(authenticate(deps.adminToken, deps.stores.apiKeys));
  api.use('/keys', keysRouter(deps));
  api.use('/feeds', feedsRouter(deps));
  api.use('/anchors', anchorsRouter(deps));
  api.use('/alerts', alertsRouter(deps));
  api.use('/items', itemsRouter(deps));
  api.use('/digests', digestsRouter(deps));
  api.use('/volume', volumeRouter(deps));
  api.use(() => {
    throw new AppError(ErrorCodes.notFound, 'No such route.');
  });
  app.use('/api', api);
  app.use(webRouter(deps));

  app.use(problemHandler(deps.log, () => deps.stores.redis.status === 'ready'));
  return app;
}
