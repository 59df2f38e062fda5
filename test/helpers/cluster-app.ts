/**
 * The cluster suites' app: one API and two worker processes (real processes, as operators run
 * them) in cluster mode on a RedisCluster, a farm of feeds whose every item is a story of its
 * own, and a webhook receiver; plus the API readers the checks need. Everything is read through
 * the public API, never through key names, so the checks hold whatever the key layout.
 */
import type { IncomingMessage } from 'node:http';
import { spawnApp, type AppProcess } from './app-process.ts';
import { rssOf, type FeedServer } from './feed-server.ts';
import { startServer, type TestServer } from './handler-server.ts';
import { uniquePrefix } from './redis-prefix.ts';
import type { RedisCluster } from './redis-cluster.ts';
import { waitFor } from './start-app.ts';
import { prng } from '../../workers/prng.ts';
import { freePort } from '../../bench/free-port.ts';

export const TOKEN = 'cluster-admin-token-0123456789';

/** The synthetic farm: FEEDS × ITEMS items, every MATCH_EVERY-th one with "Muscat kelvarine" in its title. */
export const FARM = { feeds: 24, items: 40, matchEvery: 5 } as const;
export const FARM_TOTAL = FARM.feeds * FARM.items;
export const FARM_MATCHING = FARM.feeds * Math.ceil(FARM.items / FARM.matchEvery);
/**
 * The alert (and volume) query that matches exactly the farm's Muscat items: "kelvarine" is a
 * word no labelled item has and the farm's word source cannot make (it has no "lv").
 */
export const MATCH_QUERY = 'title:muscat AND kelvarine';

/**
 * Pronounceable made-up words: no entity of the default anchor, and every item gets words of
 * its own, so no two items look like one story (which would merge them, and fire an alert once).
 */
function wordSource(seed: number): () => string {
  const rnd = prng(seed);
  const c = 'bdfgklmnprstvz';
  const v = 'aeiou';
  return () => {
    let w = '';
    const syllables = 2 + Math.floor(rnd() * 2);
    for (let i = 0; i < syllables; i++) w += c[Math.floor(rnd() * c.length)]! + v[Math.floor(rnd() * v.length)]!;
    return w;
  };
}

/** Routes /farm/F.xml on the feed server (each answer slowed, so an ingest is still running when a test strikes); returns the URLs. */
export function serveFarm(server: FeedServer, delayMs = 150): string[] {
  const word = wordSource(17);
  const now = Date.now();
  const urls: string[] = [];
  for (let f = 0; f < FARM.feeds; f++) {
    const items = Array.from({ length: FARM.items }, (_, i) => {
      const title = Array.from({ length: 5 }, word).join(' ');
      return {
        title: i % FARM.matchEvery === 0 ? `Muscat kelvarine ${title}` : title,
        link: `http://farm.example/${f}/${i}`,
        guid: `farm-${f}-${i}`,
        description: `${Array.from({ length: 18 }, word).join(' ')}.`,
        pubDate: new Date(now - (f * FARM.items + i) * 60_000).toUTCString(),
      };
    });
    const xml = rssOf(`Farm ${f}`, items);
    server.route(`/farm/${f}.xml`, async (_q, r) => {
      await new Promise((done) => setTimeout(done, delayMs));
      r.setHeader('content-type', 'application/rss+xml');
      r.end(xml);
    });
    urls.push(server.url(`/farm/${f}.xml`));
  }
  return urls;
}

/** What the webhook receiver got: one entry per POST. */
export interface Delivery {
  webhookId: string;
  type: string;
  itemId: string | null;
  title: string | null;
}

/** A real HTTP receiver that answers 200 to every POST and keeps what it was sent. */
export async function startWebhookReceiver(): Promise<{ server: TestServer; deliveries: Delivery[] }> {
  const deliveries: Delivery[] = [];
  const server = await startServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      try {
        const json = JSON.parse(body) as { type: string; item?: { id: string; title: string } };
        deliveries.push({ webhookId: String(req.headers['webhook-id']), type: json.type, itemId: json.item?.id ?? null, title: json.item?.title ?? null });
      } catch {
        deliveries.push({ webhookId: String(req.headers['webhook-id']), type: 'unparsable', itemId: null, title: null });
      }
      res.statusCode = 200;
      res.end('ok');
    });
  });
  return { server, deliveries };
}

/** One API and two workers on a prefix of their own, in cluster mode. */
export interface ClusterApp {
  prefix: string;
  base: string;
  api: AppProcess;
  workers: AppProcess[];
  call<T = any>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
  /** SIGKILLs whatever still runs. */
  kill(): void;
}

export async function startClusterApp(cluster: RedisCluster, name: string, extraEnv: Record<string, string> = {}): Promise<ClusterApp> {
  const prefix = uniquePrefix(name);
  const port = await freePort();
  const env = {
    REDIS_CLUSTER_NODES: cluster.seeds,
    // In cluster mode REDIS_URL only lends its scheme (and credentials): a node of the cluster.
    REDIS_URL: `redis://${cluster.seeds.split(',')[0]}`,
    REDIS_PREFIX: prefix,
    PORT: String(port),
    ADMIN_TOKEN: TOKEN,
    FEEDS_FILE: '',
    ALLOW_PRIVATE_NETWORKS: 'true',
    POLL_INTERVAL_SECONDS: '3600',
    JOB_LOCK_MS: '3000',
    HOST_CONCURRENCY: '4',
    ...extraEnv,
  };
  const api = spawnApp('api', env);
  const workers = [spawnApp('worker', { ...env, PORT: '0' }), spawnApp('worker', { ...env, PORT: '0' })];
  const all = [api, ...workers];
  const kill = () => {
    for (const p of all) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  };
  try {
    // Whole processes under tsx on a loaded machine: slow to start.
    await Promise.all([api.waitForOutput(/api listening/, 120_000), ...workers.map((w) => w.waitForOutput(/workers started/, 120_000))]);
  } catch (err) {
    kill();
    throw err;
  }
  const base = `http://127.0.0.1:${port}`;
  return {
    prefix,
    base,
    api,
    workers,
    kill,
    async call(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${TOKEN}`);
      if (typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
      const res = await fetch(`${base}${path}`, { ...init, headers });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
  };
}

/** Registers feeds with one OPML import. */
export async function importFeeds(app: ClusterApp, urls: string[]): Promise<void> {
  const opml = `<opml version="2.0"><body>${urls.map((u, i) => `<outline text="F${i}" xmlUrl="${u}"/>`).join('')}</body></opml>`;
  const res = await app.call<{ added: number }>('/api/feeds/import', { method: 'POST', headers: { 'content-type': 'text/x-opml' }, body: opml });
  if (res.status !== 200 || res.body.added !== urls.length) throw new Error(`OPML import answered ${res.status}: ${JSON.stringify(res.body)}`);
}

/** Items the feeds say they carry (the sum of every feed's itemCount): progress of an ingest. */
export async function storedCount(app: ClusterApp): Promise<number> {
  const { body } = await app.call<{ feeds: Array<{ itemCount: number }> }>('/api/feeds');
  return body.feeds.reduce((n, f) => n + (f.itemCount ?? 0), 0);
}

/** Every page of a paged list (`items` and `nextCursor`). */
export async function allPages<T>(app: ClusterApp, path: string): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  const sep = path.includes('?') ? '&' : '?';
  for (let page = 0; page < 1000; page++) {
    const res: { status: number; body: { items: T[]; nextCursor: string | null } } = await app.call(`${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    out.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return out;
  }
  throw new Error(`GET ${path}: more than 1000 pages`);
}

/** Distinct items counted by the volume series of a query over the last `days` days. */
export async function volumeOf(app: ClusterApp, query: string, days = 3): Promise<number> {
  const from = new Date(Date.now() - days * 24 * 3600_000).toISOString();
  const to = new Date(Date.now() + 3600_000).toISOString();
  const { status, body } = await app.call<{ series: Array<{ points: Array<{ count: number }> }> }>(
    `/api/volume?q=${encodeURIComponent(query)}&interval=hour&from=${from}&to=${to}`,
  );
  if (status !== 200) throw new Error(`volume answered ${status}: ${JSON.stringify(body)}`);
  return body.series[0]!.points.reduce((n, p) => n + p.count, 0);
}

/** Creates a keyword alert that posts to `url`; returns its id. */
export async function createAlert(app: ClusterApp, query: string, url: string): Promise<string> {
  const res = await app.call<{ id: string }>('/api/alerts', { method: 'POST', body: JSON.stringify({ name: `cluster ${query}`, query, webhook: { url } }) });
  if (res.status !== 201) throw new Error(`POST /api/alerts answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/**
 * Waits until the farm's ingest is complete as the API sees it: every item listed, the volume
 * of the matching ones exact, the alert's hits and delivered webhooks all in.
 */
export async function waitForFarm(app: ClusterApp, alertId: string, deliveries: Delivery[], extraItems = 0, timeoutMs = 240_000): Promise<void> {
  let last = '';
  try {
    await waitFor(
      async () => {
        const items = await storedCount(app);
        const { body: hits } = await app.call<{ hits: unknown[] }>(`/api/alerts/${alertId}/hits?limit=200`);
        const posted = new Set(deliveries.filter((d) => d.type === 'alert.hit').map((d) => d.itemId)).size;
        last = `${items} items, ${hits.hits.length} hits, ${posted} webhooks`;
        return items >= FARM_TOTAL + extraItems && hits.hits.length >= FARM_MATCHING && posted >= FARM_MATCHING;
      },
      timeoutMs,
      500,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${last}`);
  }
}
