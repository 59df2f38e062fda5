import path from 'node:path';
import { loadConfig, type Config } from '../src/config.ts';
import { isAppError } from '../src/errors.ts';
import { createLogger } from '../src/logger.ts';
import { probeRedis } from '../src/storage/redis-probe.ts';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.ts';
import { startProcess, type ProcessRoles, type RunningProcess } from './start-process.ts';

const SHUTDOWN_BUDGET_MS = 10_000;
/** Where `npm start` keeps the data of the Redis it brings along: relative to the folder it runs in, git-ignored. */
const OWN_REDIS_DIR = 'data/redis';
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

function messageOf(err: unknown): string {
  return isAppError(err) || err instanceof Error ? err.message : String(err);
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/**
 * `npm start` on a machine with no Redis: when REDIS_URL is not set and nothing answers at the
 * default address, a private Redis of its own (data under data/redis/, kept for the next start).
 * Null when a Redis answers, REDIS_URL names one, or REDIS_CLUSTER_NODES names a cluster (a
 * private single Redis can never stand in for a cluster).
 */
async function bringOwnRedis(config: Config): Promise<EmbeddedRedis | null> {
  if (config.redisClusterNodes || config.redisUrlSet || (await probeRedis(config.redisUrl)) !== 'down') return null;
  try {
    const redis = await startEmbeddedRedis({ dir: path.resolve(OWN_REDIS_DIR) });
    const which = redis.reused ? 'the private Redis an earlier run left running' : 'a private Redis';
    process.stdout.write(
      `No Redis answers at ${config.redisUrl}, so Anchorwatch runs ${which} at ${redis.url} with its data in ${redis.dir} ` +
        '(stopped with this process; set REDIS_URL to use another Redis).\n',
    );
    return redis;
  } catch (err) {
    fail(`Redis is not reachable at ${config.redisUrl}. ${messageOf(err)}`);
  }
}

/** Why a split process never brings its own Redis, added to its error when none answers. */
async function splitRoleNote(config: Config, roles: ProcessRoles): Promise<string> {
  if (config.redisClusterNodes || (roles.api && roles.workers) || (await probeRedis(config.redisUrl)) !== 'down') return '';
  const script = roles.api ? 'npm run start:api' : 'npm run start:worker';
  return (
    `\n${script} never starts a Redis of its own: the API and worker processes of a multi-process install must share one. ` +
    'Start Redis (or `docker compose up`) and point REDIS_URL at it; only `npm start`, everything in one process, brings a private Redis.'
  );
}

/** Entry point of `npm start`, `start:api` and `start:worker`: config, logging, the private Redis, signals, the printed dashboard URL. */
export async function runProcess(roles: ProcessRoles): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    fail(messageOf(err));
  }
  const log = createLogger(config.logLevel, { role: roles.api && roles.workers ? 'all' : roles.api ? 'api' : 'worker' });
  let ownRedis: EmbeddedRedis | null = null;
  let running: RunningProcess | null = null;
  let stopping = false;

  // Handled from the start, so a signal during start-up still stops the private Redis.
  const shutdown = (signal: string) => {
    if (stopping) {
      // A second signal does not wait: exit now (the private Redis gets its SIGTERM on the way out).
      log.warn({ signal }, 'shutting down at once');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ budgetMs: SHUTDOWN_BUDGET_MS }, 'shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_BUDGET_MS);
    timer.unref();
    const wasRunning = running !== null;
    (running ? running.stop() : Promise.resolve())
      .then(() => ownRedis?.stop())
      .then(() => process.exit(wasRunning ? 0 : 1))
      .catch((err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  for (const signal of SIGNALS) process.on(signal, () => shutdown(signal));

  if (roles.api && roles.workers) {
    ownRedis = await bringOwnRedis(config);
    if (ownRedis) config = Object.freeze({ ...config, redisUrl: ownRedis.url });
  }
  try {
    running = await startProcess(config, roles, log);
  } catch (err) {
    log.fatal({ reason: messageOf(err) }, 'could not start');
    const note = await splitRoleNote(config, roles);
    await ownRedis?.stop();
    fail(`${messageOf(err)}${note}`);
  }
  if (stopping) return;
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
}
