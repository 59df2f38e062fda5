// `npm run build`: the compiled JavaScript production runs (`npm start` builds first by itself).
// tsc emits src/ and workers/ into dist/ (relative imports rewritten from .ts to .js); then what
// tsc does not emit: the dashboard's static files beside the compiled API (it serves them from
// ../../web/ relative to its routes), and a small package.json that marks dist/ as ESM and
// carries the version the OpenAPI document shows.
//
// Several processes may be started from one checkout at once (`start:api` and `start:worker`):
// one of them builds while the others wait for it, and a build whose output is newer than every
// input is skipped, so they never remove files from under each other.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const LOCK = 'dist.lock';
const STAMP = 'dist/.built';
const INPUTS = ['src', 'workers', 'scripts/build.mjs', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];
const STALE_LOCK_MS = 5 * 60_000;

/** The newest modification time under the given files and folders. */
function newestMtime(entries) {
  let newest = 0;
  for (const entry of entries) {
    if (!existsSync(entry)) continue;
    const stat = statSync(entry);
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) newest = Math.max(newest, newestMtime(readdirSync(entry).map((name) => path.join(entry, name))));
  }
  return newest;
}

async function withLock(work) {
  for (const started = Date.now(); ; ) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // A build that died holding the lock leaves it behind: past this age it is taken over.
      if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() - started > STALE_LOCK_MS) throw new Error(`${LOCK} is held by another build`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

await withLock(() => {
  if (existsSync(STAMP) && statSync(STAMP).mtimeMs >= newestMtime(INPUTS)) return;
  // A clean output: a source file removed since the last build leaves nothing behind.
  rmSync('dist', { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  cpSync('src/web', 'dist/src/web', { recursive: true });
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  writeFileSync('dist/package.json', `${JSON.stringify({ name: pkg.name, version: pkg.version, private: true, type: 'module' }, null, 2)}\n`);
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
});
