/** The benchmarks' size knobs, read from the environment. */

/** The number in environment variable `name`, or `fallback` when it is unset or empty. */
export function envNumber(name: string, fallback: number): number {
  return process.env[name] ? Number(process.env[name]) : fallback;
}
