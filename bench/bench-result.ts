/** Where a benchmark's result goes: bench/results/NAME.json. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from './project-root.ts';

/** Writes `result` as indented JSON to bench/results/NAME.json; returns that path, relative to the project. */
export async function writeBenchResult(name: string, result: unknown): Promise<string> {
  const dir = path.join(ROOT, 'bench/results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  return `bench/results/${name}.json`;
}
