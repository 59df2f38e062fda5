/** Readers of Redis INFO for the benchmarks: memory, command counters, CPU, version. */
import type { Redis } from 'ioredis';

/** The `name:value` fields of a Redis INFO answer. */
export function infoFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** INFO used_memory of the whole server, in bytes. */
export async function usedMemory(redis: Redis): Promise<number> {
  return Number(infoFields(await redis.info('memory')).used_memory);
}

/** The server's version (INFO server redis_version), null when it does not say. */
export async function redisVersion(redis: Redis): Promise<string | null> {
  return infoFields(await redis.info('server')).redis_version ?? null;
}

/** calls and usec of a command from INFO commandstats. */
export async function commandStat(redis: Redis, name: string): Promise<{ calls: number; usec: number }> {
  const v = infoFields(await redis.info('commandstats'))[`cmdstat_${name}`] ?? '';
  return { calls: Number(/calls=(\d+)/.exec(v)?.[1] ?? 0), usec: Number(/usec=(\d+)/.exec(v)?.[1] ?? 0) };
}

/** The whole server's counters at one moment (INFO all). */
export interface RedisSnapshot {
  usedMemory: number;
  cpuSeconds: number;
  commands: number;
  /** calls per command name */
  commandCalls: Record<string, number>;
}

/** Memory, CPU seconds and command counters of the server now. */
export async function redisSnapshot(redis: Redis): Promise<RedisSnapshot> {
  const info = infoFields(await redis.info('all'));
  const commandCalls: Record<string, number> = {};
  for (const [k, v] of Object.entries(info)) {
    if (!k.startsWith('cmdstat_')) continue;
    const m = /calls=(\d+)/.exec(v);
    if (m) commandCalls[k.slice(8)] = Number(m[1]);
  }
  return {
    usedMemory: Number(info.used_memory),
    cpuSeconds: Number(info.used_cpu_user) + Number(info.used_cpu_sys),
    commands: Number(info.total_commands_processed),
    commandCalls,
  };
}

/** Calls per command between two snapshots, most called first (commands not called left out). */
export function commandDelta(a: RedisSnapshot, b: RedisSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.commandCalls)) {
    const d = v - (a.commandCalls[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return Object.fromEntries(Object.entries(out).sort((x, y) => y[1] - x[1]));
}
