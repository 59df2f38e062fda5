/**
 * A real Redis Cluster of the test's (or benchmark's) own: `redis-server --cluster-enabled yes`
 * on free loopback ports, each node in a temporary folder with nothing kept on disk, joined by
 * `redis-cli --cluster create`. Nothing here is shared with the Redis of the rest of the run, so
 * key counts per master are the app's alone, and a failover disturbs no other suite.
 *
 * The servers are children of this process (not detached): a Ctrl-C reaches them too, and an
 * exit handler kills whatever stop() did not, so a test that fails or times out leaves none behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../bench/free-port.ts';

/** One server of the cluster. */
export interface ClusterNode {
  port: number;
  dir: string;
  proc: ChildProcess;
}

/** A node's place in the cluster now, as CLUSTER NODES says. */
export interface NodeRole {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** For a replica, the id of its master. */
  masterId: string | null;
  /** Slot ranges a master serves ("0-5460"). */
  slots: string[];
}

/** A started cluster. */
export interface RedisCluster {
  nodes: ClusterNode[];
  /** REDIS_CLUSTER_NODES for the app: every node as host:port, comma-separated. */
  seeds: string;
  /** The cluster's nodes and their roles now (asked of one node that answers). */
  topology(): Promise<NodeRole[]>;
  /** Ports of the masters now. */
  masterPorts(): Promise<number[]>;
  /** Keys on each master now (DBSIZE, or a SCAN count of keys matching `match`), by port. */
  keyCounts(match?: string): Promise<Map<number, number>>;
  /**
   * CLUSTER FAILOVER on a replica of the master at `masterPort` (a manual, coordinated failover:
   * the master stops taking writes until the replica has caught up), then waits until the roles
   * have swapped and every node reports cluster_state:ok. Returns the new master's port.
   */
  failover(masterPort: number, timeoutMs?: number): Promise<number>;
  /** One INFO section of every node, by port (for the benchmark's per-node figures). */
  info(section: string): Promise<Map<number, string>>;
  /** Kills every server and removes their folders; safe to call twice. */
  stop(): Promise<void>;
}

/** How to start one. */
export interface ClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** cluster-node-timeout: how soon a node that stops answering counts as failing. */
  nodeTimeoutMs?: number;
  /** How long the whole start may take (a loaded machine is slow to fork six servers). */
  readyTimeoutMs?: number;
  /** Extra redis-server arguments for every node. */
  extraArgs?: string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous on the way out: a crash or process.exit() in the middle of a test still ends the servers.
  process.once('exit', () => {
    for (const proc of running) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
}

/** Whether redis-server and redis-cli are on the PATH (the cluster suites need both). */
export function clusterToolsPresent(): boolean {
  const found = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() !== '';
  return found('redis-server') && found('redis-cli');
}

/** A short-lived client to one node: never retries, never follows redirections. */
function nodeClient(port: number): Redis {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000, enableOfflineQueue: false });
  client.on('error', () => {});
  return client;
}

async function withNode<T>(port: number, work: (c: Redis) => Promise<T>): Promise<T> {
  const client = nodeClient(port);
  try {
    await client.connect();
    return await work(client);
  } finally {
    client.disconnect();
  }
}

function logTail(dir: string, lines = 8): string {
  try {
    return readFileSync(path.join(dir, 'redis.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Parses CLUSTER NODES. */
export function parseClusterNodes(text: string): NodeRole[] {
  const out: NodeRole[] = [];
  for (const line of text.trim().split('\n')) {
    const f = line.trim().split(' ');
    if (f.length < 8) continue;
    const flags = f[2]!.split(',');
    if (flags.includes('fail') || flags.includes('noaddr')) continue;
    const port = Number(/:(\d+)@/.exec(f[1]!)?.[1] ?? NaN);
    out.push({
      id: f[0]!,
      port,
      role: flags.includes('master') ? 'master' : 'replica',
      masterId: f[3] === '-' ? null : f[3]!,
      slots: f.slice(8).filter((s) => !s.startsWith('[')),
    });
  }
  return out.sort((a, b) => a.port - b.port);
}

/** Starts one node on fresh ports; resolves once it answers PING. */
async function startNode(opts: Required<ClusterOptions>): Promise<ClusterNode> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const busPort = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'aw-cluster-'));
    const args = [
      '--port', String(port),
      '--cluster-port', String(busPort),
      '--bind', '127.0.0.1',
      '--cluster-enabled', 'yes',
      '--cluster-config-file', 'nodes.conf',
      '--cluster-node-timeout', String(opts.nodeTimeoutMs),
      '--dir', dir,
      '--logfile', path.join(dir, 'redis.log'),
      '--daemonize', 'no',
      '--save', '',
      '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction',
      ...opts.extraArgs,
    ];
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    const deadline = Date.now() + 20_000;
    let up = false;
    while (proc.exitCode === null && Date.now() < deadline) {
      up = await withNode(port, async (c) => (await c.ping()) === 'PONG').catch(() => false);
      if (up) break;
      await sleep(100);
    }
    if (up) return { port, dir, proc };
    const tail = logTail(dir);
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    // Another program may take a free port between our look and the server's bind.
    if (/in use/i.test(tail) && attempt < 4) continue;
    throw new Error(`redis-server --cluster-enabled on port ${port} did not start${tail ? `; its log ends:\n${tail}` : ''}`);
  }
}

function fields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/**
 * True when every node says cluster_state:ok, all agree on the masters and their slots, and
 * every replica's link to its master is up (a replica still syncing cannot take over).
 */
async function settled(ports: number[], masters: number): Promise<boolean> {
  const views: string[] = [];
  for (const port of ports) {
    const ok = await withNode(port, async (c) => {
      if (fields(await c.cluster('INFO') as string).cluster_state !== 'ok') return false;
      const nodes = parseClusterNodes(await c.cluster('NODES') as string);
      const ms = nodes.filter((n) => n.role === 'master' && n.slots.length > 0);
      if (ms.length !== masters || nodes.length !== ports.length) return false;
      views.push(ms.map((m) => `${m.port}=${m.slots.join(',')}`).join(' '));
      const role = fields(await c.info('replication'));
      return role.role === 'master' || role.master_link_status === 'up';
    }).catch(() => false);
    if (!ok) return false;
  }
  return new Set(views).size === 1;
}

async function waitSettled(ports: number[], masters: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await settled(ports, masters))) {
    if (Date.now() > deadline) throw new Error(`the cluster did not settle (${what}) within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Starts a cluster of `masters` masters with `replicasPerMaster` replicas each, ready for clients. */
export async function startRedisCluster(options: ClusterOptions = {}): Promise<RedisCluster> {
  const opts: Required<ClusterOptions> = { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000, readyTimeoutMs: 90_000, extraArgs: [], ...options };
  installExitHook();
  const nodes: ClusterNode[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(
      nodes.map(async (n) => {
        if (n.proc.exitCode === null && n.proc.signalCode === null) {
          const gone = new Promise<void>((resolve) => n.proc.once('exit', () => resolve()));
          n.proc.kill('SIGKILL');
          await gone;
        }
        rmSync(n.dir, { recursive: true, force: true });
      }),
    );
  };
  try {
    const total = opts.masters * (1 + opts.replicasPerMaster);
    // One after another: six forks at once on a loaded two-core machine only time each other out.
    for (let i = 0; i < total; i++) nodes.push(await startNode(opts));
    const ports = nodes.map((n) => n.port);
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(opts.replicasPerMaster), '--cluster-yes'],
      { encoding: 'utf8', timeout: opts.readyTimeoutMs },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed (${create.status}):\n${create.stdout}\n${create.stderr}`);
    await waitSettled(ports, opts.masters, opts.readyTimeoutMs, 'after create');
  } catch (err) {
    await stop();
    throw err;
  }

  const ports = nodes.map((n) => n.port);
  const topology = async (): Promise<NodeRole[]> => {
    for (const port of ports) {
      const text = await withNode(port, (c) => c.cluster('NODES') as Promise<string>).catch(() => null);
      if (text) return parseClusterNodes(text);
    }
    throw new Error('no node of the cluster answers');
  };
  const masterPorts = async () => (await topology()).filter((n) => n.role === 'master' && n.slots.length > 0).map((n) => n.port);

  return {
    nodes,
    seeds: ports.map((p) => `127.0.0.1:${p}`).join(','),
    topology,
    masterPorts,
    async keyCounts(match) {
      const out = new Map<number, number>();
      for (const port of await masterPorts()) {
        const n = await withNode(port, async (c) => {
          if (!match) return c.dbsize();
          let count = 0;
          let cursor = '0';
          do {
            const [next, keys] = await c.scan(cursor, 'MATCH', match, 'COUNT', 1000);
            cursor = next;
            count += keys.length;
          } while (cursor !== '0');
          return count;
        });
        out.set(port, n);
      }
      return out;
    },
    async failover(masterPort, timeoutMs = 60_000) {
      const before = await topology();
      const master = before.find((n) => n.port === masterPort && n.role === 'master');
      if (!master) throw new Error(`${masterPort} is not a master of the cluster`);
      const replica = before.find((n) => n.role === 'replica' && n.masterId === master.id);
      if (!replica) throw new Error(`the master at ${masterPort} has no replica`);
      const deadline = Date.now() + timeoutMs;
      // A manual failover that does not complete within cluster-node-timeout is abandoned by the
      // replica: ask again until the roles have swapped.
      let asked = 0;
      for (;;) {
        const roles = await Promise.all(
          [replica.port, masterPort].map((p) => withNode(p, async (c) => fields(await c.info('replication')).role).catch(() => null)),
        );
        if (roles[0] === 'master' && roles[1] === 'slave') break;
        if (Date.now() > deadline) throw new Error(`failover of ${masterPort} to ${replica.port} did not complete within ${timeoutMs} ms (roles ${roles.join('/')})`);
        if (asked === 0 || Date.now() - asked > opts.nodeTimeoutMs * 2) {
          await withNode(replica.port, (c) => c.cluster('FAILOVER')).catch(() => null);
          asked = Date.now();
        }
        await sleep(100);
      }
      await waitSettled(ports, opts.masters, Math.max(5000, deadline - Date.now()), `after the failover of ${masterPort}`);
      return replica.port;
    },
    async info(section) {
      const out = new Map<number, string>();
      for (const port of ports) out.set(port, await withNode(port, (c) => c.info(section)));
      return out;
    },
    stop,
  };
}
