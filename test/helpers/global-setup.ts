import { Redis } from 'ioredis';

/** Fails the run with one clear line, not a stack trace, when Redis does not answer. */
export default async function setup(): Promise<void> {
  const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3000, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    process.stderr.write(`\nRedis is not reachable at ${url} (${reason}).\nStart Redis or set REDIS_URL, then run npm test again.\n\n`);
    process.exit(1);
  } finally {
    redis.disconnect();
  }
}
