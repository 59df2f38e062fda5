/**
 * The latency benchmark's live feed, served from the driver's own process so that t0 (the
 * 'finish' of the first response carrying a new item) is taken on the driver's clock.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { escapeXml } from '../escape-xml.ts';
import { CFG, now } from './config.ts';
import type { LiveItem } from './sample-items.ts';

/** The feed: its URL, the items it shows (newest last) and how often it was fetched. */
export interface LiveFeed {
  url: string;
  items: LiveItem[];
  requests: number;
  close(): Promise<void>;
}

/** Serves /live.xml (RSS 2.0, the last CFG.feedWindow items) on 127.0.0.1, stamping each item's tFirstReq and t0. */
export async function startLiveFeed(): Promise<LiveFeed> {
  const feed: LiveFeed = { url: '', items: [], requests: 0, close: async () => {} };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? '').split('?')[0] !== '/live.xml') {
      res.statusCode = 404;
      res.end();
      return;
    }
    feed.requests++;
    const tReq = now();
    const shown = feed.items.slice(-CFG.feedWindow);
    for (const it of shown) it.tFirstReq ??= tReq;
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Latency Wire</title><link>http://wire.example/</link>\n` +
      shown
        .map(
          (i) =>
            `<item><title>${escapeXml(i.title)}</title><link>${escapeXml(i.link)}</link><guid isPermaLink="false">${i.guid}</guid>` +
            `<description>${escapeXml(i.summary)}</description><pubDate>${i.pubDate}</pubDate></item>`,
        )
        .join('\n') +
      `\n</channel></rss>\n`;
    res.on('finish', () => {
      const t = now();
      for (const it of shown) it.t0 ??= t;
    });
    res.setHeader('content-type', 'application/rss+xml; charset=utf-8');
    res.setHeader('cache-control', 'no-cache');
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  feed.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/live.xml`;
  feed.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return feed;
}
