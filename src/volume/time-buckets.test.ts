import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { bucketBoundaries, checkTimeZone, zoneOffsetMs } from './time-buckets.ts';

const iso = (ms: number) => new Date(ms).toISOString();

describe('bucketBoundaries', () => {
  it('aligns minute and hour buckets and covers the whole range', () => {
    const from = Date.parse('2026-11-29T10:17:30Z');
    const to = Date.parse('2026-11-29T10:20:00Z');
    expect(bucketBoundaries(from, to, 'minute', 'UTC').map(iso)).toEqual([
      '2026-11-29T10:17:00.000Z',
      '2026-11-29T10:18:00.000Z',
      '2026-11-29T10:19:00.000Z',
      '2026-11-29T10:20:00.000Z',
    ]);
    expect(bucketBoundaries(from, Date.parse('2026-11-29T12:00:00Z'), 'hour', 'UTC').map(iso)).toEqual([
      '2026-11-29T10:00:00.000Z',
      '2026-11-29T11:00:00.000Z',
      '2026-11-29T12:00:00.000Z',
    ]);
  });

  it('aligns hour buckets on the local hour in a half-hour zone', () => {
    const b = bucketBoundaries(Date.parse('2026-11-29T10:10:00Z'), Date.parse('2026-11-29T11:00:00Z'), 'hour', 'Asia/Kolkata');
    expect(b.map(iso)).toEqual(['2026-11-29T09:30:00.000Z', '2026-11-29T10:30:00.000Z', '2026-11-29T11:30:00.000Z']);
  });

  it('puts day buckets on local midnights, 23 and 25 hours long across DST changes', () => {
    const spring = bucketBoundaries(Date.parse('2026-03-28T12:00:00Z'), Date.parse('2026-03-30T12:00:00Z'), 'day', 'Europe/Berlin');
    expect(spring.map(iso)).toEqual(['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z']);
    expect((spring[2]! - spring[1]!) / 3600_000).toBe(23);
    const autumn = bucketBoundaries(Date.parse('2026-10-25T01:00:00Z'), Date.parse('2026-10-25T22:30:00Z'), 'day', 'Europe/Berlin');
    expect(autumn.map(iso)).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
    expect((autumn[1]! - autumn[0]!) / 3600_000).toBe(25);
    expect(bucketBoundaries(Date.parse('2026-11-29T05:00:00Z'), Date.parse('2026-11-30T05:00:00Z'), 'day', 'America/New_York').map(iso)).toEqual([
      '2026-11-29T05:00:00.000Z',
      '2026-11-30T05:00:00.000Z',
    ]);
  });

  it('refuses too many buckets and an empty range', () => {
    const catchErr = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err;
      }
      return null;
    };
    expect(isAppError(catchErr(() => bucketBoundaries(0, 10 * 24 * 3600_000, 'minute', 'UTC')))).toBe(true);
    expect(isAppError(catchErr(() => bucketBoundaries(5, 5, 'hour', 'UTC')))).toBe(true);
  });
});

describe('time zones', () => {
  it('knows IANA zones and refuses others', () => {
    expect(checkTimeZone('Asia/Muscat')).toBe('Asia/Muscat');
    expect(() => checkTimeZone('Mars/Olympus')).toThrow(/time zone/);
    expect(zoneOffsetMs('Asia/Muscat', Date.parse('2026-11-29T00:00:00Z'))).toBe(4 * 3600_000);
  });
});
