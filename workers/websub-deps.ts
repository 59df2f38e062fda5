import type { Logger } from 'pino';
import type { Config } from '../src/config.ts';
import type { GuardedClient } from '../src/net/guarded-client.ts';
import type { WebSubDeps } from '../src/pipeline/websub-subscription.ts';
import { enqueueWebSub, type Queues } from '../src/queue/queues.ts';
import type { Stores } from './open-stores.ts';

/** What managing WebSub subscriptions needs in this process; `publicUrl` is PUBLIC_URL or where the API listens. */
export function websubDepsOf(config: Config, stores: Stores, queues: Pick<Queues, 'websub'>, http: GuardedClient, log: Logger, publicUrl: () => string): WebSubDeps {
  return {
    feeds: stores.feeds,
    http,
    enqueue: (job, at) => enqueueWebSub(queues.websub, job, at, at - Date.now()),
    callbackUrl: (feedId) => `${publicUrl()}/websub/${encodeURIComponent(feedId)}`,
    leaseSeconds: config.websubLeaseSeconds,
    requestTimeoutMs: config.fetchTotalTimeoutMs,
    now: Date.now,
    log,
  };
}
