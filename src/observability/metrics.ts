import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of one process. Created once per process and passed to the parts
 * that record; /metrics renders the registry. Queue depths are read when scraped, so they
 * are never stale.
 */
export type Metrics = ReturnType<typeof createMetrics>;

/** Builds a fresh registry with every metric of the project (and Node's default metrics). */
export function createMetrics() {
  const registry = new Registry();
  // Node's own names already begin with process_ or nodejs_: the prefix is only the project's.
  collectDefaultMetrics({ register: registry, prefix: 'aw_' });
  // Three default gauges end in _total, which Prometheus reserves for counters (promtool
  // refuses them); each is the sum of its per-type gauge (aw_nodejs_active_handles{type}).
  for (const name of ['aw_nodejs_active_handles_total', 'aw_nodejs_active_requests_total', 'aw_nodejs_active_resources_total']) registry.removeSingleMetric(name);
  const freshnessBuckets = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600];
  return {
    registry,
    polls: new Counter({
      name: 'aw_polls_total',
      help: 'Feed polls by outcome (ok, not-modified, error, skipped)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    fetchDuration: new Histogram({
      name: 'aw_fetch_duration_seconds',
      help: 'Time to fetch a feed, redirects and body included',
      labelNames: ['outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
    itemsIngested: new Counter({
      name: 'aw_items_ingested_total',
      help: 'Items stored for the first time',
      registers: [registry],
    }),
    taggingDuration: new Histogram({
      name: 'aw_tagging_duration_seconds',
      help: 'Time to tag one batch of items against every anchor, stories and alerts included',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    itemsTagged: new Counter({
      name: 'aw_items_tagged_total',
      help: 'Items tagged (a re-tag counts again)',
      registers: [registry],
    }),
    jobFailures: new Counter({
      name: 'aw_job_failures_total',
      help: 'Queue jobs that failed an attempt, by queue',
      labelNames: ['queue'] as const,
      registers: [registry],
    }),
    queueJobs: new Gauge({
      name: 'aw_queue_jobs',
      help: 'Jobs per queue and state, read from Redis when scraped',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
    }),
    sseClients: new Gauge({
      name: 'aw_sse_clients',
      help: 'Server-Sent Events clients connected to this process',
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'aw_webhook_deliveries_total',
      help: 'Alert delivery attempts by channel (webhook, email) and outcome (delivered, retry, failed, gone, skipped); the name is kept from when webhooks were the only channel',
      labelNames: ['outcome', 'channel'] as const,
      registers: [registry],
    }),
    freshness: new Histogram({
      name: 'aw_freshness_seconds',
      help: 'Seconds from an item publication to each stage: fetched, tagged, delivered (webhook)',
      labelNames: ['stage'] as const,
      buckets: freshnessBuckets,
      registers: [registry],
    }),
    articleReads: new Counter({
      name: 'aw_article_reads_total',
      help: 'Article pages read for their main text, by outcome (ok, no-article, failed, cached)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    websubPushes: new Counter({
      name: 'aw_websub_pushes_total',
      help: 'WebSub content distributions received, by outcome (ingested, bad-signature, unknown-feed, unusable, rate-limited); bodies over WEBSUB_MAX_BODY_BYTES are refused with 413 before they are read',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}
