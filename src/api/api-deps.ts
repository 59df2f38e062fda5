import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { GuardedClient } from '../net/guarded-client.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Queues } from '../queue/queues.ts';
import type { Stores } from '../runtime/open-stores.ts';
import type { StreamStore } from '../storage/stream-store.ts';
import type { StreamFollower } from '../storage/stream-follower.ts';
import type { SseOptions } from './sse-session.ts';

/** Everything the HTTP layer needs, passed explicitly (no container). */
export interface ApiDeps {
  config: Config;
  stores: Stores;
  queues: Queues;
  log: Logger;
  /** Follows Redis Streams for every SSE client of this process. */
  hub: StreamFollower;
  streams: StreamStore;
  sse: SseOptions;
  metrics: Metrics;
  /** The admin token in force (from ADMIN_TOKEN, or the generated one). */
  adminToken: () => string;
  now(): number;
  /** Where others reach this API (PUBLIC_URL, else where it listens): the base of every self link. */
  publicUrl(): string;
  /** The process's guarded HTTP client: URL checks at registration. */
  http: Pick<GuardedClient, 'checkUrl'>;
}
