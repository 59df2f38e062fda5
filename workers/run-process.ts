import { loadConfig, type Config } from '../src/config.ts';
import { isAppError } from '../src/errors.ts';
import { createLogger } from '../src/logger.ts';
import { startProcess, type ProcessRoles, type RunningProcess } from './start-process.ts';

const SHUTDOWN_BUDGET_MS = 10_000;

/** Entry point of `npm start`, `start:api` and `start:worker`: config, logging, signals, the printed dashboard URL. */
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
