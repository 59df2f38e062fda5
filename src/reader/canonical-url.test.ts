import { describe, expect, it } from 'vitest';
import { canonicalUrl } from './canonical-url.ts';

describe('canonicalUrl', () => {
  it('keeps a plain absolute http(s) URL', () => {
    expect(canonicalUrl('https://example.com/news/1')).toBe('https://example.com/news/1');
    expect(canonicalUrl('http://example.com')).toBe('http://example.com/');
  });

  it('resolves relative links against the base', () => {
    expect(canonicalUrl('/a/b?x=1', 'https://example.com/feed.xml')).toBe('https://example.com/a/b?x=1');
    expect(canonicalUrl('item.html', 'https://example.com/dir/feed.xml')).toBe('https://example.com/dir/item.html');
    expect(canonicalUrl('//cdn.example.com/x', 'https://example.com/')).toBe('https://cdn.example.com/x');
  });

  it('ignores an unusable base when the link is absolute', () => {
    expect(canonicalUrl('https://example.com/x', 'not a url')).toBe('https://example.com/x');
    expect(canonicalUrl('/x', 'not a url')).toBeNull();
  });

  it('refuses every scheme but http and https', () => {
    expect(canonicalUrl('javascript:alert(1)')).toBeNull();
    expect(canonicalUrl(' JavaScript:alert(1)', 'https://example.com/')).toBeNull();
    expect(canonicalUrl('data:text/html,<script>alert(1)</script>')).toBeNull();
    expect(canonicalUrl('mailto:a@example.com')).toBeNull();
    expect(canonicalUrl('ftp://example.com/file')).toBeNull();
    expect(canonicalUrl('file:///etc/passwd')).toBeNull();
  });

  it('lowercases scheme and host, keeps the path case', () => {
    expect(canonicalUrl('HTTPS://Example.COM/Path/To')).toBe('https://example.com/Path/To');
  });

  it('drops fragment, default ports and credentials', () => {
    expect(canonicalUrl('https://user:pw@example.com:443/a#section')).toBe('https://example.com/a');
    expect(canonicalUrl('http://example.com:80/a')).toBe('http://example.com/a');
    expect(canonicalUrl('http://example.com:8080/a')).toBe('http://example.com:8080/a');
  });

  it('drops tracking parameters and keeps the others in order and as written', () => {
    expect(
      canonicalUrl('https://example.com/a?b=2&utm_source=rss&a=1&fbclid=X&UTM_Medium=feed&gclid=1&q=a%20b+c&_ga=1'),
    ).toBe('https://example.com/a?b=2&a=1&q=a%20b+c');
    expect(canonicalUrl('https://example.com/a?utm_campaign=x&mc_cid=1&mc_eid=2&igshid=3&ocid=4&spm=5&ref_src=6')).toBe(
      'https://example.com/a',
    );
    expect(canonicalUrl('https://example.com/a?ref=home&source=rss')).toBe('https://example.com/a?ref=home&source=rss');
  });

  it('trims whitespace', () => {
    expect(canonicalUrl('  \n https://example.com/a \t')).toBe('https://example.com/a');
  });

  it('returns null for malformed or empty input', () => {
    expect(canonicalUrl('')).toBeNull();
    expect(canonicalUrl('   ')).toBeNull();
    expect(canonicalUrl('http://')).toBeNull();
    expect(canonicalUrl('http://exa mple.com/')).toBeNull();
    expect(canonicalUrl('not a url')).toBeNull();
  });
});
