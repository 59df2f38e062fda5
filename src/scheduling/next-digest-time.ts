import type { SubscriptionEvery } from '../model/subscription.ts';
import { zoneOffsetMs } from '../volume/time-buckets.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The instant at which the zone's wall clock shows the given local time (the later reading across a DST gap). */
function zonedToUtc(localMs: number, tz: string): number {
  // The offset at the guess and at the corrected instant agree except around a DST change.
  let utc = localMs - zoneOffsetMs(tz, localMs);
  utc = localMs - zoneOffsetMs(tz, utc);
  return utc;
}

/** The zone's wall-clock time of an instant, as ms on a UTC-based axis. */
function localOf(utc: number, tz: string): number {
  return utc + zoneOffsetMs(tz, utc);
}

/**
 * The first send time strictly after `after`: every hour at minute MM of the zone's clock,
 * every day at HH:MM local, or every Monday at HH:MM local. A time skipped by a DST change
 * moves to the first instant after it, never to the day after.
 */
export function nextDigestTime(every: SubscriptionEvery, at: string, tz: string, after: number): number {
  const [hh, mm] = at.split(':').map(Number) as [number, number];
  const local = localOf(after, tz);
  if (every === 'hour') {
    const hourStart = Math.floor(local / HOUR) * HOUR;
    for (let k = 0; k < 3; k++) {
      const t = zonedToUtc(hourStart + k * HOUR + mm * MINUTE, tz);
      if (t > after) return t;
    }
    return after + HOUR;
  }
  const dayStart = Math.floor(local / DAY) * DAY;
  for (let k = 0; k < 9; k++) {
    const day = dayStart + k * DAY;
    // 1970-01-01 was a Thursday: (days + 3) % 7 === 0 on Mondays.
    if (every === 'week' && (Math.floor(day / DAY) + 3) % 7 !== 0) continue;
    const t = zonedToUtc(day + hh * HOUR + mm * MINUTE, tz);
    if (t > after) return t;
  }
  return after + (every === 'week' ? 7 * DAY : DAY);
}
