import { Redis, type RedisOptions } from 'ioredis';

/**
 * Two kinds of connection: workers wait for Redis through an outage (BullMQ needs
 * `maxRetriesPerRequest: null`), while the API fails fast so a request answers 503
 * instead of hanging while Redis is away.
 */
export type ConnectionRole = 'worker' | 'api';

/** Opens an ioredis connection for a role; the caller owns it and must quit it. */
export function createRedis(url: string, role: ConnectionRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          connectTimeout: 2000,
          // Keep trying to come back, never more than every 2 s.
          retryStrategy: (times) => Math.min(times * 200, 2000),
        };
  return new Redis(url, { ...options, ...extra });
}

/** Resolves once the connection is ready (or rejects after timeoutMs). */
export async function waitForReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
