/**
 * Runs every feed of other parsers' test suites (../shared/corpora) through the
 * real reader path and checks that each one either reads or fails with a
 * per-feed AppError, and that titles and links agree where the suite says what
 * they should be. Writes the figures to docs/conformance.md.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { AppError } from '../src/errors.ts';
import { canonicalUrl } from '../src/reader/canonical-url.ts';
import { htmlToText } from '../src/reader/html-to-text.ts';
import { readFeed, type ReadFeedResult } from '../src/reader/read-feed.ts';
import { describeWithShared, SHARED_DIR } from './helpers/shared-data.ts';

const CORPORA = path.join(SHARED_DIR, 'corpora');
const BASE_URL = 'https://conformance.example/feed.xml';
/** A synchronous parser hang cannot be interrupted, so slowness is measured and asserted too. */
const PER_FILE_TIMEOUT_MS = 5000;

type Outcome =
  | { kind: 'parsed'; result: ReadFeedResult; ms: number }
  | { kind: 'app-error'; code: string; message: string; ms: number }
  | { kind: 'crash'; message: string; ms: number };

interface Expectation {
  feedTitle?: string | null;
  /** entries[i] → expected fields (feedparser). */
  byIndex?: Array<{ index: number; field: 'title' | 'link'; value: string }>;
  /** Every expected item must be found among ours (rss-parser, feed-rs: order-insensitive). */
  items?: Array<{ title: string | null; link: string | null }>;
  /** The suite expects this document to be refused. */
  expectError?: boolean;
}

interface FileReport {
  suite: string;
  file: string;
  outcome: Outcome;
  expectation: Expectation | null;
  agrees: boolean | null;
  mismatch: string | null;
  group: string;
}

const reports: FileReport[] = [];

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]))
    .sort();
}

async function run(file: string, contentType: string | null): Promise<Outcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${PER_FILE_TIMEOUT_MS} ms`)), PER_FILE_TIMEOUT_MS);
    });
    const result = await Promise.race([
      readFeed(readFileSync(file), contentType, { feedId: 'conformance', baseUrl: BASE_URL, now: Date.now() }),
      timeout,
    ]);
    return { kind: 'parsed', result, ms: ms() };
  } catch (err) {
    if (err instanceof AppError) return { kind: 'app-error', code: err.code, message: err.message, ms: ms() };
    return { kind: 'crash', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err), ms: ms() };
  } finally {
    clearTimeout(timer);
  }
}

const title = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? htmlToText(value, 300) || null : null;
const link = (value: unknown): string | null => (typeof value === 'string' ? canonicalUrl(value, BASE_URL) : null);

/** Compares an outcome with what the suite expects; null when the suite says nothing checkable. */
function judge(outcome: Outcome, expectation: Expectation | null): { agrees: boolean | null; mismatch: string | null } {
  if (expectation === null) return { agrees: null, mismatch: null };
  if (expectation.expectError) {
    return outcome.kind === 'app-error'
      ? { agrees: true, mismatch: null }
      : { agrees: false, mismatch: 'expected the document to be refused' };
  }
  if (outcome.kind !== 'parsed') return { agrees: false, mismatch: `not read: ${outcome.kind === 'app-error' ? outcome.code : 'crash'}: ${outcome.message}` };
  const { feed, items } = outcome.result;
  if (expectation.feedTitle !== undefined && expectation.feedTitle !== null && feed.title !== expectation.feedTitle) {
    return { agrees: false, mismatch: `feed.title ${JSON.stringify(feed.title)} ≠ ${JSON.stringify(expectation.feedTitle)}` };
  }
  for (const { index, field, value } of expectation.byIndex ?? []) {
    const ours = items[index]?.[field] ?? null;
    const want = field === 'title' ? title(value) : link(value);
    if (ours !== want) return { agrees: false, mismatch: `entries[${index}].${field} ${JSON.stringify(ours)} ≠ ${JSON.stringify(want)}` };
  }
  // An expected item with neither title nor link is one the reader drops by design (nothing to show).
  for (const want of (expectation.items ?? []).filter((w) => w.title !== null || w.link !== null)) {
    const found = items.some(
      (item) => (want.title === null || item.title === want.title) && (want.link === null || item.link === want.link),
    );
    if (!found) return { agrees: false, mismatch: `no item with title ${JSON.stringify(want.title)} and link ${JSON.stringify(want.link)}` };
  }
  return { agrees: true, mismatch: null };
}

async function record(suite: string, group: string, file: string, contentType: string | null, expectation: Expectation | null) {
  const outcome = await run(file, contentType);
  const { agrees, mismatch } = judge(outcome, expectation);
  reports.push({ suite, group, file: path.relative(CORPORA, file), outcome, expectation, agrees, mismatch });
}

/** JSON written by a tool that read latin-1 input as latin-1 is not UTF-8: read it the same way. */
function readJsonLenient(file: string): unknown {
  const bytes = readFileSync(file);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = bytes.toString('latin1');
  }
  return JSON.parse(text);
}

function rssParserExpectation(dir: string, inputName: string): Expectation | null {
  const cases = (readJsonLenient(path.join(dir, 'cases.json')) as { cases: Array<Record<string, unknown>> }).cases;
  const entry = cases.find((c) => c.input === inputName);
  if (!entry) return null;
  if (typeof entry.expect_error_contains === 'string') return { expectError: true };
  if (typeof entry.expected !== 'string') return {};
  const output = readJsonLenient(path.join(dir, 'output', entry.expected)) as {
    feed: { title?: unknown; items?: Array<Record<string, unknown>> };
  };
  return {
    feedTitle: title(output.feed.title),
    items: (output.feed.items ?? []).map((item) => ({ title: title(item.title), link: link(item.link) })),
  };
}

function feedRsExpectation(file: string): Expectation | null {
  const serde = file.replace(/\.(xml|json)$/, '.serde.json');
  if (!existsSync(serde)) return null;
  type Text = { content?: unknown } | null;
  type Link = { href?: unknown; rel?: unknown };
  const doc = readJsonLenient(serde) as { title?: Text; entries?: Array<{ title?: Text; links?: Link[] }> };
  return {
    feedTitle: title(doc.title?.content),
    items: (doc.entries ?? []).map((entry) => {
      const links = entry.links ?? [];
      const main = links.find((l) => l.rel === 'alternate' || l.rel === null || l.rel === undefined) ?? null;
      return { title: title(entry.title?.content), link: main === null ? null : link(main.href) };
    }),
  };
}

interface FeedparserCase {
  file: string;
  group: string;
  http_headers: Record<string, string> | null;
  assertions: Array<{ path: string; op: string; value: unknown }> | null;
}

function feedparserExpectation(c: FeedparserCase | undefined): Expectation | null {
  const checkable = (c?.assertions ?? []).filter(
    (a) => a.op === '==' && typeof a.value === 'string' && /^(feed\.title|entries\[\d+\]\.(title|link))$/.test(a.path),
  );
  if (checkable.length === 0) return null;
  const expectation: Expectation = { byIndex: [] };
  for (const a of checkable) {
    if (a.path === 'feed.title') expectation.feedTitle = title(a.value);
    else {
      const [, index, field] = /^entries\[(\d+)\]\.(title|link)$/.exec(a.path) ?? [];
      expectation.byIndex?.push({ index: Number(index), field: field as 'title' | 'link', value: a.value as string });
    }
  }
  return expectation;
}

function contentTypeOf(headers: Record<string, string> | null | undefined): string | null {
  const entry = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type');
  return entry?.[1] ?? null;
}

const isFeedFile = (file: string) =>
  !/(^|\/)(LICENSE[^/]*|SOURCE\.txt|README\.md|cases\.json|expectations\.json)$/.test(file) &&
  !file.endsWith('.serde.json') &&
  !file.includes(`${path.sep}output${path.sep}`);

function summarise(): string {
  const suites = [...new Set(reports.map((r) => r.suite))];
  const rows = suites.map((suite) => {
    const all = reports.filter((r) => r.suite === suite);
    const judged = all.filter((r) => r.agrees !== null);
    return {
      suite,
      files: all.length,
      parsed: all.filter((r) => r.outcome.kind === 'parsed').length,
      refused: all.filter((r) => r.outcome.kind === 'app-error').length,
      crashed: all.filter((r) => r.outcome.kind === 'crash').length,
      checked: judged.length,
      agree: judged.filter((r) => r.agrees).length,
    };
  });
  const wellformed = reports.filter((r) => r.suite === 'feedparser-python' && r.group === 'wellformed' && r.agrees !== null);
  const codes = new Map<string, number>();
  for (const r of reports) if (r.outcome.kind === 'app-error') codes.set(r.outcome.code, (codes.get(r.outcome.code) ?? 0) + 1);
  const lines = [
    '# Conformance: other parsers\' test feeds',
    '',
    'Generated by `test/conformance.test.ts` (`npx vitest run test/conformance.test.ts`); do not edit by hand.',
    '',
    'Every file under `../shared/corpora` goes through the production path `readFeed` (decodeBody with the',
    'suite\'s HTTP Content-Type where it gives one, then parseFeed, then normalizeItems). A file is *parsed*',
    'when it yields a feed, *refused* when it fails with a per-feed `AppError` (the reason is in the code),',
    'and *crashed* for anything else (must be 0). Where the suite states expected titles or links, both',
    'sides are compared in the reader\'s normal form (plain text via htmlToText, links via canonicalUrl',
    `against the placeholder base \`${BASE_URL}\`).`,
    '',
    '- rss-parser-fixtures: feed title and every item\'s title and link of `output/*.json`; `cases.json` error cases must be refused.',
    '- feedparser-python: `expectations.json` assertions on `feed.title`, `entries[i].title`, `entries[i].link`.',
    '- feed-rs-fixtures: feed title and every entry\'s title and main link of `*.serde.json`.',
    '- node-feedparser-fixtures: no expectations; no crash, clear error.',
    '',
    '| suite | files | parsed | refused (AppError) | crashed | with expectations | agree |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.suite} | ${r.files} | ${r.parsed} | ${r.refused} | ${r.crashed} | ${r.checked} | ${r.agree} |`),
    '',
    `feedparser \`wellformed\` cases with title/link assertions: ${wellformed.filter((r) => r.agrees).length} of ${wellformed.length} agree.`,
    '',
    `Refusals by code: ${[...codes].sort().map(([code, n]) => `\`${code}\` ${n}`).join(', ')}.`,
    '',
    '## Disagreements',
    '',
    ...reports
      .filter((r) => r.agrees === false)
      .map((r) => `- \`${r.file}\`: ${r.mismatch}`),
    '',
    '## Refused documents',
    '',
    '| file | code | message |',
    '|---|---|---|',
    ...reports
      .filter((r) => r.outcome.kind === 'app-error')
      .map((r) => {
        const o = r.outcome as Extract<Outcome, { kind: 'app-error' }>;
        return `| \`${r.file}\` | ${o.code} | ${o.message.replace(/\|/g, '\\|')} |`;
      }),
    '',
  ];
  return lines.join('\n');
}


describeWithShared('conformance corpora', ['corpora'], () => {
  afterAll(() => {
    if (reports.length === 0) return;
    const summary = summarise();
    console.log(summary);
    const slowest = [...reports].sort((a, b) => b.outcome.ms - a.outcome.ms)[0];
    if (slowest) console.log(`slowest file: ${slowest.file} (${slowest.outcome.ms} ms)`);
    mkdirSync(path.resolve(process.cwd(), 'docs'), { recursive: true });
    writeFileSync(path.resolve(process.cwd(), 'docs', 'conformance.md'), summary);
  });

  it('rss-parser fixtures: every file reads or is refused, and every expected output agrees', async () => {
    const dir = path.join(CORPORA, 'rss-parser-fixtures');
    for (const file of walk(path.join(dir, 'input'))) {
      await record('rss-parser-fixtures', 'input', file, null, rssParserExpectation(dir, path.basename(file)));
    }
    const mine = reports.filter((r) => r.suite === 'rss-parser-fixtures');
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.filter((r) => r.outcome.kind === 'crash').map((r) => r.file)).toEqual([]);
    expect(mine.filter((r) => r.agrees === false).map((r) => `${r.file}: ${r.mismatch}`)).toEqual([]);
  });

  it('feedparser-python: no crash, and at least 95% of wellformed title/link assertions agree', async () => {
    const dir = path.join(CORPORA, 'feedparser-python');
    const cases = (readJsonLenient(path.join(dir, 'expectations.json')) as { cases: FeedparserCase[] }).cases;
    const byFile = new Map(cases.map((c) => [c.file, c]));
    for (const file of walk(dir).filter(isFeedFile)) {
      const relative = path.relative(dir, file).split(path.sep).join('/');
      const c = byFile.get(relative);
      await record('feedparser-python', relative.split('/')[0] ?? '', file, contentTypeOf(c?.http_headers), feedparserExpectation(c));
    }
    const mine = reports.filter((r) => r.suite === 'feedparser-python');
    expect(mine.filter((r) => r.outcome.kind === 'crash').map((r) => r.file)).toEqual([]);
    const wellformed = mine.filter((r) => r.group === 'wellformed' && r.agrees !== null);
    expect(wellformed.length).toBeGreaterThan(0);
    expect(wellformed.filter((r) => r.agrees).length / wellformed.length).toBeGreaterThanOrEqual(0.95);
  });

  it('feed-rs fixtures: no crash; titles and links are counted', async () => {
    const dir = path.join(CORPORA, 'feed-rs-fixtures');
    for (const file of walk(dir).filter(isFeedFile)) {
      await record('feed-rs-fixtures', path.relative(dir, file).split(path.sep)[0] ?? '', file, null, feedRsExpectation(file));
    }
    const mine = reports.filter((r) => r.suite === 'feed-rs-fixtures');
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.filter((r) => r.outcome.kind === 'crash').map((r) => r.file)).toEqual([]);
  });

  it('node-feedparser fixtures: every file reads or fails with a clear AppError', async () => {
    const dir = path.join(CORPORA, 'node-feedparser-fixtures');
    for (const file of walk(dir).filter(isFeedFile)) {
      await record('node-feedparser-fixtures', 'feeds', file, null, null);
    }
    const mine = reports.filter((r) => r.suite === 'node-feedparser-fixtures');
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.filter((r) => r.outcome.kind === 'crash').map((r) => r.file)).toEqual([]);
  });

  it('no file takes longer than the per-file limit', () => {
    expect(reports.filter((r) => r.outcome.ms > PER_FILE_TIMEOUT_MS).map((r) => r.file)).toEqual([]);
  });
});
