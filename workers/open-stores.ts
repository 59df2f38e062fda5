import type { Logger } from 'pino';
import type { Config } from '../src/config.ts';
import { AlertStore } from '../src/storage/alert-store.ts';
import { AnchorStore } from '../src/storage/anchor-store.ts';
import { ArticleStore } from '../src/storage/article-store.ts';
import { ApiKeyStore } from '../src/storage/api-key-store.ts';
import { CollectionStatsStore } from '../src/storage/collection-stats-store.ts';
import { FeedbackStore } from '../src/storage/feedback-store.ts';
import { FeedStore } from '../src/storage/feed-store.ts';
import { ItemStore } from '../src/storage/item-store.ts';
import { createKeys, type Keys } from '../src/storage/keys.ts';
import { closeConnections, createRedis, quietErrors, type RedisClient, type RedisTarget } from '../src/storage/redis-connection.ts';
import { StreamFollower } from '../src/storage/stream-follower.ts';
import { StreamStore } from '../src/storage/stream-store.ts';
import { SubscriptionStore } from '../src/storage/subscription-store.ts';

/** Where this process's Redis is: one server, or the seed nodes of a cluster (REDIS_URL then lends only its credentials). */
export function redisTarget(config: Config): RedisTarget {
  return { url: config.redisUrl, clusterNodes: config.redisClusterNodes };
}

/** The stores of one process and the connections behind them. */
export interface Stores {
  keys: Keys;
  /** Commands of the stores; fails fast in the API, waits through outages in workers. */
  redis: RedisClient;
  /** The connection BullMQ queues and workers share (BullMQ duplicates it for blocking calls); same role. */
  queueConnection: RedisClient;
  feeds: FeedStore;
  items: ItemStore;
  streams: StreamStore;
  anchors: AnchorStore;
  alerts: AlertStore;
  apiKeys: ApiKeyStore;
  feedback: FeedbackStore;
  collectionStats: CollectionStatsStore;
  articles: ArticleStore;
  subscriptions: SubscriptionStore;
  close(): Promise<void>;
}

/**
 * Opens Redis connections and the stores on them for one role: the API's fail fast (a
 * request answers 503 while Redis is away), the workers' wait for Redis to come back.
 */
export function openStores(config: Config, role: 'api' | 'worker'): Stores {
  const keys = createKeys(config.redisPrefix);
  const target = redisTarget(config);
  // The stores' commands issued in one turn of the event loop go out in one socket write (one
  // write per command cost the loop 0.1-0.2 ms of system time each under load). Not BullMQ's
  // connection (its blocking duplicates), nor a cluster's (see createRedis's cluster options).
  const redis = quietErrors(createRedis(target, role, { enableAutoPipelining: true }));
  const queueConnection = quietErrors(createRedis(target, role));
  return {
    keys,
    redis,
    queueConnection,
    feeds: new FeedStore(redis, keys),
    items: new ItemStore(redis, keys),
    streams: new StreamStore(redis, keys),
    anchors: new AnchorStore(redis, keys),
    alerts: new AlertStore(redis, keys),
    apiKeys: new ApiKeyStore(redis, keys),
    feedback: new FeedbackStore(redis, keys),
    collectionStats: new CollectionStatsStore(redis, keys),
    articles: new ArticleStore(redis, keys),
    subscriptions: new SubscriptionStore(redis, keys),
    close: () => closeConnections([redis, queueConnection]),
  };
}

/**
 * The stream follower of an API process: one blocking connection of its own (a blocked XREAD
 * holds it), following every stream its SSE clients watch; reads start after each stream's
 * newest entry.
 */
export function openFollower(config: Config, stores: Stores, log: Logger): StreamFollower {
  const blocking = quietErrors(createRedis(redisTarget(config), 'worker'));
  return new StreamFollower(stores.redis, blocking, log, (key) => stores.streams.lastGeneratedId(key));
}
