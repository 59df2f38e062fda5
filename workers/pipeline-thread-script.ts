import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ThreadScript } from '../src/pipeline/thread-pool.ts';

/**
 * The pipeline thread's entry, next to this file: compiled JavaScript in production, the
 * TypeScript source through tsx's loader when this file itself runs as TypeScript (tests,
 * benchmarks): a worker thread does not inherit the hooks of an `--import tsx` process.
 */
export function pipelineThreadScript(): ThreadScript {
  const compiled = import.meta.url.endsWith('.js');
  return {
    file: fileURLToPath(new URL(compiled ? './pipeline-thread.js' : './pipeline-thread.ts', import.meta.url)),
    // tsx's ESM register(): `require.resolve` names the CommonJS build beside it.
    ...(compiled ? {} : { loader: createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs') }),
  };
}
