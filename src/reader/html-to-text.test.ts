import { describe, expect, it } from 'vitest';
import { htmlToText } from './html-to-text.ts';

describe('htmlToText', () => {
  it('removes tags and keeps inline text together', () => {
    expect(htmlToText('<p>Hello <b>wor</b>ld</p>', 100)).toBe('Hello world');
  });

  it('drops script, style and noscript content', () => {
    expect(htmlToText('a<script>alert(1)</script>b<style>p{}</style>c<noscript>x</noscript>d', 100)).toBe('abcd');
  });

  it('turns block elements into spaces', () => {
    expect(htmlToText('<p>One</p><p>Two</p>Three<br>Four<li>Five</li>', 100)).toBe('One Two Three Four Five');
  });

  it('decodes entities, named and numeric', () => {
    expect(htmlToText('Tom &amp; Jerry &ndash; &#8220;quoted&#x201D; caf&eacute;', 100)).toBe('Tom & Jerry – “quoted” café');
  });

  it('decodes double-escaped markup once more', () => {
    expect(htmlToText('&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;&lt;/p&gt;', 100)).toBe('Hello world');
    expect(htmlToText('Fish &amp;amp; Chips', 100)).toBe('Fish & Chips');
  });

  it('leaves text that only looks a little like markup alone', () => {
    expect(htmlToText('1 &lt; 2 and 3 &gt; 2', 100)).toBe('1 < 2 and 3 > 2');
    expect(htmlToText('AT&amp;T', 100)).toBe('AT&T');
  });

  it('folds whitespace, including no-break spaces', () => {
    expect(htmlToText('  a \n\t b&nbsp;&nbsp;c  ', 100)).toBe('a b c');
  });

  it('caps at a word boundary with an ellipsis', () => {
    const text = htmlToText('The quick brown fox jumps over the lazy dog', 20);
    expect(text).toBe('The quick brown fox…');
    expect(text.length).toBeLessThanOrEqual(20);
  });

  it('cuts one long word when there is no boundary', () => {
    const text = htmlToText('a'.repeat(50), 10);
    expect(text).toBe(`${'a'.repeat(9)}…`);
  });

  it('never splits a surrogate pair', () => {
    const text = htmlToText('😀'.repeat(20), 10);
    expect(text.length).toBeLessThanOrEqual(10);
    expect(text).toMatch(/^(😀)+…$/u);
  });

  it('returns an empty string for empty input or a zero cap', () => {
    expect(htmlToText('', 10)).toBe('');
    expect(htmlToText('<p> </p>', 10)).toBe('');
    expect(htmlToText('abc', 0)).toBe('');
  });
});
