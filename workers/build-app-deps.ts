import type { Logger } from 'pino';
import type { DeliveryChannels } from '../src/alerts/channels/channel.ts';
import type { AppDeps } from '../src/api/create-app.ts';
import type { SseOptions } from '../src/api/sse-session.ts';
import type { Config } from '../src/config.ts';
import type { GuardedClient } from '../src/net/guarded-client.ts';
import type { Metrics } from '../src/observability/metrics.ts';
import { DigestReader } from '../src/pipeline/digest-reader.ts';
import type { ExtractionChild } from '../src/pipeline/off-loop-extractor.ts';
import { offLoopExtractor } from '../src/pipeline/off-loop-extractor.ts';
import type { AnchorDeps } from '../src/pipeline/register-anchor.ts';
import { HOST_SLOT_LEASE_MS, HostLanes } from '../src/pipeline/host-lanes.ts';
import type { Lane } from '../src/pipeline/thread-pool.ts';
import { readArticle } from '../src/pipeline/read-article.ts';
import { readArticleDepsOf } from './article-deps.ts';
import { websubDepsOf } from './websub-deps.ts';
import { leaveHub } from '../src/pipeline/websub-subscription.ts';
import { enqueueDigestSend, enqueuePollNow, enqueueRetag, enqueueTagging, type Queues } from '../src/queue/queues.ts';
import { RedisRateLimitStore } from '../src/storage/rate-limit-store.ts';
import { healthOf } from '../src/storage/redis-connection.ts';
import type { StreamFollower } from '../src/storage/stream-follower.ts';
import type { Stores } from './open-stores.ts';
import { randomBytes } from 'node:crypto';

/** The parts of one API process the app is wired from. */
export interface ApiParts {
  config: Config;
  stores: Stores;
  queues: Queues;
  log: Logger;
  metrics: Metrics;
  http: GuardedClient;
  channels: DeliveryChannels;
  follower: StreamFollower;
  sse: SseOptions;
  extractionChild: ExtractionChild;
  adminToken(): string;
  publicUrl(): string;
}

/** Hands each router exactly what it uses, from the process's stores, queues and client. */
export function buildAppDeps(parts: ApiParts): AppDeps {
  const { config, stores, queues, metrics } = parts;
  const signingKey = unsubscribeSigningKey(stores);
  const now = Date.now;
  // A new feed's first poll (its archive) queues with the bulk polls; a known feed's, asked for, goes live.
  const requestPoll = (feedId: string, lane: Lane = 'bulk') => enqueuePollNow(queues, feedId, lane, now());
  // A source piece read by URL takes one of its host's slots, like a poll or an article read.
  const articleLanes = new HostLanes({ slots: stores.feeds, hostConcurrency: config.hostConcurrency, leaseMs: HOST_SLOT_LEASE_MS, now });
  const anchorDeps: AnchorDeps = {
    anchors: stores.anchors,
    extract: offLoopExtractor(parts.extractionChild),
    requestRetag: (anchorId, version, options) => enqueueRetag(queues.retag, anchorId, version, options),
    now,
  };
  const reader = new DigestReader(stores);
  const websub = websubDepsOf(config, stores, queues, parts.http, parts.log, parts.publicUrl);
  const streaming = { streams: stores.streams, follower: parts.follower, sse: parts.sse, sseClients: metrics.sseClients };
  return {
    log: parts.log,
    metrics,
    queues: queues.all,
    health: healthOf(stores.redis),
    adminToken: parts.adminToken,
    apiKeys: stores.apiKeys,
    rateLimitStore: () => new RedisRateLimitStore(stores.redis, stores.keys),
    trustProxy: config.trustProxy,
    readRateLimitPerMinute: config.readRateLimitPerMinute,
    routes: {
      keys: { apiKeys: stores.apiKeys, now },
      feeds: {
        feeds: stores.feeds,
        registration: { feeds: stores.feeds, now, checkUrl: (url) => parts.http.checkUrl(url), requestPoll },
        requestPoll,
        defaultIntervalSeconds: config.pollIntervalSeconds,
        publicUrl: parts.publicUrl,
        now,
        onDeleted: (feed) => leaveHub(feed, websub),
      },
      anchors: {
        ...anchorDeps,
        checkUrl: (url) => parts.http.checkUrl(url),
        readArticle: (url) => readArticle(url, readArticleDepsOf(config, stores, parts.http, metrics, articleLanes)),
        deletion: { anchors: stores.anchors, items: stores.items, feedback: stores.feedback },
      },
      alerts: {
        alerts: stores.alerts,
        items: stores.items,
        creation: { alerts: stores.alerts, anchors: stores.anchors, channels: parts.channels, checkUrl: (url) => parts.http.checkUrl(url), now },
        preview: { anchors: stores.anchors, items: stores.items, feeds: stores.feeds, maxItems: config.volumeQueryMaxItems },
        expensiveReadConcurrency: config.expensiveReadConcurrency,
        ...streaming,
      },
      items: { anchors: stores.anchors, reader },
      digests: {
        anchors: stores.anchors,
        reader,
        ...streaming,
        publicUrl: parts.publicUrl,
        feedback: { ...anchorDeps, feedback: stores.feedback, items: stores.items },
      },
      subscriptions: {
        subscriptions: stores.subscriptions,
        creation: { subscriptions: stores.subscriptions, anchors: stores.anchors, mailConfigured: config.smtpUrl !== null, now },
        requestSend: (id, period) => enqueueDigestSend(queues.digest, id, period),
        now,
      },
      unsubscribe: { subscriptions: stores.subscriptions, signingKey },
      volume: {
        anchors: stores.anchors,
        items: stores.items,
        feeds: stores.feeds,
        queryMaxItems: config.volumeQueryMaxItems,
        expensiveReadConcurrency: config.expensiveReadConcurrency,
        now,
      },
      websub: {
        subscriptions: websub,
        // A push goes through the poll's own ingest step, with the poll's limits.
        pushes: {
          feeds: stores.feeds,
          items: stores.items,
          enqueueTagging: (ids) => enqueueTagging(queues, ids),
          log: parts.log,
          metrics,
          maxItemsPerFeed: config.maxItemsPerFeed,
          retentionMs: config.retentionDays * 24 * 3600_000,
          now,
        },
        maxBodyBytes: config.websubMaxBodyBytes,
        pushesPerMinute: config.websubPushesPerMinute,
        rateLimitStore: () => new RedisRateLimitStore(stores.redis, stores.keys),
      },
    },
  };
}

/** The key that signs unsubscribe links: generated once in Redis for every process, then cached here. */
export function unsubscribeSigningKey(stores: Pick<Stores, 'subscriptions'>): () => Promise<string> {
  let key: Promise<string> | null = null;
  return () => {
    key ??= stores.subscriptions.signingKey(randomBytes(32).toString('base64url')).catch((err: unknown) => {
      key = null;
      throw err;
    });
    return key;
  };
}
