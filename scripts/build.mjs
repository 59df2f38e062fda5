// `npm run build`: the compiled JavaScript production runs (`npm start` builds first by itself).
// tsc emits src/ and workers/ into dist/ (relative imports rewritten from .ts to .js); then what
// tsc does not emit: the dashboard's static files beside the compiled API (it serves them from
// ../../web/ relative to its routes), and a small package.json that marks dist/ as ESM and
// carries the version the OpenAPI document shows.
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// A clean output: a source file removed since the last build leaves nothing behind.
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src/web', 'dist/src/web', { recursive: true });
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
writeFileSync('dist/package.json', `${JSON.stringify({ name: pkg.name, version: pkg.version, private: true, type: 'module' }, null, 2)}\n`);
