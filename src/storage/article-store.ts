import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import type { ArticleRecord } from '../model/article.ts';
import type { Keys } from './keys.ts';

/** The cache of article pages read for their main text, one entry per canonical URL. */
export class ArticleStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  private key(url: string): string {
    return this.keys.article(createHash('sha256').update(url).digest('hex').slice(0, 32));
  }

  /** The cached reading of a URL, or null. */
  async get(url: string): Promise<ArticleRecord | null> {
    const raw = await this.redis.get(this.key(url));
    if (raw === null) return null;
    try {
      return JSON.parse(raw) as ArticleRecord;
    } catch {
      return null;
    }
  }

  /** Several readings in one round trip, in order (null where none). */
  async getMany(urls: string[]): Promise<Array<ArticleRecord | null>> {
    if (urls.length === 0) return [];
    const raws = await this.redis.mget(urls.map((u) => this.key(u)));
    return raws.map((raw) => {
      if (raw === null) return null;
      try {
        return JSON.parse(raw) as ArticleRecord;
      } catch {
        return null;
      }
    });
  }

  /** Why a host's pages cannot be reached (a code), while that is remembered; else null. */
  async hostDown(host: string): Promise<string | null> {
    return this.redis.get(this.keys.articleHostDown(host));
  }

  /** Remembers for `ttlMs` that a host cannot be reached, so its other pages are not tried one by one. */
  async markHostDown(host: string, code: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.articleHostDown(host), code, 'PX', Math.max(1000, Math.round(ttlMs)));
  }

  /** Stores a reading for `ttlMs`; a rewrite of the same URL replaces it (idempotent). */
  async put(record: ArticleRecord, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(record.url), JSON.stringify(record), 'PX', Math.max(1000, Math.round(ttlMs)));
  }
}
