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

/** A connection as the composition root holds it (opened here; only storage uses its commands). */
export type RedisClient = Redis;

/** Whether the data store answers: /readyz and the error handler ask, without touching Redis themselves. */
export interface StoreHealth {
  /** Resolves when Redis answers a PING; rejects otherwise. */
  ping(): Promise<void>;
  /** True while the connection is up (judged by its state, never by an error's text). */
  ready(): boolean;
}

/** The health probe of one connection. */
export function healthOf(redis: Redis): StoreHealth {
  return {
    async ping() {
      await redis.ping();
    },
    ready: () => redis.status === 'ready',
  };
}

/** Closes connections: QUIT when up, else a plain disconnect (QUIT would wait for an absent Redis forever). */
export async function closeConnections(connections: Redis[]): Promise<void> {
  await Promise.allSettled(connections.map((c) => (c.status === 'ready' ? c.quit() : c.disconnect())));
}

/** Keeps a connection's error events from crashing the process: reconnection is automatic, and errors surface on the commands that fail. */
export function quietErrors(redis: Redis): Redis {
  redis.on('error', () => {});
  return redis;
}
