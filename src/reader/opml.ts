import { Parser } from 'htmlparser2';
import { AppError, ErrorCodes } from '../errors.ts';

/** One feed subscription from an OPML outline. */
export interface OpmlFeed {
  url: string;
  title: string | null;
}

/** Reads the feed outlines (any depth) of an OPML document; 400-class error when it is not OPML. */
export function parseOpml(text: string): OpmlFeed[] {
  const feeds: OpmlFeed[] = [];
  let sawOpml = false;
  // htmlparser2 in XML mode never expands DTD entities, so a hostile OPML cannot blow up.
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        const tag = name.toLowerCase();
        if (tag === 'opml') sawOpml = true;
        if (tag !== 'outline') return;
        const url = attrs.xmlUrl ?? attrs.xmlurl ?? attrs.url;
        if (!url) return;
        const title = attrs.title ?? attrs.text ?? null;
        feeds.push({ url: url.trim(), title: title ? title.trim() : null });
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(text);
  parser.end();
  if (!sawOpml) throw new AppError(ErrorCodes.validation, 'The body is not an OPML document (no <opml> element).');
  return feeds;
}

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** An OPML 2.0 document listing the feeds. */
export function buildOpml(feeds: OpmlFeed[], title: string, now: Date): string {
  const outlines = feeds
    .map((f) => {
      const name = escapeXml(f.title ?? f.url);
      return `    <outline type="rss" text="${name}" title="${name}" xmlUrl="${escapeXml(f.url)}"/>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head>
    <title>${escapeXml(title)}</title>
    <dateCreated>${now.toUTCString()}</dateCreated>
  </head>
  <body>
${outlines}
  </body>
</opml>
`;
}
