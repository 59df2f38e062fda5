/**
 * WebSub benchmark: a real hub on 127.0.0.1 subscribes the system to a feed, then pushes 100
 * signed documents, one new story each, one after another; each push's latency is the time
 * from sending it to its item standing tagged as relevant in the digest's items (read through
 * the API every 10 ms, newest 50). Then 100 forged pushes: none may be stored. The feed server counts
 * fetches of the feed during the pushes (target: none). Target: p99 under 1 s.
 * Writes bench/results/websub.json. Run alone with `tsx bench/websub.ts`.
 */
import { rssOf, startFeedServer } from '../test/helpers/feed-server.ts';
import { uniquePrefix } from '../test/helpers/redis-prefix.ts';
import { startTestApp, waitFor } from '../test/helpers/start-app.ts';
import { startWebSubHub } from '../test/helpers/websub-hub.ts';
import { writeBenchResult } from './bench-result.ts';
import { isMain } from './is-main.ts';
import { msStats } from './percentile.ts';
import { printRows } from './report-table.ts';

const PUSHES = Number(process.env.WEBSUB_BENCH_PUSHES ?? 100);
const PLACES = ['Muscat', 'Oman', 'Tehran', 'Geneva', 'Vienna', 'Doha'];
const VERBS = ['resume', 'pause', 'extend', 'open', 'close', 'prepare', 'review'];

function story(n: number): { title: string; description: string; guid: string } {
  const place = PLACES[n % PLACES.length]!;
  const verb = VERBS[n % VERBS.length]!;
  return {
    guid: `push-${n}`,
    title: `Araghchi and Witkoff ${verb} nuclear talks in Muscat, round ${n}`,
    description: `Round ${n}: Iran's foreign minister Abbas Araghchi and US envoy Steve Witkoff ${verb} talks mediated by Oman, with delegations meeting in ${place} on the nuclear dossier (item ${n * 7919}).`,
  };
}

/** Runs the benchmark, prints its table, writes the JSON. */
export async function runWebSubBench(): Promise<unknown> {
  const hub = await startWebSubHub(3600);
  const feeds = await startFeedServer();
  const topic = feeds.url('/pushed.xml');
  const doc = (items: Array<ReturnType<typeof story>>) =>
    rssOf('Pushed', items.map((i) => ({ ...i, link: `https://pushed.example/${i.guid}`, pubDate: new Date().toUTCString() }))).replace(
      '<channel>',
      `<channel><atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="hub" href="${hub.url}/"/><atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="self" href="${topic}"/>`,
    );
  feeds.route('/pushed.xml', (_req, res) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(doc([story(-1)])));
  const app = await startTestApp(uniquePrefix('bench-websub'), { FULL_TEXT: 'never', LOG_LEVEL: 'silent', WEBSUB_PUSHES_PER_MINUTE: '10000' });
  try {
    const feed = await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: topic }) });
    await waitFor(async () => (await app.json<{ push: { state: string } | null }>(`/api/feeds/${feed.body.id}`)).body.push?.state === 'subscribed');
    await new Promise((r) => setTimeout(r, 1500)); // the first poll's tagging settles
    const fetchesBefore = feeds.requests.filter((r) => r.path === '/pushed.xml').length;
    const latencies: number[] = [];
    let missed = 0;
    for (let n = 0; n < PUSHES; n++) {
      const s = story(n);
      const sent = performance.now();
      await hub.push(topic, doc([s]));
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { body } = await app.json<{ items: Array<{ title: string; relevant: boolean; score: number | null }> }>(`/api/items?feedId=${feed.body.id}&anchorId=muscat-talks&limit=50`);
        const hit = body.items.find((i) => i.title === s.title && i.score !== null);
        if (hit) {
          if (hit.relevant) latencies.push(performance.now() - sent);
          else missed++;
          break;
        }
        if (Date.now() > deadline) {
          if (process.env.WEBSUB_BENCH_DEBUG) process.stderr.write(`missed ${s.title}: ${JSON.stringify(body.items)}\n`);
          missed++;
          break;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    let forgedStored = 0;
    for (let n = 0; n < PUSHES; n++) await hub.push(topic, doc([{ ...story(1000 + n), title: `Forged story ${n} about Araghchi in Muscat` }]), { forge: n % 2 ? 'bad' : 'missing' });
    await new Promise((r) => setTimeout(r, 1500));
    const { body } = await app.json<{ items: Array<{ title: string }> }>(`/api/items?feedId=${feed.body.id}&limit=200`);
    forgedStored = body.items.filter((i) => i.title.startsWith('Forged')).length;
    const feedFetches = feeds.requests.filter((r) => r.path === '/pushed.xml').length - fetchesBefore;
    const stats = msStats(latencies);
    const result = { pushes: PUSHES, inDigest: latencies.length, missed, latencyMs: stats, forgedPushes: PUSHES, forgedStored, feedFetchesDuringPushes: feedFetches, p99UnderOneSecond: stats.p99 < 1000 };
    printRows(
      [
        ['signed pushes', String(PUSHES)],
        ['in the digest (relevant)', String(latencies.length)],
        ['push → digest p50 / p90 / p99 / max ms', `${stats.p50} / ${stats.p90} / ${stats.p99} / ${stats.max}`],
        ['forged or unsigned pushes stored', `${forgedStored} of ${PUSHES}`],
        ['feed fetches during the pushes', String(feedFetches)],
      ],
      42,
    );
    const out = await writeBenchResult('websub', result);
    process.stdout.write(`wrote ${out}\n`);
    return result;
  } finally {
    await app.stop();
    await feeds.close();
    await hub.close();
  }
}

if (isMain(import.meta.url)) await runWebSubBench();
