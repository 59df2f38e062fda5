import { describe, expect, it } from 'vitest';
import { isNotModified, parseEntityTags } from './not-modified.ts';

const current = { etag: '"abc"', lastModified: new Date('2026-03-01T10:00:00.750Z') };

describe('isNotModified', () => {
  it('matches If-None-Match by weak comparison, in a list, and "*"', () => {
    expect(isNotModified({ 'if-none-match': '"abc"' }, current)).toBe(true);
    expect(isNotModified({ 'if-none-match': 'W/"abc"' }, current)).toBe(true);
    expect(isNotModified({ 'if-none-match': '"x", W/"y" ,"abc"' }, current)).toBe(true);
    expect(isNotModified({ 'if-none-match': '*' }, current)).toBe(true);
    expect(isNotModified({ 'if-none-match': '"abcd"' }, current)).toBe(false);
    expect(isNotModified({ 'if-none-match': 'abc' }, current)).toBe(false);
    expect(isNotModified({ 'if-none-match': '' }, current)).toBe(false);
  });

  it('reads If-Modified-Since only without If-None-Match, at second precision, ignoring a bad date', () => {
    expect(isNotModified({ 'if-modified-since': 'Sun, 01 Mar 2026 10:00:00 GMT' }, current)).toBe(true);
    expect(isNotModified({ 'if-modified-since': 'Sun, 01 Mar 2026 11:00:00 GMT' }, current)).toBe(true);
    expect(isNotModified({ 'if-modified-since': 'Sun, 01 Mar 2026 09:59:59 GMT' }, current)).toBe(false);
    expect(isNotModified({ 'if-modified-since': 'yesterday-ish' }, current)).toBe(false);
    expect(isNotModified({ 'if-none-match': '"other"', 'if-modified-since': 'Sun, 01 Mar 2026 11:00:00 GMT' }, current)).toBe(false);
    expect(isNotModified({}, current)).toBe(false);
  });

  it('parses entity tags whose opaque part holds a comma', () => {
    expect(parseEntityTags('W/"a,b", "c"')).toEqual([
      { weak: true, opaque: 'a,b' },
      { weak: false, opaque: 'c' },
    ]);
    expect(parseEntityTags(' * ')).toBe('*');
  });
});
