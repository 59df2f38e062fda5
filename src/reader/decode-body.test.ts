import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBody } from './decode-body.ts';

const cp1252Text = '“Quoted” – €5 … ‘single’ ™';
const feedIn = (encoding: string, text: string, declared: string | null = encoding) =>
  iconv.encode(
    `<?xml version="1.0"${declared === null ? '' : ` encoding="${declared}"`}?><rss><channel><title>${text}</title></channel></rss>`,
    encoding,
  );

describe('decodeBody', () => {
  it('decodes UTF-8 without any declaration', () => {
    expect(decodeBody(Buffer.from('<rss><title>Grüße</title></rss>'), null)).toBe('<rss><title>Grüße</title></rss>');
  });

  it('strips a UTF-8 BOM and lets it win over a wrong header', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<rss>é</rss>')]);
    expect(decodeBody(body, 'text/xml; charset=windows-1252')).toBe('<rss>é</rss>');
  });

  it('decodes UTF-16LE with BOM and removes the encoding declaration', () => {
    const body = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('<?xml version="1.0" encoding="UTF-16"?><rss>Ωμέγα</rss>', 'utf-16le')]);
    expect(decodeBody(body, null)).toBe('<?xml version="1.0"?><rss>Ωμέγα</rss>');
  });

  it('decodes UTF-16BE with BOM', () => {
    const body = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode('<rss>日本語</rss>', 'utf-16be')]);
    expect(decodeBody(body, null)).toBe('<rss>日本語</rss>');
  });

  it('sniffs a UTF-16 prolog without BOM', () => {
    expect(decodeBody(iconv.encode('<?xml version="1.0" encoding="utf-16"?><rss>ü</rss>', 'utf-16le'), null)).toBe(
      '<?xml version="1.0"?><rss>ü</rss>',
    );
    expect(decodeBody(iconv.encode('<?xml version="1.0"?><rss>ü</rss>', 'utf-16be'), null)).toBe('<?xml version="1.0"?><rss>ü</rss>');
  });

  it('decodes windows-1252 bytes 0x80–0x9F declared in the prolog (not as C1 controls)', () => {
    const text = decodeBody(feedIn('windows-1252', cp1252Text), null);
    expect(text).toContain(cp1252Text);
    expect(text).not.toMatch(/[\u0080-\u009f]/);
  });

  it('decodes windows-1252 declared in the Content-Type', () => {
    expect(decodeBody(feedIn('windows-1252', cp1252Text, null), 'application/rss+xml; charset=windows-1252')).toContain(cp1252Text);
  });

  it('decodes ISO-8859-1 and US-ASCII declarations as windows-1252, as browsers do', () => {
    expect(decodeBody(feedIn('windows-1252', cp1252Text, 'ISO-8859-1'), null)).toContain(cp1252Text);
    expect(decodeBody(feedIn('windows-1252', cp1252Text, null), 'text/xml; charset="us-ascii"')).toContain(cp1252Text);
  });

  it('prefers the Content-Type charset over the prolog', () => {
    const body = feedIn('iso-8859-2', 'Łódź Žluťoučký', 'windows-1252');
    expect(decodeBody(body, "application/xml; charset='ISO-8859-2'")).toContain('Łódź Žluťoučký');
  });

  it('decodes ISO-8859-2', () => {
    expect(decodeBody(feedIn('iso-8859-2', 'Zażółć gęślą jaźń'), null)).toContain('Zażółć gęślą jaźń');
  });

  it('decodes EUC-KR', () => {
    expect(decodeBody(feedIn('euc-kr', '한국어 뉴스'), null)).toContain('한국어 뉴스');
    expect(decodeBody(feedIn('euc-kr', '한국어 뉴스', null), 'text/xml; charset=EUC-KR')).toContain('한국어 뉴스');
  });

  it('decodes other legacy charsets', () => {
    expect(decodeBody(feedIn('koi8-r', 'Новости'), null)).toContain('Новости');
    expect(decodeBody(feedIn('shift_jis', 'ニュース'), null)).toContain('ニュース');
    expect(decodeBody(feedIn('gbk', '新闻', 'gb2312'), null)).toContain('新闻');
    expect(decodeBody(feedIn('big5', '新聞'), null)).toContain('新聞');
  });

  it('finds the prolog after a leading comment', () => {
    const body = iconv.encode('<!-- generated -->\n<?xml version="1.0" encoding="iso-8859-2"?><rss>ł</rss>', 'iso-8859-2');
    expect(decodeBody(body, null)).toBe('<!-- generated -->\n<?xml version="1.0"?><rss>ł</rss>');
  });

  it('falls back to UTF-8 for unknown charset names, never throws', () => {
    expect(decodeBody(Buffer.from('<rss>é</rss>'), 'text/xml; charset=x-bogus-charset')).toBe('<rss>é</rss>');
    expect(decodeBody(Buffer.from('<?xml version="1.0" encoding="bogus"?><rss>é</rss>'), null)).toBe('<?xml version="1.0"?><rss>é</rss>');
  });

  it('skips an unknown header charset in favour of the prolog', () => {
    expect(decodeBody(feedIn('iso-8859-2', 'ł'), 'text/xml; charset=nonsense')).toContain('ł');
  });

  it('replaces invalid UTF-8 instead of throwing', () => {
    expect(decodeBody(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c]), null)).toBe('<a>\ufffd<');
  });

  it('handles an empty body', () => {
    expect(decodeBody(Buffer.alloc(0), null)).toBe('');
  });
});
