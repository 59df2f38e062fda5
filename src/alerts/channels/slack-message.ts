import { readableUtc, safeHref } from '../../digest/escape-html.ts';
import type { AlertEvent } from '../../model/delivery.ts';
import type { DigestItem } from '../../model/digest-item.ts';

/** Slack's mrkdwn escapes: only &, < and > are special. */
function mrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

/** The item's title as a link (or bold text without one), its outlet, time and matched entities. */
function itemLines(item: DigestItem): string {
  const href = safeHref(item.link);
  // A '|' inside a link label ends it early in Slack's syntax.
  const title = mrkdwn(item.title).replace(/\|/g, '¦');
  const head = href ? `*<${href}|${title}>*` : `*${title}*`;
  const meta = `${mrkdwn(item.source.title ?? item.source.feedId)} · ${readableUtc(item.publishedAt ?? item.firstSeenAt)}`;
  const entities = item.entities.length > 0 ? `\nEntities: ${item.entities.map((e) => mrkdwn(e.name)).join(', ')}` : '';
  return `${head}\n${meta}${entities}`;
}

/** A Slack-compatible message (`{ text, blocks }`) for an alert event: `text` is the notification fallback. */
export function slackMessage(event: AlertEvent): { text: string; blocks: unknown[] } {
  if (event.type === 'alert.hit') {
    const text = `${event.alert.name}: ${event.item.title}`;
    return {
      text,
      blocks: [
        { type: 'context', elements: [{ type: 'mrkdwn', text: `Anchorwatch alert *${mrkdwn(event.alert.name)}*` }] },
        { type: 'section', text: { type: 'mrkdwn', text: itemLines(event.item) } },
      ],
    };
  }
  const text = `${event.alert.name}: ${event.count} items (baseline ${Math.round(event.baseline * 10) / 10})`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `Anchorwatch spike *${mrkdwn(event.alert.name)}*: ${event.count} items, baseline ${Math.round(event.baseline * 10) / 10}` } },
      ...event.items.slice(0, 5).map((item) => ({ type: 'section', text: { type: 'mrkdwn', text: itemLines(item) } })),
    ],
  };
}
