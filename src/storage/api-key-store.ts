import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import type { ApiKeyRecord } from '../model/api-key.ts';
import type { Keys } from './keys.ts';

/** SHA-256 of a key: keys are long random strings, so a fast hash is enough to store them. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Redis storage of user keys, looked up by the hash of the presented key. */
export class ApiKeyStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Stores a new key under its hash. */
  async create(record: ApiKeyRecord, key: string): Promise<void> {
    await this.redis.hset(this.keys.apiKeys, hashApiKey(key), JSON.stringify(record));
  }

  /** The record of a presented key, or null when it is unknown. */
  async find(key: string): Promise<ApiKeyRecord | null> {
    const raw = await this.redis.hget(this.keys.apiKeys, hashApiKey(key));
    return raw ? (JSON.parse(raw) as ApiKeyRecord) : null;
  }

  /**
   * The generated admin token: the first process stores its candidate, every later one
   * (and every restart) gets the same token back, so several API processes agree on it.
   */
  async generatedAdminToken(candidate: string): Promise<string> {
    await this.redis.set(this.keys.generatedAdminToken, candidate, 'NX');
    return (await this.redis.get(this.keys.generatedAdminToken)) ?? candidate;
  }
}
