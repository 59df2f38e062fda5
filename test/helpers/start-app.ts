import type { Logger } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startProcess, type ProcessOptions, type ProcessRoles, type RunningProcess } from '../../workers/start-process.ts';
import { dropPrefix, testRedisUrl } from './redis-prefix.ts';

/** 127.0.0.1 plays "the public internet" in tests; every other private address stays refused. */
export const loopbackIsPublic = (ip: string) => ip === '127.0.0.1';

/** A started process under a unique prefix, with helpers to call its API. */
export interface TestApp {
  running: RunningProcess;
  base: string;
  token: string;
  log: Logger;
  api(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  json<T = any>(path: string, init?: RequestInit & { token?: string | null }): Promise<{ status: number; body: T; headers: Headers }>;
  stop(): Promise<void>;
}

/** Starts API and/or workers on a port of their own against the test Redis. */
export async function startTestApp(
  prefix: string,
  env: Record<string, string> = {},
  roles: ProcessRoles = { api: true, workers: true },
  options: ProcessOptions = {},
): Promise<TestApp> {
  const config = loadConfig({
    REDIS_URL: testRedisUrl,
    REDIS_PREFIX: prefix,
    PORT: '0',
    ADMIN_TOKEN: 'test-admin-token-0123456789',
    FEEDS_FILE: '',
    ANCHORS_DIR: 'config/anchors',
    LOG_LEVEL: 'silent',
    POLL_INTERVAL_SECONDS: '300',
    FETCH_TOTAL_TIMEOUT_MS: '5000',
    ...env,
  });
  const log = createLogger(config.logLevel);
  const running = await startProcess(config, roles, log, { addressPolicy: loopbackIsPublic, tickMs: 200, ...options });
  const address = running.server?.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const base = `http://127.0.0.1:${port}`;
  const api: TestApp['api'] = (path, init = {}) => {
    const { token = running.adminToken, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (rest.body && typeof rest.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
    return fetch(`${base}${path}`, { ...rest, headers });
  };
  return {
    running,
    base,
    token: running.adminToken,
    log,
    api,
    async json(path, init) {
      const res = await api(path, init);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
    },
    async stop() {
      await running.stop();
      await dropPrefix(prefix);
    },
  };
}

/** Polls `check` until it returns a truthy value or the time is up. */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`waitFor timed out${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
