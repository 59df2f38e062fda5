/**
 * Full-text benchmark. (1) Extraction: main-text accuracy on generated chrome-heavy pages
 * (share of body words kept, share of chrome words dropped) and pages per second.
 * (2) Headline-only eval: ../shared/eval/dev-items.jsonl read at run time (never copied)
 * and served twice through the whole system: once as full items (title + summary), once as
 * headline-only items whose bodies are article pages on a local server (FULL_TEXT=auto);
 * tagging and digest precision/recall of both, and their difference (target: within 0.02).
 * Writes bench/results/full-text.json. Run alone with `tsx bench/full-text.ts`.
 */
import { readFile } from 'node:fs/promises';
import { extractArticle } from '../src/reader/extract-article.ts';
import { evaluate, type LabelledItem } from '../src/tagging/evaluate.ts';
import { articlePage, extractionScore, LAYOUTS } from '../test/helpers/article-pages.ts';
import { startArticleServer } from '../test/helpers/article-server.ts';
import { rssOf, startFeedServer } from '../test/helpers/feed-server.ts';
import { uniquePrefix } from '../test/helpers/redis-prefix.ts';
import { sharedPath } from '../test/helpers/shared-data.ts';
import { startTestApp, waitFor } from '../test/helpers/start-app.ts';
import { writeBenchResult } from './bench-result.ts';
import { isMain } from './is-main.ts';
import { generateItems } from './news-items.ts';
import { round } from './percentile.ts';
import { printRows } from './report-table.ts';

type ApiItem = { title: string; link: string; relevant: boolean; score: number | null; fullText: boolean; entities: Array<{ key: string; name: string }> };

function extractionFigures() {
  // Bodies of generated news (bench/news-items.ts), each wrapped in every layout.
  const items = generateItems(200, 7);
  let kept = 0;
  let dropped = 0;
  let pages = 0;
  let nulls = 0;
  const htmls: string[] = [];
  for (const [i, item] of items.entries()) {
    const layout = LAYOUTS[i % LAYOUTS.length]!;
    const page = articlePage(item.title, item.summary, layout);
    htmls.push(page.html);
    const article = extractArticle(page.html, `https://news.example/${i}`);
    pages++;
    if (!article) {
      nulls++;
      continue;
    }
    const s = extractionScore(article.text, page);
    kept += s.bodyKept;
    dropped += s.chromeDropped;
  }
  const started = performance.now();
  const rounds = 3;
  for (let r = 0; r < rounds; r++) for (const [i, html] of htmls.entries()) extractArticle(html, `https://news.example/${i}`);
  const seconds = (performance.now() - started) / 1000;
  const avgBytes = htmls.reduce((a, h) => a + h.length, 0) / htmls.length;
  return { pages, noArticle: nulls, bodyWordsKept: round(kept / pages, 4), chromeWordsDropped: round(dropped / pages, 4), pagesPerSecond: round((rounds * htmls.length) / seconds, 1), avgPageBytes: Math.round(avgBytes) };
}

async function runThroughSystem(items: LabelledItem[], headlineOnly: boolean) {
  const prefix = uniquePrefix(headlineOnly ? 'bench-fulltext-h' : 'bench-fulltext-f');
  const feeds = await startFeedServer();
  const pages = await startArticleServer();
  const now = Date.now();
  const rss = rssOf(
    'Eval',
    items.map((item, i) => {
      pages.pages.set(`/a/${item.id}`, articlePage(item.title, item.summary, LAYOUTS[i % LAYOUTS.length]!, new Date(now - (item.hoursAgo ?? 1) * 3600_000).toISOString()).html);
      return {
        title: item.title,
        link: `${pages.url}/a/${item.id}`,
        guid: item.id,
        ...(headlineOnly ? {} : { description: item.summary }),
        pubDate: new Date(now - (item.hoursAgo ?? 1) * 3600_000).toUTCString(),
      };
    }),
  );
  feeds.route('/eval.xml', (_req, res) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss));
  const app = await startTestApp(prefix, { FULL_TEXT: headlineOnly ? 'auto' : 'never', LOG_LEVEL: 'silent' });
  try {
    const started = Date.now();
    const feed = await app.json<{ id: string }>('/api/feeds', { method: 'POST', body: JSON.stringify({ url: feeds.url('/eval.xml') }) });
    const got = await waitFor(async () => {
      const { body } = await app.json<{ items: ApiItem[] }>(`/api/items?feedId=${feed.body.id}&anchorId=muscat-talks&limit=200`);
      // Tagged: every item has a score (tagging writes all of a batch at once, after its article reads).
      return body.items.length === items.length && body.items.every((i) => i.score !== null) ? body.items : null;
    }, 120_000);
    // Tagging settles after every item is stored: wait until a second look agrees with the first.
    let settled = got;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const { body } = await app.json<{ items: ApiItem[] }>(`/api/items?feedId=${feed.body.id}&anchorId=muscat-talks&limit=200`);
      if (JSON.stringify(body.items) === JSON.stringify(settled)) break;
      settled = body.items;
    }
    const byLink = new Map(settled.map((i) => [new URL(i.link).pathname.slice(3), i]));
    const results = items.map((item) => {
      const found = byLink.get(item.id);
      return { entities: found?.entities ?? [], score: 0, relevant: found?.relevant ?? false };
    });
    const report = evaluate(items, results);
    return {
      seconds: round((Date.now() - started) / 1000, 1),
      fullTextItems: settled.filter((i) => i.fullText).length,
      pagesFetched: [...pages.hits.values()].reduce((a, b) => a + b, 0),
      tagging: { precision: round(report.micro.precision, 4), recall: round(report.micro.recall, 4) },
      digest: { precision: round(report.digest.precision, 4), recall: round(report.digest.recall, 4) },
    };
  } finally {
    await app.stop();
    await feeds.close();
    await pages.close();
  }
}

/** Runs both parts, prints them, writes the JSON. */
export async function runFullTextBench(): Promise<unknown> {
  const extraction = extractionFigures();
  printRows(
    [
      ['pages (3 layouts with heavy chrome)', String(extraction.pages)],
      ['body words kept', extraction.bodyWordsKept.toFixed(4)],
      ['chrome words dropped', extraction.chromeWordsDropped.toFixed(4)],
      ['pages without article found', String(extraction.noArticle)],
      ['extraction pages/s (one core)', String(extraction.pagesPerSecond)],
    ],
    40,
  );
  const file = sharedPath('eval/dev-items.jsonl');
  let evalResult: unknown = { skipped: '../shared/eval/dev-items.jsonl not found beside the checkout' };
  if (file) {
    const items = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as LabelledItem);
    const full = await runThroughSystem(items, false);
    const headline = await runThroughSystem(items, true);
    const delta = {
      taggingPrecision: round(headline.tagging.precision - full.tagging.precision, 4),
      taggingRecall: round(headline.tagging.recall - full.tagging.recall, 4),
      digestPrecision: round(headline.digest.precision - full.digest.precision, 4),
      digestRecall: round(headline.digest.recall - full.digest.recall, 4),
    };
    evalResult = { items: items.length, full, headlineOnly: headline, delta, within002: Object.values(delta).every((d) => Math.abs(d) <= 0.02) };
    const row = (r: typeof full) => `tags P ${r.tagging.precision.toFixed(3)} R ${r.tagging.recall.toFixed(3)}  digest P ${r.digest.precision.toFixed(3)} R ${r.digest.recall.toFixed(3)}`;
    printRows(
      [
        ['full items (title + summary)', row(full)],
        ['headline-only + article pages', `${row(headline)}  (${headline.fullTextItems} items with text, ${headline.pagesFetched} pages fetched)`],
        ['difference', JSON.stringify(delta)],
      ],
      40,
    );
  }
  const result = { extraction, eval: evalResult };
  const out = await writeBenchResult('full-text', result);
  process.stdout.write(`wrote ${out}\n`);
  return result;
}

if (isMain(import.meta.url)) await runFullTextBench();
