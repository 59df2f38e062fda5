/** One latency sample: a new item on the live feed, a poll, and every client's arrival of its event. */
import { callApi } from '../call-api.ts';
import type { ClientPool } from './client-pool.ts';
import { ADMIN_TOKEN, CFG, now } from './config.ts';
import type { LiveFeed } from './live-feed.ts';
import type { LiveItem } from './sample-items.ts';

/** What one sample measured (bench clock ms; firstSeenAt, xaddMs and tag are the app's own times). */
export interface Sample {
  seq: number;
  title: string;
  tTrigger: number;
  tFirstReq: number | null;
  t0: number | null;
  eventId: string | null;
  itemId: string | null;
  firstSeenAt: number | null;
  xaddMs: number | null;
  arrivals: number[];
  expected: number;
  tag?: { created: number; processedOn: number; finishedOn: number; batch: number };
}

/** The running app and its live feed, with the sample items not used yet (from `next`). */
export interface SampleEnv {
  base: string;
  feedId: string;
  live: LiveFeed;
  items: LiveItem[];
  next: number;
}

/** Appends one new relevant item to the live feed, polls it and waits until every client has the event. */
export async function runSample(env: SampleEnv, pool: ClientPool, timeoutMs = CFG.sampleTimeoutMs): Promise<Sample> {
  const item = env.items[env.next++];
  if (!item) throw new Error('ran out of sample items');
  item.pubDate = new Date().toUTCString();
  env.live.items.push(item);
  item.tTrigger = now();
  const res = await callApi(env.base, ADMIN_TOKEN, 'POST', `/api/feeds/${env.feedId}/poll`);
  if (res.status !== 202) throw new Error(`poll answered ${res.status}: ${JSON.stringify(res.json)}`);
  const { eventId, arrivals } = await pool.waitFor(item.title, timeoutMs);
  const meta = eventId ? pool.meta.get(eventId) : undefined;
  return {
    seq: item.seq,
    title: item.title,
    tTrigger: item.tTrigger,
    tFirstReq: item.tFirstReq ?? null,
    t0: item.t0 ?? null,
    eventId,
    itemId: meta?.itemId ?? null,
    firstSeenAt: meta?.firstSeenAt ?? null,
    xaddMs: eventId ? Number(eventId.split('-')[0]) : null,
    arrivals: [...arrivals],
    expected: pool.total,
  };
}
