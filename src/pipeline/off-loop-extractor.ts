import { fork } from 'node:child_process';
import { AppError, ErrorCodes } from '../errors.ts';
import type { AnchorSource, Entity } from '../model/anchor.ts';

/** The extraction child the composition root names: its script and the Node flags to run it with. */
export interface ExtractionChild {
  /** Path of the child's entry point (workers/extract-entities: .js when compiled, .ts under tsx in tests). */
  script: string;
  execArgv: string[];
}

const TIMEOUT_MS = 60_000;

/**
 * An extractor that runs compromise in a short-lived child process: it can take a second or
 * more on a long piece, and the API process must keep answering meanwhile.
 */
export function offLoopExtractor(child: ExtractionChild): (source: AnchorSource) => Promise<Entity[]> {
  return (source) =>
    new Promise((resolve, reject) => {
      const proc = fork(child.script, [], { execArgv: child.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      let stderr = '';
      proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new AppError(ErrorCodes.unavailable, 'Entity extraction took too long; try a shorter text.'));
      }, TIMEOUT_MS);
      let settled = false;
      proc.once('message', (message: { entities?: Entity[]; error?: string }) => {
        settled = true;
        clearTimeout(timer);
        if (message.entities) resolve(message.entities);
        else reject(new Error(`entity extraction failed: ${message.error ?? 'unknown error'}`));
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        if (!settled) reject(new Error(`entity extraction process exited with ${code}: ${stderr.trim()}`));
      });
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      proc.send(source);
    });
}
