/** The Redis the benchmarks use: REDIS_URL, else the local default. */
export const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
