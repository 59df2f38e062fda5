/** Small helpers the benchmarks share: child processes, ports, admin API calls, Redis INFO, timing. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: children run from here so relative paths (config/anchors) resolve. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A child process of a benchmark, with the last lines it printed for error messages. */
export interface BenchChild {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** Last lines of output, for the error message when it dies. */
  tail: string[];
  /** Log lines at warn level or above. */
  warnings: number;
  exited: boolean;
}

/**
 * Runs a TypeScript entry point as `node --import tsx FILE` (not the tsx CLI, which forks
 * again), so the pid we watch is the process doing the work.
 */
export function spawnBenchChild(name: string, file: string, env: NodeJS.ProcessEnv, opts: { nodeArgs?: string[]; ipc?: boolean } = {}): BenchChild {
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', file], {
    cwd: ROOT,
    env,
    stdio: opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const child: BenchChild = { name, proc, pid: proc.pid!, tail: [], warnings: 0, exited: false };
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      if (/"level":(40|50|60)/.test(line)) child.warnings++;
      child.tail.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
      if (child.tail.length > 30) child.tail.shift();
    }
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  proc.once('exit', () => {
    child.exited = true;
  });
  return child;
}

/** Stops a child: an IPC `stop` message where it listens for one, else SIGTERM; SIGKILL after 15 s. */
export async function stopBenchChild(child: BenchChild): Promise<void> {
  if (child.exited) return;
  const exited = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
  if (child.proc.connected) child.proc.send({ type: 'stop' });
  else child.proc.kill('SIGTERM');
  const term = setTimeout(() => child.proc.kill('SIGTERM'), 3000);
  const kill = setTimeout(() => child.proc.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(term);
  clearTimeout(kill);
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Calls the app's API with a bearer token; the body is JSON when there is one. */
export async function callApi(base: string, token: string, method: string, route: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/** The `name:value` fields of a Redis INFO answer. */
export function infoFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Seconds a synchronous function takes. */
export function timeIt(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
