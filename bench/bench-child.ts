/** Child processes of a benchmark (the app, the feed farm, SSE clients): spawned, watched, stopped. */
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from './project-root.ts';

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

/** Throws with the child's last output when any of them has exited. */
export function assertAlive(children: BenchChild[]): void {
  for (const c of children) {
    if (c.exited) throw new Error(`${c.name} exited early (code ${c.proc.exitCode}):\n${c.tail.join('\n')}`);
  }
}
