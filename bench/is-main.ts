/** Lets a benchmark file run on its own (`tsx bench/NAME.ts`) as well as through bench/run.ts. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when the module at `moduleUrl` (its import.meta.url) is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  return Boolean(process.argv[1]) && path.resolve(process.argv[1]!) === fileURLToPath(moduleUrl);
}
