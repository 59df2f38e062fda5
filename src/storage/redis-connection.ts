import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * Two kinds of connection: workers wait for Redis through an outage (BullMQ needs
 * `maxRetriesPerRequest: null`), while the API fails fast so a request answers 503
 * instead of hanging while Redis is away.
 */
export type ConnectionRole = 'worker' | 'api';

/** Where Redis is: one server's URL, or a cluster's seed nodes (the URL then lends only scheme, user and password). */
export interface RedisTarget {
  url: string;
  clusterNodes: ReadonlyArray<{ host: string; port: number }> | null;
}

/**
 * A connection as the stores and BullMQ use it: one Redis, or an ioredis Cluster, which speaks
 * the same command API (it routes each command by its key's slot and follows MOVED/ASK), so
 * one type serves both; `isCluster` tells them apart where routing matters (see slot-batch.ts).
 */
export type RedisClient = Redis;

function roleOptions(role: ConnectionRole): RedisOptions {
  return role === 'worker'
    ? { maxRetriesPerRequest: null, enableReadyCheck: true }
    : {
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        connectTimeout: 2000,
        // Keep trying to come back, never more than every 2 s.
        retryStrategy: (times) => Math.min(times * 200, 2000),
      };
}

/** Opens an ioredis connection (or cluster client) for a role; the caller owns it and must quit it. */
export function createRedis(target: RedisTarget | string, role: ConnectionRole, extra: RedisOptions = {}): RedisClient {
  const { url, clusterNodes } = typeof target === 'string' ? { url: target, clusterNodes: null } : target;
  const options = { ...roleOptions(role), ...extra };
  if (!clusterNodes) return new Redis(url, options);
  return new Cluster([...clusterNodes], clusterOptions(url, options, role)) as unknown as RedisClient;
}

/**
 * Cluster client options: credentials and TLS from REDIS_URL, every command on the master of its
 * slot (a replica may lag behind a write just made), and the waits that carry a command over a
 * failover: CLUSTERDOWN and TRYAGAIN are retried, MOVED/ASK followed, and the slot map reloaded.
 */
function clusterOptions(url: string, options: RedisOptions, role: ConnectionRole): ClusterOptions {
  const parsed = new URL(url);
  const { retryStrategy, enableOfflineQueue, enableAutoPipelining: _perNode, ...nodeOptions } = options;
  const redisOptions: ClusterOptions['redisOptions'] = {
    ...nodeOptions,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  return {
    redisOptions,
    scaleReads: 'master',
    enableOfflineQueue: enableOfflineQueue ?? true,
    // No auto-pipelining: it picks a command's node by its first argument, which for a script
    // with a key count is that count. Commands sent together still overlap on each node's socket.
    enableAutoPipelining: false,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 200,
    retryDelayOnFailover: 200,
    retryDelayOnMoved: 0,
    // A worker's commands wait through a failover; the API's give up after a few redirections.
    maxRedirections: role === 'worker' ? 64 : 16,
    slotsRefreshTimeout: 2000,
    clusterRetryStrategy: retryStrategy ?? ((times) => Math.min(times * 200, 2000)),
  };
}

/** True when the client is an ioredis Cluster: keys of several slots may then not share a script, MULTI or pipeline. */
export function isCluster(redis: RedisClient): boolean {
  return (redis as { isCluster?: boolean }).isCluster === true;
}

/** Resolves once the connection is ready (or rejects after timeoutMs). */
export async function waitForReady(redis: RedisClient, timeoutMs = 10_000): Promise<void> {
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

/** Whether the data store answers: /readyz and the error handler ask, without touching Redis themselves. */
export interface StoreHealth {
  /** Resolves when Redis answers a PING; rejects otherwise. */
  ping(): Promise<void>;
  /** True while the connection is up (judged by its state, never by an error's text). */
  ready(): boolean;
}

/** The health probe of one connection. */
export function healthOf(redis: RedisClient): StoreHealth {
  return {
    async ping() {
      await redis.ping();
    },
    ready: () => redis.status === 'ready',
  };
}

/** Closes connections: QUIT when up, else a plain disconnect (QUIT would wait for an absent Redis forever). */
export async function closeConnections(connections: RedisClient[]): Promise<void> {
  await Promise.allSettled(connections.map((c) => (c.status === 'ready' ? c.quit() : c.disconnect())));
}

/** Keeps a connection's error events from crashing the process: reconnection is automatic, and errors surface on the commands that fail. */
export function quietErrors(redis: RedisClient): RedisClient {
  redis.on('error', () => {});
  return redis;
}
