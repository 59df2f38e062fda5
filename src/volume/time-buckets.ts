import { AppError, ErrorCodes } from '../errors.ts';

/** Bucket sizes of a volume series. */
export type Interval = 'minute' | 'hour' | 'day';

/** Most buckets one request may ask for (per series). */
export const MAX_BUCKETS = 5000;

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** Validates an IANA time zone name; 400-class error when the runtime does not know it. */
export function checkTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    throw new AppError(ErrorCodes.validation, `Unknown time zone "${tz}"; use an IANA name such as Europe/Berlin.`, {
      fieldErrors: [{ field: 'tz', message: 'is not an IANA time zone' }],
    });
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The offset of a zone from UTC at an instant, in ms (positive east of Greenwich). */
export function zoneOffsetMs(tz: string, at: number): number {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** The UTC instant of a local wall-clock time in a zone (the earlier one when DST repeats it). */
function localToUtc(tz: string, y: number, m: number, d: number): number {
  const wall = Date.UTC(y, m, d);
  // Two passes settle the offset even across a DST change.
  let guess = wall - zoneOffsetMs(tz, wall);
  guess = wall - zoneOffsetMs(tz, guess);
  return guess;
}

/** The local calendar date of an instant in a zone. */
function localDate(tz: string, at: number): { y: number; m: number; d: number } {
  const local = new Date(at + zoneOffsetMs(tz, at));
  return { y: local.getUTCFullYear(), m: local.getUTCMonth(), d: local.getUTCDate() };
}

/**
 * Bucket boundaries covering [from, to): the start of every bucket, then the end of the last.
 * Minute buckets are aligned on UTC minutes; hour buckets on the zone's hours; day buckets on
 * the zone's midnights, so a day across a DST change lasts 23 or 25 hours.
 */
export function bucketBoundaries(from: number, to: number, interval: Interval, tz: string): number[] {
  if (!(from < to)) {
    throw new AppError(ErrorCodes.validation, '`from` must be before `to`.', { fieldErrors: [{ field: 'from', message: 'must be before to' }] });
  }
  const tooMany = () =>
    new AppError(ErrorCodes.validation, `The range holds more than ${MAX_BUCKETS} ${interval} buckets; narrow it or use a larger interval.`, {
      fieldErrors: [{ field: 'interval', message: `more than ${MAX_BUCKETS} buckets` }],
    });
  const step = interval === 'minute' ? MINUTE : interval === 'hour' ? HOUR : 24 * HOUR;
  if ((to - from) / step > MAX_BUCKETS + 2) throw tooMany();
  const bounds: number[] = [];
  if (interval === 'day') {
    let { y, m, d } = localDate(tz, from);
    let start = localToUtc(tz, y, m, d);
    while (start < to) {
      bounds.push(start);
      ({ y, m, d } = localDate(tz, Date.UTC(y, m, d + 1) - zoneOffsetMs(tz, start) + 12 * HOUR));
      start = localToUtc(tz, y, m, d);
    }
    bounds.push(start);
  } else {
    const offset = interval === 'hour' ? zoneOffsetMs(tz, from) : 0;
    let start = Math.floor((from + offset) / step) * step - offset;
    while (start < to) {
      bounds.push(start);
      start += step;
    }
    bounds.push(start);
  }
  if (bounds.length - 1 > MAX_BUCKETS) throw tooMany();
  return bounds;
}

/** Index of the bucket [b[i], b[i+1]) that holds `t`, or -1. */
export function bucketIndex(bounds: number[], t: number): number {
  let lo = 0;
  let hi = bounds.length - 2;
  if (hi < 0 || t < bounds[0]! || t >= bounds[bounds.length - 1]!) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (bounds[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
