/** The project root, for the benchmarks' paths (children's cwd, config/anchors, bench/results). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: children run from here so relative paths (config/anchors) resolve. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
