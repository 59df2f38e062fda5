import { describe, expect, it } from 'vitest';
import { nextDigestTime } from './next-digest-time.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('nextDigestTime', () => {
  it('daily at a local time in a zone, strictly after the given instant', () => {
    expect(iso(nextDigestTime('day', '08:00', 'Europe/Berlin', at('2026-12-01T06:00:00Z')))).toBe('2026-12-01T07:00:00.000Z');
    expect(iso(nextDigestTime('day', '08:00', 'Europe/Berlin', at('2026-12-01T07:00:00Z')))).toBe('2026-12-02T07:00:00.000Z');
    expect(iso(nextDigestTime('day', '08:00', 'America/New_York', at('2026-07-01T20:00:00Z')))).toBe('2026-07-02T12:00:00.000Z');
    expect(iso(nextDigestTime('day', '23:30', 'Asia/Kolkata', at('2026-12-01T00:00:00Z')))).toBe('2026-12-01T18:00:00.000Z');
  });

  it('keeps the local time across a DST change', () => {
    // Berlin goes to summer time on 2026-03-29: 08:00 local is 07:00Z before and 06:00Z after.
    expect(iso(nextDigestTime('day', '08:00', 'Europe/Berlin', at('2026-03-28T07:30:00Z')))).toBe('2026-03-29T06:00:00.000Z');
    // 02:30 does not exist that night: the first instant after the gap.
    expect(nextDigestTime('day', '02:30', 'Europe/Berlin', at('2026-03-28T12:00:00Z'))).toBeLessThanOrEqual(at('2026-03-29T01:30:00Z'));
  });

  it('hourly at the minute of the zone clock, weekly on Mondays', () => {
    expect(iso(nextDigestTime('hour', '00:15', 'UTC', at('2026-12-01T10:20:00Z')))).toBe('2026-12-01T11:15:00.000Z');
    expect(iso(nextDigestTime('hour', '09:00', 'Asia/Kolkata', at('2026-12-01T10:20:00Z')))).toBe('2026-12-01T10:30:00.000Z');
    // 2026-12-01 is a Tuesday: the next Monday is 2026-12-07.
    expect(iso(nextDigestTime('week', '09:00', 'UTC', at('2026-12-01T10:00:00Z')))).toBe('2026-12-07T09:00:00.000Z');
  });
});
