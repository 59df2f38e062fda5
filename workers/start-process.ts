/**
 * The composition root: builds one process's connections, stores, queues, guarded HTTP
 * client and metrics once, and hands each part exactly what it uses. Nothing under src/
 * imports this folder. Exported for tests and benchmarks, which start processes here too.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { DeliveryChannels } from '../src/alerts/channels/channel.ts';
import { emailChannel } from '../src/alerts/channels/email-channel.ts';
import { webhookChannel } from '../src/alerts/channels/webhook-channel.ts';
import { createRequestListener } from '../src/api/create-app.ts';
import { destroyDetachedSockets } from '../src/api/detach-socket.ts';
import { defaultSseOptions, type SseOptions } from '../src/api/sse-session.ts';
import { publicUrlOf, type Config } from '../src/config.ts';
import { GuardedClient } from '../src/net/guarded-client.ts';
import { SmtpMailer } from '../src/net/smtp-mailer.ts';
import type { AddressPolicy } from '../src/net/ssrf-guard.ts';
import { createMetrics, type Metrics } from '../src/observability/metrics.ts';
import type { ExtractionChild } from '../src/pipeline/off-loop-extractor.ts';
import { createQueues, type Queues } from '../src/queue/queues.ts';
import { waitForReady } from '../src/storage/redis-connection.ts';
import type { StreamFollower } from '../src/storage/stream-follower.ts';
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

/** The stores and queues of one role. */
interface Side {
  stores: Stores;
  queues: Queues;
}

function openSide(config: Config, role: 'api' | 'worker'): Side {
  const stores = openStores(config, role);
  return { stores, queues: createQueues(stores.queueConnection, stores.keys) };
}

/**
 * The entity-extraction child, next to this file: compiled JavaScript in production, the
 * TypeScript source through tsx when this file itself runs as TypeScript (tests, benchmarks).
 */
function extractionChild(): ExtractionChild {
  const compiled = import.meta.url.endsWith('.js');
  return {
    script: fileURLToPath(new URL(compiled ? './extract-entities.js' : './extract-entities.ts', import.meta.url)),
    execArgv: compiled ? [] : ['--import', 'tsx'],
  };
}

/** Serves /metrics alone, for a worker-only process (it has no API to serve it). */
async function startMetricsServer(config: Config, metrics: Metrics, port: number): Promise<Server> {
  const server = createServer(async (req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
  });
  await new Promise<void>((resolve) => server.listen(port, config.host, resolve));
  return server;
}

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
    throw new Error(
      config.redisClusterNodes
        ? `The Redis Cluster is not reachable at ${config.redisClusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}. Start it or set REDIS_CLUSTER_NODES.`
        : `Redis is not reachable at ${config.redisUrl}. Start Redis or set REDIS_URL.`,
    );
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
  // The delivery channels of this process, by kind: a new channel is one more entry here.
  // One SMTP client per process (pooled connections), when a mail server is configured.
  const mail = config.smtpUrl ? new SmtpMailer(config.smtpUrl, config.mailFrom) : null;
  const channels: DeliveryChannels = { webhook: webhookChannel, email: emailChannel({ configured: mail !== null }) };
  // Known for certain once the API is bound (PORT=0 picks a port); until then, the configured one.
  let publicUrl = publicUrlOf(config);
  const io = { http, mail, channels, publicUrl: () => publicUrl };
  const workers = sides.worker ? await startWorkers(config, sides.worker.stores, sides.worker.queues, log, metrics, io, options) : null;

  let server: Server | null = null;
  let follower: StreamFollower | null = null;
  if (sides.api) {
    follower = openFollower(config, sides.api.stores, log);
    const listener = createRequestListener(
      buildAppDeps({
        config,
        stores: sides.api.stores,
        queues: sides.api.queues,
        log,
        metrics,
        http,
        channels,
        follower,
        sse: { ...defaultSseOptions, ...options.sse },
        extractionChild: extractionChild(),
        adminToken: () => adminToken,
        publicUrl: () => publicUrl,
      }),
    );
    server = await new Promise<Server>((resolve, reject) => {
      const s = createServer(listener).listen(config.port, config.host, () => resolve(s));
      s.once('error', reject);
    });
    const address = server.address();
    publicUrl = publicUrlOf(config, typeof address === 'object' && address ? address.port : config.port);
  }

  // A worker-only process has no API to serve /metrics: it can expose its own on METRICS_PORT.
  const metricsServer = !roles.api && config.metricsPort !== null ? await startMetricsServer(config, metrics, config.metricsPort) : null;

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
          // Event streams detached from node:http (the digest stream's fast path) end here.
          destroyDetachedSockets(server);
        }
        metricsServer?.close();
        await follower?.close();
        if (workers) await workers.close();
        await closeSides();
        await http.close();
        mail?.close();
      })();
      return stopping;
    },
  };
}
