import { spawn, type ChildProcess } from 'node:child_process';

/** A real Anchorwatch process (npm start / start:api / start:worker), for lifecycle tests. */
export interface AppProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves when a log line matches. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code, the signal and when it exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const spawned = new Set<ChildProcess>();

/** Kills every process spawnApp started that is still running (for afterAll: a timed-out test never reaches its finally). */
export function killAllApps(): void {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  spawned.clear();
}

/**
 * Starts `workers/ENTRY.ts` under Node with tsx and the given environment, or with `compiled`
 * the production form: `node dist/workers/ENTRY.js` (after `npm run build`).
 */
export function spawnApp(entry: 'all' | 'api' | 'worker', env: Record<string, string>, opts: { compiled?: boolean } = {}): AppProcess {
  const args = opts.compiled ? [`dist/workers/${entry}.js`] : ['--import', 'tsx', `workers/${entry}.ts`];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.add(child);
  child.once('exit', () => spawned.delete(child));
  let out = '';
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return {
    child,
    output: () => out,
    exited,
    async waitForOutput(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (Date.now() > deadline) throw new Error(`no output matching ${pattern} within ${timeoutMs} ms; got:\n${out.slice(-2000)}`);
        if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before ${pattern}:\n${out.slice(-2000)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
  };
}
