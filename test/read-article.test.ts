import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardedClient } from '../src/net/guarded-client.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { HostLanes } from '../src/pipeline/host-lanes.ts';
import { readArticle, type ReadArticleDeps } from '../src/pipeline/read-article.ts';
import { ArticleStore } from '../src/storage/article-store.ts';
import { FeedStore } from '../src/storage/feed-store.ts';
import { createKeys } from '../src/storage/keys.ts';
import { articlePage } from './helpers/article-pages.ts';
import { startArticleServer, type ArticleServer } from './helpers/article-server.ts';
import { dropPrefix, testRedisUrl, uniquePrefix } from './helpers/redis-prefix.ts';
import { loopbackIsPublic } from './helpers/start-app.ts';

const prefix = uniquePrefix('read-article');
let redis: Redis;
let server: ArticleServer;
let http: GuardedClient;
let clock = Date.parse('2026-12-01T12:00:00Z');

const BODY =
  'The regional water board opened a new reservoir on Thursday after six years of planning and building work in the hills. ' +
  'Engineers said the reservoir would hold enough water for the towns of the valley through a dry summer. ' +
  'Farmers welcomed the project, though some said the price of irrigation water would rise next year. ' +
  'The board will publish monthly figures on the water level from the spring, a spokesperson said.';

function deps(): ReadArticleDeps {
  const keys = createKeys(prefix);
  return {
    articles: new ArticleStore(redis, keys),
    hostLanes: new HostLanes({ slots: new FeedStore(redis, keys), hostConcurrency: 2, leaseMs: 10_000, now: () => clock }),
    http,
    metrics: createMetrics(),
    now: () => clock,
    article: { totalTimeoutMs: 2000, maxBytes: 1024 * 1024, freshMs: 3600_000, keepMs: 86_400_000, failureMs: 600_000 },
  };
}

beforeAll(async () => {
  redis = new Redis(testRedisUrl);
  server = await startArticleServer();
  server.pages.set('/reservoir', articlePage('Reservoir opens in the hills', BODY, 'div-soup').html);
  http = new GuardedClient({ allowPrivate: false, addressPolicy: loopbackIsPublic, connectTimeoutMs: 2000 });
});

afterAll(async () => {
  await http?.close();
  await server?.close();
  redis?.disconnect();
  await dropPrefix(prefix);
});

describe('readArticle', () => {
  it('reads a page once, serves it from the cache while fresh, then revalidates it with a conditional GET', async () => {
    const url = `${server.url}/reservoir`;
    const first = await readArticle(url, deps());
    expect(first.outcome).toBe('ok');
    expect(first.text).toContain('regional water board');
    expect(server.hits.get('/reservoir')).toBe(1);

    clock += 60_000;
    expect((await readArticle(url, deps())).text).toBe(first.text);
    expect(server.hits.get('/reservoir')).toBe(1);

    clock += 2 * 3600_000;
    const again = await readArticle(url, deps());
    expect(server.hits.get('/reservoir')).toBe(2);
    const last = server.requests[server.requests.length - 1]!;
    expect(last.headers['if-none-match']).toBe(`"${server.pages.get('/reservoir')!.length}"`);
    expect(again.outcome).toBe('ok');
    expect(again.text).toBe(first.text);
    expect(again.fetchedAt).toBe(clock);
  });

  it('remembers a failure for a while instead of asking again', async () => {
    const url = `${server.url}/a.pdf`;
    const first = await readArticle(url, deps());
    expect(first.outcome).toBe('failed');
    expect(first.error?.code).toBe('unsupported_media_type');
    await readArticle(url, deps());
    expect(server.hits.get('/a.pdf')).toBe(1);
  });
});
