import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { createApp } from '../api/create-app.ts';
import { loadConfig, publicUrlOf, type Config } from '../config.ts';
import { isAppError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { createMetrics, type Metrics } from '../observability/metrics.ts';
import { GuardedClient } from '../net/guarded-client.ts';
import type { AddressPolicy } from '../net/ssrf-guard.ts';
import { createQueues, type Queues } from '../queue/queues.ts';
import { waitForReady } from '../storage/redis-connection.ts';
import type { StreamFollower } from '../storage/stream-follower.ts';
import { defaultSseOptions, type SseOptions } from '../api/sse-session.ts';
import { bootstrap } from './bootstrap.ts';
import { buildAppDeps } from './build-app-deps.ts';
import { openFollower, openStores, type Stores } from './open-stores.ts';
import { startWorkers, type RunningWorkers, type WorkerOptions } from './start-workers.ts';

/** Options tests and benchmarks pass to a process. */
export interface ProcessOptions extends WorkerOptions {
  sse?: Partial<SseOptions>;
  /** The guarded client's test seam: which resolved addresses count as public (tests let 127.0.0.1 play the internet). */
  addressPolicy?: AddressPolicy;
}

/** What one process runs. */
export interface ProcessRoles {
  api: boolean;
  workers: boolean;
}

/** The stores and queues of one role. */
interface Side {
  stores: Stores;
  queues: Queues;
}

function openSide(config: Config, role: 'api' | 'worker'): Side {
  const stores = openStores(config, role);
  return { stores, queues: createQueues(stores.queueConnection, stores.keys) };
}

/** A running process, for tests and for the signal handlers. */
export interface RunningProcess {
  config: Config;
  stores: Stores;
  queues: Queues;
  server: Server | null;
  workers: RunningWorkers | null;
  adminToken: string;
  /** Where others reach this process's API: PUBLIC_URL, else http://HOST:PORT as bound. */
  publicUrl: string;
  metrics: Metrics;
  /** Stops taking work, finishes or hands back what it holds, closes connections. */
  stop(): Promise<void>;
}

const SHUTDOWN_BUDGET_MS = 10_000;

/** Starts the API and/or the workers of one process with a validated config. */
export async function startProcess(
  config: Config,
  roles: ProcessRoles,
  log: Logger,
  options: ProcessOptions = {},
): Promise<RunningProcess> {
  // One set of connections per role: in a one-process install the API still fails fast
  // while the workers wait out a Redis outage.
  const sides = {
    worker: roles.workers ? openSide(config, 'worker') : null,
    api: roles.api ? openSide(config, 'api') : null,
  };
  const primary = (sides.worker ?? sides.api)!;
  const closeSides = async () => {
    for (const side of [sides.api, sides.worker]) {
      if (!side) continue;
      await side.queues.close();
      await side.stores.close();
    }
  };
  try {
    await waitForReady(primary.stores.redis, 15_000);
    if (sides.api && sides.api !== primary) await waitForReady(sides.api.stores.redis, 15_000);
  } catch {
    await closeSides();
    throw new Error(`Redis is not reachable at ${config.redisUrl}. Start Redis or set REDIS_URL.`);
  }
  const { stores, queues } = primary;
  try {
    await bootstrap(config, stores, queues, log);
  } catch (err) {
    await closeSides();
    throw err;
  }

  const adminToken = config.adminToken ?? (await stores.apiKeys.generatedAdminToken(randomBytes(24).toString('base64url')));
  const metrics = createMetrics();
  // One guarded HTTP client per process: every fetch, delivery and URL check goes through its Agent.
  const http = new GuardedClient({
    allowPrivate: config.allowPrivateNetworks,
    connectTimeoutMs: config.fetchConnectTimeoutMs,
    ...(options.addressPolicy ? { addressPolicy: options.addressPolicy } : {}),
  });
  const workers = sides.worker ? await startWorkers(config, sides.worker.stores, sides.worker.queues, log, metrics, http, options) : null;

  let server: Server | null = null;
  // Known for certain once the API is bound (PORT=0 picks a port); until then, the configured one.
  let publicUrl = publicUrlOf(config);
  let hub: StreamFollower | null = null;
  if (sides.api) {
    const apiStores = sides.api.stores;
    hub = openFollower(config, apiStores, log);
    const app = createApp(
      buildAppDeps({
        config,
        stores: apiStores,
        queues: sides.api.queues,
        log,
        metrics,
        http,
        follower: hub,
        sse: { ...defaultSseOptions, ...options.sse },
        extractionChild: { script: fileURLToPath(new URL('../../workers/extract-entities.ts', import.meta.url)), execArgv: ['--import', 'tsx'] },
        adminToken: () => adminToken,
        publicUrl: () => publicUrl,
      }),
    );
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.port, config.host, () => resolve(s));
      s.once('error', reject);
    });
    const address = server.address();
    publicUrl = publicUrlOf(config, typeof address === 'object' && address ? address.port : config.port);
  }

  // A worker-only process has no API to serve /metrics: it can expose its own on METRICS_PORT.
  let metricsServer: Server | null = null;
  if (!roles.api && config.metricsPort !== null) {
    metricsServer = createServer(async (req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
    });
    await new Promise<void>((resolve) => metricsServer!.listen(config.metricsPort!, config.host, resolve));
  }

  let stopping: Promise<void> | null = null;
  return {
    config,
    stores,
    queues,
    server,
    workers,
    adminToken,
    publicUrl,
    metrics,
    stop() {
      stopping ??= (async () => {
        if (server) {
          server.close();
          server.closeAllConnections();
        }
        metricsServer?.close();
        await hub?.close();
        if (workers) await workers.close();
        await closeSides();
        await http.close();
      })();
      return stopping;
    },
  };
}

/** Entry point of `npm start`, `start:api` and `start:worker`: config, logging, signals. */
export async function runProcess(roles: ProcessRoles): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${isAppError(err) ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const log = createLogger(config.logLevel, { role: roles.api && roles.workers ? 'all' : roles.api ? 'api' : 'worker' });
  let running: RunningProcess;
  try {
    running = await startProcess(config, roles, log);
  } catch (err) {
    log.fatal({ reason: err instanceof Error ? err.message : String(err) }, 'could not start');
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  if (running.workers) log.info({ pollConcurrency: config.pollConcurrency }, 'workers started');
  if (running.server) {
    const address = running.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    log.info({ host: config.host, port, publicUrl: running.publicUrl }, 'api listening');
    if (!config.adminToken) {
      // Printed for the person who ran `npm start`; never logged as a field.
      process.stdout.write(`\nAnchorwatch dashboard: ${running.publicUrl}/?access_token=${running.adminToken}\n\n`);
    }
  }
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ budgetMs: SHUTDOWN_BUDGET_MS }, 'shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_BUDGET_MS);
    timer.unref();
    running
      .stop()
      .then(() => process.exit(0))
      .catch((err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
