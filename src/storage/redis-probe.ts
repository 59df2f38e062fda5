import { Redis } from 'ioredis';

/**
 * One-shot questions to a Redis that may not be there: whether anything answers at an address
 * (before a process decides to bring its own), and which server it is (so a private server left
 * behind by a killed run is recognised by its process id and data folder, and no other is ever
 * touched). Each opens one connection that never retries and closes it again.
 */

/** What answered: a ready Redis, a Redis that refuses for now (loading its data, or asking for a password), or nothing. */
export type RedisAnswer = 'ready' | 'busy' | 'down';

function probeConnection(url: string, timeoutMs: number): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  return redis;
}

/**
 * Asks once whether a Redis answers at `url`: PONG is ready; a connection that does not get PONG
 * (an error reply such as LOADING or NOAUTH, or no reply in time from a loaded server) is busy;
 * no connection at all is down. Only "down" means nothing is there to use.
 */
export async function probeRedis(url: string, timeoutMs = 2000): Promise<RedisAnswer> {
  const redis = probeConnection(url, timeoutMs);
  try {
    await redis.connect();
  } catch {
    redis.disconnect();
    return 'down';
  }
  try {
    return (await redis.ping()) === 'PONG' ? 'ready' : 'busy';
  } catch {
    return 'busy';
  } finally {
    redis.disconnect();
  }
}

/** Who a server is: its process id and its data folder (`CONFIG GET dir`, read only). */
export interface RedisIdentity {
  pid: number;
  dir: string;
}

/** The identity of the ready Redis at `url`, or null when none answers there. */
export async function redisIdentity(url: string, timeoutMs = 1000): Promise<RedisIdentity | null> {
  const redis = probeConnection(url, timeoutMs);
  try {
    await redis.connect();
    const info = await redis.info('server');
    const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
    const [, dir] = (await redis.config('GET', 'dir')) as [string, string];
    return Number.isInteger(pid) && dir ? { pid, dir } : null;
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}
