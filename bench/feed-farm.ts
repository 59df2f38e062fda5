/**
 * The ingest benchmark's feed server: FEEDS RSS 2.0 feeds of ITEMS_PER_FEED deterministic
 * news-like items (120-word descriptions), served over node:http from HOSTS loopback
 * addresses (127.0.0.1 … 127.0.0.HOSTS) so the per-host concurrency limit of the poller
 * sees many hosts, as it would in real life. Every feed carries an ETag and answers 304
 * to a matching If-None-Match.
 *
 * Runs in its own process (`node --import tsx bench/feed-farm.ts`) so it neither shares the
 * app's event loop nor blurs per-process CPU figures. When listening it writes one JSON line
 * on stdout: `{ "ready": true, "hosts": [{ "host", "port" }], "feeds", "itemsPerFeed", ... }`.
 * `GET /_stats` on any address answers the request counters so far, with the most requests
 * that were in flight to one address at once (`peakInFlightPerHost`: a request counts from
 * its arrival until its answer is sent, one event-loop turn later, so requests a client
 * sends together overlap here as they would at a real server); `POST /_stats` answers and
 * zeroes them. Env: FARM_FEEDS (500), FARM_ITEMS (20), FARM_HOSTS (50), FARM_SEED (7).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { escapeXml } from './escape-xml.ts';
import { prng } from '../workers/prng.ts';

const FEEDS = Number(process.env.FARM_FEEDS ?? 500);
const ITEMS_PER_FEED = Number(process.env.FARM_ITEMS ?? 20);
const HOSTS = Math.min(254, Math.max(1, Number(process.env.FARM_HOSTS ?? 50)));
const SEED = Number(process.env.FARM_SEED ?? 7);
const WORDS_PER_DESCRIPTION = 120;


const ON_TOPIC = `talks nuclear enrichment uranium centrifuges diplomacy delegation envoy mediators sanctions
framework deal negotiators warning evacuation embassy carrier group military escalation proxy missile
stockpile inspectors breakthrough standoff security alert region Gulf Hormuz ceasefire strikes dossier`.split(/\s+/);
const OFF_TOPIC = `market shares budget pension football squad festival harvest grapes weather rain council
housing school bridge airline route flights tourism museum library concert election coalition tariffs
rates inflation bank parliament speaker streetcar film prize director coach striker merger earnings
quarter profit retail exports factory strike union hospital patients vaccine court verdict appeal`.split(/\s+/);
const FILLER = `the a of and in to on for with said that was is by as at from its after before while new two
officials people week would could also more than about over into their this has been on Tuesday late
according statement spokesperson told reporters sources familiar matter expected`.split(/\s+/);
// Names of the default anchor (and look-alikes that must not match), so tagging does real work.
const ANCHOR_NAMES = [
  'Steve Witkoff', 'Abbas Araghchi', 'Araghchi', 'Araqchi', 'President Trump', 'Friedrich Merz', 'Erdogan',
  'Muscat', 'Oman', 'Omani', 'Iran', 'Iranian', "Iran's", 'Tehran', 'Washington',
  'the Institute for the Study of War', 'carrier group',
];
const OTHER_NAMES = ['Moscow', 'Berlin', 'Ankara', 'Oman Air', 'Woman', 'Romania', 'trump card', 'muscatel', 'Muscatine', 'Lisbon', 'Nairobi', 'Ottawa'];

interface FeedDoc {
  path: string;
  body: Buffer;
  etag: string;
  lastModified: string;
  /** Response headers, built once. */
  notModifiedHeaders: Record<string, string>;
  okHeaders: Record<string, string | number>;
}

/** Builds every feed document once; text is a pure function of the seed, dates of `now`. */
function buildFeeds(now: number): { docs: FeedDoc[]; mentionShare: number } {
  const rnd = prng(SEED);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const docs: FeedDoc[] = [];
  let mentioning = 0;
  for (let f = 0; f < FEEDS; f++) {
    const outlet = `Outlet ${f + 1}`;
    const items: string[] = [];
    for (let i = 0; i < ITEMS_PER_FEED; i++) {
      // A monitoring feed mix: a quarter of the stories are about the anchor's subject, and
      // a few others drop one of its names in passing (a near-miss the tagger must score low).
      const onTopic = rnd() < 0.25;
      const mentions = onTopic ? rnd() < 0.85 : rnd() < 0.08;
      if (mentions) mentioning++;
      const words: string[] = [];
      let namesDropped = 0;
      while (words.length < WORDS_PER_DESCRIPTION) {
        const r = rnd();
        if (r < 0.45) words.push(pick(FILLER));
        else if (r < 0.85) words.push(pick(onTopic ? ON_TOPIC : OFF_TOPIC));
        else if (r < 0.89 && mentions && (onTopic || namesDropped++ < 1)) words.push(...pick(ANCHOR_NAMES).split(' '));
        else if (r < 0.92) words.push(...pick(OTHER_NAMES).split(' '));
        else words.push(pick(onTopic ? OFF_TOPIC : FILLER));
      }
      const text = words.slice(0, WORDS_PER_DESCRIPTION);
      const title = `${text.slice(0, 9).join(' ')}`.replace(/^./, (c) => c.toUpperCase());
      // Two paragraphs of HTML, as real feeds send, so html-to-text does its usual work.
      const html = `<p>${text.slice(0, 60).join(' ')}.</p><p>${text.slice(60).join(' ')}. <a href="https://outlet${f + 1}.example/more">More</a></p>`;
      const link = `https://outlet${f + 1}.example/news/${2025 - (i % 2)}/story-${f + 1}-${i + 1}?utm_source=rss`;
      const published = new Date(now - (f * ITEMS_PER_FEED + i) * 17_000 - Math.floor(rnd() * 600_000)).toUTCString();
      items.push(
        `<item><title>${escapeXml(title)}</title><link>${escapeXml(link)}</link>` +
          `<guid isPermaLink="false">outlet-${f + 1}-item-${i + 1}</guid>` +
          `<description><![CDATA[${html}]]></description><pubDate>${published}</pubDate></item>`,
      );
    }
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>${outlet}</title>` +
      `<link>https://outlet${f + 1}.example/</link><description>News from ${outlet}</description>` +
      `<language>en</language>\n${items.join('\n')}\n</channel></rss>\n`;
    const body = Buffer.from(xml, 'utf8');
    const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 20)}"`;
    const lastModified = new Date(now).toUTCString();
    const validators = { etag, 'last-modified': lastModified, 'cache-control': 'max-age=0' };
    docs.push({
      path: `/feeds/${f + 1}.xml`,
      body,
      etag,
      lastModified,
      notModifiedHeaders: validators,
      okHeaders: { ...validators, 'content-type': 'application/rss+xml; charset=utf-8', 'content-length': body.length },
    });
  }
  return { docs, mentionShare: mentioning / (FEEDS * ITEMS_PER_FEED) };
}

const { docs, mentionShare } = buildFeeds(Date.now());
const byPath = new Map(docs.map((d) => [d.path, d]));
const stats = { ok: 0, notModified: 0, notFound: 0, bytesSent: 0, peakInFlightPerHost: 0 };
const inFlight = new Map<string, number>();

/** Counts the request in flight to its address until answered; the answer waits one turn of the loop. */
function track(host: string, req: IncomingMessage, res: ServerResponse): void {
  const n = (inFlight.get(host) ?? 0) + 1;
  inFlight.set(host, n);
  if (n > stats.peakInFlightPerHost) stats.peakInFlightPerHost = n;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    inFlight.set(host, inFlight.get(host)! - 1);
  };
  res.once('finish', finish);
  res.once('close', finish);
  setImmediate(() => handle(req, res));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === '/_stats') {
    // Answers the counters so far; a POST also zeroes them (after answering).
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(stats));
    if (req.method === 'POST') Object.assign(stats, { ok: 0, notModified: 0, notFound: 0, bytesSent: 0, peakInFlightPerHost: 0 });
    return;
  }
  const doc = byPath.get(path);
  if (!doc) {
    stats.notFound++;
    res.statusCode = 404;
    res.end('not found');
    return;
  }
  const inm = req.headers['if-none-match'];
  // The exact validator (what a poller sends back) is matched without splitting the header.
  if (inm !== undefined && (inm === doc.etag || inm.split(',').some((t) => t.trim() === doc.etag))) {
    stats.notModified++;
    // One writeHead with the headers, as a lean server answers: the same bytes as setHeader calls.
    res.writeHead(304, doc.notModifiedHeaders);
    res.end();
    return;
  }
  stats.ok++;
  stats.bytesSent += doc.body.length;
  res.writeHead(200, doc.okHeaders);
  res.end(doc.body);
}

const servers: Server[] = [];
const hosts: Array<{ host: string; port: number }> = [];
for (let h = 1; h <= HOSTS; h++) {
  const host = `127.0.0.${h}`;
  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    if ((req.url ?? '').startsWith('/_stats')) handle(req, res);
    else track(host, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  servers.push(server);
  hosts.push({ host, port: (server.address() as AddressInfo).port });
}

process.stdout.write(
  `${JSON.stringify({
    ready: true,
    hosts,
    feeds: FEEDS,
    itemsPerFeed: ITEMS_PER_FEED,
    paths: docs.map((d) => d.path),
    totalBytes: docs.reduce((n, d) => n + d.body.length, 0),
    mentionShare,
  })}\n`,
);

const stop = () => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
