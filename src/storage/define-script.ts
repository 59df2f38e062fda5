import type { ClientContext, Result } from 'ioredis';
import type { RedisClient } from './redis-connection.ts';

/**
 * Registers a Lua script as an ioredis command (sent by SHA after the first call), once per
 * connection. A fixed key count is given for scripts with a fixed key list; scripts with a
 * variable key list take the count as their first argument.
 */
export function defineScript(redis: RedisClient, name: ScriptName, lua: string, numberOfKeys?: number): void {
  if (typeof (redis as unknown as Record<string, unknown>)[name] === 'function') return;
  redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { lua, numberOfKeys });
}

/** Names of the project's Lua commands. */
export type ScriptName =
  | 'awStoreItems'
  | 'awIndexItems'
  | 'awItemTags'
  | 'awAnchorTags'
  | 'awUntagItems'
  | 'awUnindexItems'
  | 'awClaimDue'
  | 'awAcquireSlots'
  | 'awRenewSlots'
  | 'awAssignStories'
  | 'awRecordHit'
  | 'awFireSpike'
  | 'awBucketCounts'
  | 'awSumHours'
  | 'awClaimDigestSend'
  | 'awCompleteDigestSend'
  | 'awSetFullText'
  | 'awDropAnchorTags'
  | 'awReviseAnchor'
  | 'awSetVerdict';

type ScriptCall<Context extends ClientContext> = (...args: Array<string | number | Buffer>) => Result<unknown, Context>;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    awStoreItems: ScriptCall<Context>;
    awIndexItems: ScriptCall<Context>;
    awItemTags: ScriptCall<Context>;
    awAnchorTags: ScriptCall<Context>;
    awUntagItems: ScriptCall<Context>;
    awUnindexItems: ScriptCall<Context>;
    awClaimDue: ScriptCall<Context>;
    awAcquireSlots: ScriptCall<Context>;
    awRenewSlots: ScriptCall<Context>;
    awAssignStories: ScriptCall<Context>;
    awRecordHit: ScriptCall<Context>;
    awFireSpike: ScriptCall<Context>;
    awBucketCounts: ScriptCall<Context>;
    awSumHours: ScriptCall<Context>;
    awClaimDigestSend: ScriptCall<Context>;
    awCompleteDigestSend: ScriptCall<Context>;
    awSetFullText: ScriptCall<Context>;
    awDropAnchorTags: ScriptCall<Context>;
    awReviseAnchor: ScriptCall<Context>;
    awSetVerdict: ScriptCall<Context>;
  }
}
