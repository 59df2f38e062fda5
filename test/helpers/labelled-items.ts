import { readFileSync } from 'node:fs';

/** One labelled item of test/fixtures/hard-items.jsonl (the LABELS.md format). */
export interface LabelledItem {
  id: string;
  source: string;
  title: string;
  summary: string;
  hoursAgo: number;
  entities: string[];
  relevant: boolean;
}

/** The project's own labelled items. */
export function labelledItems(): LabelledItem[] {
  return readFileSync(new URL('../fixtures/hard-items.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LabelledItem);
}

/** RSS item fields for a labelled item, with a link of its own and a pubDate from hoursAgo. */
export function asFeedItem(item: LabelledItem, now = Date.now()) {
  return {
    title: item.title,
    link: `http://news.example/${item.id}`,
    guid: item.id,
    description: item.summary,
    pubDate: new Date(now - item.hoursAgo * 3600_000).toUTCString(),
  };
}
