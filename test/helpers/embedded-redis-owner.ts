// A process that owns a private Redis, for the tests of workers/embedded-redis.ts: it starts (or
// takes over) one in the folder given, prints its pid and URL as one JSON line, then waits to be
// killed, or with `crash` dies of an uncaught error the way a failing start-up would.
import { startEmbeddedRedis } from '../../workers/embedded-redis.ts';

const [dir, mode = 'wait'] = process.argv.slice(2);
const redis = await startEmbeddedRedis({ dir: dir!, persist: false });
process.stdout.write(`${JSON.stringify({ pid: redis.pid, url: redis.url, reused: redis.reused })}\n`);
if (mode === 'crash') {
  setTimeout(() => {
    throw new Error('start-up failed on purpose');
  }, 50);
} else {
  setInterval(() => {}, 1 << 30);
}
