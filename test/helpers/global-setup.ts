import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isAppError } from '../../src/errors.ts';
import { probeRedis } from '../../src/storage/redis-probe.ts';
import { startEmbeddedRedis, stopLeftBehind } from '../../workers/embedded-redis.ts';

const DEFAULT_URL = 'redis://127.0.0.1:6379';
/** Each run's private Redis has a folder of its own here (git-ignored); runs side by side never share one. */
const PRIVATE_ROOT = 'test/.tmp';
const PRIVATE_PREFIX = 'redis-';

function fail(message: string): never {
  process.stderr.write(`\n${message}\n\n`);
  process.exit(1);
}

/** Stops the private Redis servers of earlier runs that were killed before their teardown, and removes their folders. */
async function clearLeftBehind(): Promise<void> {
  let names: string[] = [];
  try {
    names = readdirSync(PRIVATE_ROOT).filter((n) => n.startsWith(PRIVATE_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(PRIVATE_ROOT, name);
    if (await stopLeftBehind(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The Redis of the test run. REDIS_URL when set (a clear line, not a stack trace, when it does
 * not answer); else the default address; else, like `npm start`, a private redis-server for
 * the run, stopped after it. Its URL goes into process.env.REDIS_URL here, in the main process,
 * before any test worker is started: workers inherit it (test/helpers/redis-prefix.ts reads it as
 * testRedisUrl), and so does every process a test spawns.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.REDIS_URL;
  const url = given || DEFAULT_URL;
  const answer = await probeRedis(url, 10_000);
  if (answer === 'ready') return undefined;
  if (given || answer === 'busy') {
    fail(`Redis is not reachable at ${url} (${answer === 'busy' ? 'it refuses commands' : 'nothing answers'}).\nStart Redis or set REDIS_URL, then run npm test again.`);
  }
  await clearLeftBehind();
  const dir = path.join(PRIVATE_ROOT, `${PRIVATE_PREFIX}${process.pid}`);
  let redis;
  try {
    redis = await startEmbeddedRedis({ dir, persist: false });
  } catch (err) {
    fail(`Redis is not reachable at ${url}. ${isAppError(err) ? err.message : String(err)}`);
  }
  process.env.REDIS_URL = redis.url;
  process.stdout.write(`No Redis answers at ${url}: the tests use a private one at ${redis.url} (data in ${redis.dir}, stopped after the run).\n`);
  return async () => {
    await redis.stop();
    rmSync(redis.dir, { recursive: true, force: true });
  };
}
