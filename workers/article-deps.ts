import type { Config } from '../src/config.ts';
import type { GuardedClient } from '../src/net/guarded-client.ts';
import type { Metrics } from '../src/observability/metrics.ts';
import type { HostLanes } from '../src/pipeline/host-lanes.ts';
import type { ReadArticleDeps } from '../src/pipeline/read-article.ts';
import type { Stores } from './open-stores.ts';

const HOUR = 3600_000;

/** What reading article pages needs in this process: the cache, the one guarded client, the host gate polling uses. */
export function readArticleDepsOf(config: Config, stores: Stores, http: GuardedClient, metrics: Metrics, hostLanes: Pick<HostLanes, 'run'>): ReadArticleDeps {
  return {
    articles: stores.articles,
    http,
    metrics,
    hostLanes,
    now: Date.now,
    article: {
      totalTimeoutMs: config.articleTimeoutMs,
      maxBytes: Math.min(config.articleMaxBytes, config.fetchMaxBytes),
      // An article rarely changes after a day; a reading is kept for the retention window, so a
      // re-poll or another feed carrying the same link fetches nothing.
      freshMs: 24 * HOUR,
      keepMs: config.retentionDays * 24 * HOUR,
      failureMs: HOUR,
    },
  };
}
