/** The app under test as child processes: the environment every benchmark gives it, and the wait for /readyz. */
import { setTimeout as sleep } from 'node:timers/promises';
import { assertAlive, type BenchChild } from './bench-child.ts';

/** Settings that let the app poll the benchmark's own feed servers on 127.0.0.x, and only when told. */
export const LOCAL_FEEDS_ENV = { ALLOW_PRIVATE_NETWORKS: 'true', POLL_INTERVAL_SECONDS: '3600' } as const;

/**
 * The app's environment for one run: this process's environment, then the run's Redis prefix,
 * a loopback port, the admin token, no feeds file and warn-level logs, then `extra`.
 */
export function appEnv(run: { redisUrl: string; prefix: string; port: number; adminToken: string }, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    REDIS_URL: run.redisUrl,
    REDIS_PREFIX: run.prefix,
    HOST: '127.0.0.1',
    PORT: String(run.port),
    ADMIN_TOKEN: run.adminToken,
    FEEDS_FILE: '',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Waits until GET /readyz answers 200; throws with the children's output if one exits or time runs out. */
export async function waitForReady(base: string, children: BenchChild[], timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    assertAlive(children);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the app did not become ready:\n${children.map((c) => c.tail.join('\n')).join('\n')}`);
    await sleep(everyMs);
  }
}
