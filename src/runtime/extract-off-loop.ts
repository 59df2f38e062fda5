import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AppError, ErrorCodes } from '../errors.ts';
import type { AnchorSource, Entity } from '../model/anchor.ts';

const SCRIPT = fileURLToPath(new URL('../../workers/extract-entities.ts', import.meta.url));
const TIMEOUT_MS = 60_000;

/**
 * Extracts entities in a short-lived child process: compromise can take a second or more on
 * a long piece, and the API process must keep answering meanwhile.
 */
export function extractEntitiesOffLoop(source: AnchorSource): Promise<Entity[]> {
  return new Promise((resolve, reject) => {
    const child = fork(SCRIPT, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new AppError(ErrorCodes.unavailable, 'Entity extraction took too long; try a shorter text.'));
    }, TIMEOUT_MS);
    let settled = false;
    child.once('message', (message: { entities?: Entity[]; error?: string }) => {
      settled = true;
      clearTimeout(timer);
      if (message.entities) resolve(message.entities);
      else reject(new Error(`entity extraction failed: ${message.error ?? 'unknown error'}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!settled) reject(new Error(`entity extraction process exited with ${code}: ${stderr.trim()}`));
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.send(source);
  });
}
