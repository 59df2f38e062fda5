import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A machine with Node and redis-server but no Redis running: a network namespace of its own
// (`unshare -n`, loopback up), where nothing answers on 127.0.0.1:6379. The machine's own Redis is
// not reachable from inside, which is the point. `npm start` runs from a copy of the checkout
// (its own data/redis/), with no REDIS_URL, as a newcomer would run it.
const exec = promisify(execFile);
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
const redisServer = has('redis-server');
const nsenter = has('nsenter');
const canUnshare = Boolean(nsenter) && spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0;
const skipReason = !canUnshare
  ? 'unshare -n (root, util-linux, iproute2) is not available'
  : !redisServer
    ? 'redis-server is not installed (apt-get install redis-server)'
    : null;
if (skipReason) process.stderr.write(`fresh-machine.test.ts: ${skipReason}; the fresh-machine tests are skipped.\n`);

const source = process.cwd();
const SKIP = new Set(['node_modules', '.git', 'data', 'dist.lock', 'coverage', join('test', '.tmp'), join('bench', 'results')]);
const LINE = /No Redis answers at redis:\/\/127\.0\.0\.1:6379, so Anchorwatch runs (a private Redis|the private Redis an earlier run left running) at (redis:\/\/127\.0\.0\.1:\d+) with its data in (\S+) /;

let root = '';
let copy = '';
let dataDir = '';
let namespace: ChildProcess | null = null;
const started: ChildProcess[] = [];

/** A command inside the namespace (nsenter execs it: the child's pid is the command's). */
function inNamespace(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; detached?: boolean } = {}): ChildProcess {
  const child = spawn(nsenter, ['-t', String(namespace!.pid), '-n', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  started.push(child);
  return child;
}

/** The environment of a newcomer's shell: no REDIS_URL, nothing of the test run's. */
function newcomerEnv(path = process.env.PATH ?? ''): NodeJS.ProcessEnv {
  return { PATH: path, HOME: process.env.HOME ?? root, LANG: 'C.UTF-8', npm_config_update_notifier: 'false' };
}

/** A GET inside the namespace. */
async function get(url: string, token?: string): Promise<{ status: number; body: string }> {
  const script =
    "const [url, token] = process.argv.slice(1); fetch(url, { headers: token ? { authorization: 'Bearer ' + token } : {} })" +
    '.then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })), (e) => console.log(JSON.stringify({ status: 0, body: String(e) })))';
  const { stdout } = await exec(nsenter, ['-t', String(namespace!.pid), '-n', process.execPath, '-e', script, url, ...(token ? [token] : [])]);
  return JSON.parse(stdout) as { status: number; body: string };
}

/** Processes whose working folder passes `where` (and whose command is `comm`, when given). */
function processesWorkingIn(where: (cwd: string) => boolean, comm?: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if ((comm === undefined || readFileSync(`/proc/${name}/comm`, 'utf8').trim() === comm) && where(readlinkSync(`/proc/${name}/cwd`))) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Every redis-server process whose working folder is `dir` (Redis works in its data folder). */
function redisServersIn(dir: string): number[] {
  return processesWorkingIn((cwd) => cwd === dir, 'redis-server');
}

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(child: ChildProcess): Run {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

/** `npm start` in the copy, inside the namespace; resolves once /readyz answers 200 and the default anchor is served (60 s at most). */
async function npmStart(opts: { detached?: boolean } = {}): Promise<Run & { token: string; redisUrl: string; line: string; readyMs: number }> {
  const t0 = Date.now();
  const app = run(inNamespace('npm', ['start'], { cwd: copy, env: newcomerEnv(), detached: opts.detached }));
  const deadline = t0 + 60_000;
  let token = '';
  for (;;) {
    if (Date.now() > deadline) throw new Error(`not ready within 60 s:\n${app.output().slice(-3000)}`);
    if (app.child.exitCode !== null) throw new Error(`npm start exited (${app.child.exitCode}):\n${app.output().slice(-3000)}`);
    token = /access_token=(\S+)/.exec(app.output())?.[1] ?? '';
    if (token && (await get('http://127.0.0.1:3000/readyz')).status === 200) {
      const anchor = await get('http://127.0.0.1:3000/api/anchors/muscat-talks', token);
      if (anchor.status === 200) {
        const body = JSON.parse(anchor.body) as { id: string; entities: Array<{ key: string }> };
        expect(body.id).toBe('muscat-talks');
        expect(body.entities.map((e) => e.key)).toContain('muscat');
        break;
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const readyMs = Date.now() - t0;
  const match = LINE.exec(app.output());
  expect(match, app.output().slice(-3000)).not.toBeNull();
  return { ...app, token, redisUrl: match![2]!, line: match![0]!, readyMs };
}

function recordedPid(): number {
  return (JSON.parse(readFileSync(join(dataDir, 'embedded-redis.json'), 'utf8')) as { pid: number }).pid;
}

beforeAll(async () => {
  if (skipReason) return;
  // The copy runs the compiled code as `npm start` would after a build: build here (skipped when
  // up to date), copy, and mark the copy's build as newer than its inputs.
  await exec(process.execPath, ['scripts/build.mjs'], { timeout: 240_000 });
  root = mkdtempSync(join(tmpdir(), 'aw-fresh-'));
  copy = join(root, 'anchorwatch');
  cpSync(source, copy, { recursive: true, preserveTimestamps: true, filter: (from) => !SKIP.has(relative(source, from)) });
  symlinkSync(join(source, 'node_modules'), join(copy, 'node_modules'));
  const now = new Date();
  utimesSync(join(copy, 'dist', '.built'), now, now);
  dataDir = join(realpathSync(copy), 'data', 'redis');
  namespace = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec sleep 86400'], { stdio: 'ignore' });
  const own = readlinkSync('/proc/self/ns/net');
  const deadline = Date.now() + 10_000;
  // Entered once `sh` has set the loopback up and become `sleep`.
  while (!(readlinkSync(`/proc/${namespace.pid}/ns/net`) !== own && readFileSync(`/proc/${namespace.pid}/comm`, 'utf8').trim() === 'sleep')) {
    if (Date.now() > deadline) throw new Error('the network namespace did not come up');
    await new Promise((r) => setTimeout(r, 20));
  }
  const connect = "require('node:net').connect(6379, '127.0.0.1').on('connect', () => { console.log('open'); process.exit(0); }).on('error', (e) => console.log(e.code))";
  const { stdout } = await exec(nsenter, ['-t', String(namespace.pid), '-n', process.execPath, '-e', connect]);
  expect(stdout.trim(), 'nothing may listen on 127.0.0.1:6379 inside the namespace').toBe('ECONNREFUSED');
}, 300_000);

afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  // Only servers working in the copy's folders are ever stopped here.
  if (dataDir) for (const pid of redisServersIn(dataDir)) process.kill(pid, 'SIGKILL');
  // Killing npm does not kill the app it started: an app left running here (a failed or timed-out
  // test) would outlive the run and confuse the next one's private-Redis checks. Everything that
  // works in the copy is this file's own.
  const copyRoot = root ? realpathSync(root) : '';
  if (copyRoot) for (const pid of processesWorkingIn((cwd) => cwd === copyRoot || cwd.startsWith(`${copyRoot}/`))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  namespace?.kill('SIGKILL');
  if (root) rmSync(root, { recursive: true, force: true });
});

describe.skipIf(skipReason)('a fresh machine: Node and redis-server, no Redis running', () => {
  let firstToken = '';

  it('npm start with no REDIS_URL brings a private Redis (one line says where its data lives), serves /readyz and the default anchor, and SIGTERM leaves no redis-server', async () => {
    expect(existsSync(dataDir)).toBe(false);
    const app = await npmStart();
    console.log(`fresh machine: first npm start ready (/readyz 200, default anchor) in ${app.readyMs} ms`);
    expect(app.line).toContain(`a private Redis at ${app.redisUrl} with its data in ${dataDir} `);
    expect(app.output().match(/No Redis answers at/g)).toHaveLength(1);
    const pid = recordedPid();
    expect(redisServersIn(dataDir)).toEqual([pid]);
    expect(existsSync(join(dataDir, 'appendonlydir'))).toBe(true);
    firstToken = app.token;
    app.child.kill('SIGTERM');
    expect((await app.exited).code).toBe(0);
    expect(redisServersIn(dataDir)).toEqual([]);
  }, 120_000);

  it('a later npm start reuses the data (the generated admin token is still there) and again stops its Redis on SIGTERM', async () => {
    for (let i = 0; i < 2; i++) {
      const app = await npmStart();
      console.log(`fresh machine: later npm start ready in ${app.readyMs} ms`);
      expect(app.line).toContain('runs a private Redis at');
      expect(app.token).toBe(firstToken);
      app.child.kill('SIGTERM');
      expect((await app.exited).code).toBe(0);
      expect(redisServersIn(dataDir)).toEqual([]);
    }
  }, 180_000);

  it('a run killed with SIGKILL leaves its Redis; the next npm start finds it, takes it over and stops it on SIGTERM', async () => {
    const killed = await npmStart({ detached: true });
    const pid = recordedPid();
    // npm and the app die at once, with no chance to stop anything; the server lives in a group of its own.
    process.kill(-killed.child.pid!, 'SIGKILL');
    await killed.exited;
    await new Promise((r) => setTimeout(r, 500));
    expect(redisServersIn(dataDir)).toEqual([pid]);
    const next = await npmStart();
    expect(next.line).toContain(`the private Redis an earlier run left running at ${killed.redisUrl}`);
    expect(recordedPid()).toBe(pid);
    expect(next.token).toBe(firstToken);
    next.child.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
    expect(redisServersIn(dataDir)).toEqual([]);
  }, 180_000);

  it('without redis-server on the PATH, npm start names the commands that install it and docker compose up, with no stack trace', async () => {
    const bin = join(root, 'bin-without-redis');
    mkdirSync(bin, { recursive: true });
    for (const tool of ['node', 'npm', 'sh']) symlinkSync(realpathSync(has(tool)), join(bin, tool));
    const app = run(inNamespace('npm', ['start'], { cwd: copy, env: newcomerEnv(bin) }));
    const { code } = await app.exited;
    const out = app.output();
    expect(code, out).not.toBe(0);
    expect(out).toContain('Redis is not reachable at redis://127.0.0.1:6379');
    expect(out).toContain('apt-get install redis-server');
    expect(out).toContain('brew install redis');
    expect(out).toContain('docker compose up');
    expect(out).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(redisServersIn(dataDir)).toEqual([]);
  }, 120_000);

  it('npm run start:api and start:worker never start a Redis of their own, and say so', async () => {
    const runs = ['start:api', 'start:worker'].map((script) => run(inNamespace('npm', ['run', script], { cwd: copy, env: newcomerEnv() })));
    for (const [i, app] of runs.entries()) {
      const { code } = await app.exited;
      const out = app.output();
      expect(code, out).not.toBe(0);
      expect(out).toContain('Redis is not reachable at redis://127.0.0.1:6379');
      expect(out).toContain(`npm run ${i === 0 ? 'start:api' : 'start:worker'} never starts a Redis of its own`);
      expect(out).not.toContain('No Redis answers at');
    }
    expect(redisServersIn(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'embedded-redis.json'))).toBe(false);
  }, 120_000);

  it('npm test brings a private Redis for the run (tests in process, and processes they spawn, use it) and stops it after', async () => {
    // A part of the suite that reaches Redis every way the suite does: through testRedisUrl in the
    // test worker and through REDIS_URL inherited by a spawned app process.
    const files = ['src/storage/alert-store.test.ts', 'test/production-build.test.ts'];
    const suite = run(inNamespace('npm', ['test', '--', ...files], { cwd: copy, env: newcomerEnv() }));
    const { code } = await suite.exited;
    // eslint-disable-next-line no-control-regex
    const out = suite.output().replace(/\x1b\[[0-9;]*m/g, '');
    expect(code, out.slice(-4000)).toBe(0);
    const match = /No Redis answers at redis:\/\/127\.0\.0\.1:6379: the tests use a private one at redis:\/\/127\.0\.0\.1:\d+ \(data in (\S+), stopped after the run\)/.exec(out);
    expect(match, out.slice(-4000)).not.toBeNull();
    expect(out).toMatch(/Test Files\s+2 passed/);
    expect(existsSync(match![1]!)).toBe(false);
    expect(redisServersIn(match![1]!)).toEqual([]);
  }, 300_000);
});
