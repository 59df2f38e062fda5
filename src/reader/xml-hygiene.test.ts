import { describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../errors.ts';
import { refuseUnsafeXml, repairReferences, withoutProlog } from './xml-hygiene.ts';
import { scanProlog } from './xml-prolog.ts';

describe('refuseUnsafeXml', () => {
  it('refuses a DTD that declares entities', () => {
    const prolog = scanProlog('<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><rss/>');
    let caught: unknown = null;
    try {
      refuseUnsafeXml(prolog);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect(caught).toMatchObject({ code: ErrorCodes.unsafeXml, details: { reason: 'dtd_entity_declaration' } });
  });

  it('lets a DOCTYPE without entity declarations, or none, pass', () => {
    expect(() => refuseUnsafeXml(scanProlog('<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "x.dtd"><rss/>'))).not.toThrow();
    expect(() => refuseUnsafeXml(scanProlog('<rss/>'))).not.toThrow();
  });
});

describe('withoutProlog', () => {
  it('keeps the declaration and the root, drops comments, DOCTYPE and invalid characters', () => {
    const text = '<!-- by X -->\n<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "x.dtd">\n<rss><channel><title>a\u0001b\u000bc</title></channel></rss>';
    const prolog = scanProlog(text);
    const xml = withoutProlog(text, prolog);
    expect(xml).toBe('<?xml version="1.0"?><rss><channel><title>abc</title></channel></rss>');
    expect(xml.slice(prolog.declaration.length).startsWith('<rss>')).toBe(true);
  });
});

describe('repairReferences', () => {
  it('turns HTML entities into character references and bare or unknown ones into &amp;', () => {
    expect(repairReferences('<t>Caf&eacute; AT&T &unknown; &amp; &lt;</t>')).toBe('<t>Caf&#xe9; AT&amp;T &amp;unknown; &amp; &lt;</t>');
  });

  it('maps windows-1252 references and drops references to characters XML forbids', () => {
    expect(repairReferences('<t>&#150;&#x93;&#1;&#65;</t>')).toBe('<t>&#x2013;&#x201c;&#65;</t>');
  });

  it('leaves CDATA sections literal', () => {
    expect(repairReferences('<t>&nbsp;<![CDATA[ &nbsp; & ]]>&</t>')).toBe('<t>&#xa0;<![CDATA[ &nbsp; & ]]>&amp;</t>');
  });
});
