/** Start-up of the feed farm (bench/feed-farm.ts) as a child process, for the ingest and latency benchmarks. */
import { spawnBenchChild, stopBenchChild, type BenchChild } from './bench-child.ts';

/** What the farm says on its first stdout line once every address listens. */
export interface FarmInfo {
  hosts: Array<{ host: string; port: number }>;
  feeds: number;
  itemsPerFeed: number;
  paths: string[];
  totalBytes: number;
  mentionShare: number;
}

/** A running feed farm: its child, what it announced, and the URL of every feed (spread over its hosts). */
export interface FeedFarm {
  child: BenchChild;
  info: FarmInfo;
  urls: string[];
}

/**
 * Spawns the farm with `env` (FARM_FEEDS, FARM_ITEMS, FARM_HOSTS, FARM_SEED) and waits for its
 * ready line; rejects with its last output (and stops it) if it exits or says nothing within
 * `timeoutMs`.
 */
export async function startFeedFarm(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<FeedFarm> {
  const child = spawnBenchChild('feed farm', 'bench/feed-farm.ts', env);
  const ready = new Promise<FarmInfo>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`feed farm did not start:\n${child.tail.join('\n')}`)), timeoutMs);
    child.proc.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buffer.slice(0, nl)) as FarmInfo);
      } catch {
        reject(new Error(`feed farm said: ${buffer.slice(0, 300)}`));
      }
    });
    child.proc.once('exit', () => reject(new Error(`feed farm exited:\n${child.tail.join('\n')}`)));
  });
  let info: FarmInfo;
  try {
    info = await ready;
  } catch (err) {
    await stopBenchChild(child);
    throw err;
  }
  const urls = info.paths.map((p, i) => {
    const h = info.hosts[i % info.hosts.length]!;
    return `http://${h.host}:${h.port}${p}`;
  });
  return { child, info, urls };
}
