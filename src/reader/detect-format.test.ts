import { describe, expect, it } from 'vitest';
import { detectFeedFormat } from './detect-format.ts';

describe('detectFeedFormat', () => {
  it('takes a body starting with { as JSON', () => {
    expect(detectFeedFormat(' \n{"version":"https://jsonfeed.org/version/1.1"}')).toEqual({ format: 'json' });
  });

  it('tells the XML feed formats by the local name of the root element', () => {
    expect(detectFeedFormat('<?xml version="1.0"?>\n<!-- c --><rss version="2.0"><channel/></rss>')).toMatchObject({
      format: 'rss',
      prolog: { rootName: 'rss', declaration: '<?xml version="1.0"?>' },
    });
    expect(detectFeedFormat('<a:feed xmlns:a="http://www.w3.org/2005/Atom"/>')).toMatchObject({ format: 'atom', prolog: { rootName: 'a:feed' } });
    expect(detectFeedFormat('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>').format).toBe('rdf');
    expect(detectFeedFormat('<r:RDF xmlns:r="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>').format).toBe('rdf');
  });

  it('recognises HTML pages, but not an HTML mention inside a feed', () => {
    expect(detectFeedFormat('<!DOCTYPE html><html><body>x</body></html>').format).toBe('html');
    expect(detectFeedFormat('<body>Moved</body>').format).toBe('html');
    expect(detectFeedFormat('<rss><channel><description>&lt;html&gt; <html>page</html></description></channel></rss>').format).toBe('rss');
  });

  it('names the root of other XML, including names that are Object properties', () => {
    expect(detectFeedFormat('<catalog><book/></catalog>')).toMatchObject({ format: 'other-xml', prolog: { rootName: 'catalog' } });
    expect(detectFeedFormat('<constructor/>')).toMatchObject({ format: 'other-xml', prolog: { rootName: 'constructor' } });
    expect(detectFeedFormat('<x:toString xmlns:x="urn:x"/>').format).toBe('other-xml');
  });

  it('reports text without a root element as no markup', () => {
    expect(detectFeedFormat('just some text').format).toBe('no-markup');
    expect(detectFeedFormat('<?xml version="1.0"?> text').format).toBe('no-markup');
  });

  it('keeps the DOCTYPE for the hygiene check, whatever the root', () => {
    const detected = detectFeedFormat('<!DOCTYPE x [<!ENTITY a "b">]><rss><channel/></rss>');
    expect(detected).toMatchObject({ format: 'rss', prolog: { doctype: '<!DOCTYPE x [<!ENTITY a "b">]>' } });
  });
});
