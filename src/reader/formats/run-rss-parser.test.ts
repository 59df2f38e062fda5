import { describe, expect, it } from 'vitest';
import { feedTagNames } from './xml-tag-names.ts';
import { FeedMappingError, runRssParser, XmlSyntaxError } from './run-rss-parser.ts';

const options = { tagName: feedTagNames() };

async function failure(xml: string): Promise<Error> {
  const err = await runRssParser(xml, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

describe('runRssParser', () => {
  it('returns rss-parser output for a well-formed feed, even with junk after the root', async () => {
    const output = await runRssParser('<rss version="2.0"><channel><title>T</title><item><title>A</title></item></channel></rss>junk<', options);
    expect(output).toMatchObject({ title: 'T', items: [{ title: 'A' }] });
  });

  it('classifies a document that is not well-formed as XmlSyntaxError, with its position on one line', async () => {
    const err = await failure('<rss version="2.0"><channel><title>x</titl></channel></rss>');
    expect(err).toBeInstanceOf(XmlSyntaxError);
    expect(err.message).toMatch(/^Unexpected close tag \(line: 0, column: \d+\)$/);
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('stays with XmlSyntaxError when sax carries on after the error and closes the root', async () => {
    // The unclosed <item> makes </channel> an error; sax then closes item, channel and rss anyway.
    const err = await failure('<rss version="2.0"><channel><item><title>c</title></channel></rss>');
    expect(err).toBeInstanceOf(XmlSyntaxError);
  });

  it('classifies an unclosed root as XmlSyntaxError', async () => {
    expect(await failure('<rss version="2.0"><channel><title>x</title></channel>')).toBeInstanceOf(XmlSyntaxError);
  });

  it('classifies well-formed XML that rss-parser cannot map as FeedMappingError', async () => {
    // The only <channel> is in a comment: the tree is fine, rss-parser reads channel[0] of nothing.
    const noChannel = await failure('<rss version="2.0"><!-- <channel> --><item/></rss>');
    expect(noChannel).toBeInstanceOf(FeedMappingError);
    expect(noChannel.cause).toBeInstanceOf(TypeError);
    // A root rss-parser does not know (its prefix is not stripped).
    expect(await failure('<x:rss xmlns:x="urn:x"><channel/></x:rss>')).toBeInstanceOf(FeedMappingError);
  });
});
