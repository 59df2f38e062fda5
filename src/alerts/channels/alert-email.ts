import { escapeHtml, readableUtc, safeHref } from '../../digest/escape-html.ts';
import type { AlertEvent } from '../../model/delivery.ts';
import type { DigestItem } from '../../model/digest-item.ts';

/** An alert e-mail as rendered once per hit: subject, text part, HTML part. */
export interface AlertEmail {
  subject: string;
  text: string;
  html: string;
}

// Mail clients drop <style> blocks and scripts: every style is inline, the layout a single column.
const FONT = 'font-family:Helvetica,Arial,sans-serif;color:#1b1f24';

function itemText(item: DigestItem): string {
  return [item.title, item.link ?? '(no link)', `${item.source.title ?? item.source.feedId} · ${readableUtc(item.publishedAt ?? item.firstSeenAt)}`, '', item.snippet].join('\n');
}

function itemHtml(item: DigestItem): string {
  const href = safeHref(item.link);
  const title = escapeHtml(item.title);
  return [
    `<h2 style="${FONT};font-size:18px;margin:0 0 6px">${href ? `<a href="${escapeHtml(href)}" style="color:#0b57d0;text-decoration:none">${title}</a>` : title}</h2>`,
    `<p style="${FONT};font-size:13px;color:#59636e;margin:0 0 10px">${escapeHtml(item.source.title ?? item.source.feedId)} · ${escapeHtml(readableUtc(item.publishedAt ?? item.firstSeenAt))}</p>`,
    item.snippet ? `<p style="${FONT};font-size:15px;line-height:1.45;margin:0 0 16px">${escapeHtml(item.snippet)}</p>` : '',
  ].join('\n');
}

function page(body: string): string {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>\n<body style="margin:0;padding:16px;background:#ffffff">\n<div style="max-width:600px">\n${body}\n</div>\n</body></html>\n`;
}

/** The e-mail of an alert event: the alert's name and the item's title as subject; title, link, outlet, time and snippet in both parts. */
export function renderAlertEmail(event: AlertEvent): AlertEmail {
  const footer = `<p style="${FONT};font-size:12px;color:#59636e;margin:16px 0 0">Anchorwatch alert “${escapeHtml(event.alert.name)}”.</p>`;
  if (event.type === 'alert.hit') {
    return {
      subject: `${event.alert.name}: ${event.item.title}`.slice(0, 250),
      text: `${itemText(event.item)}\n\n-- \nAnchorwatch alert "${event.alert.name}".\n`,
      html: page(`${itemHtml(event.item)}\n${footer}`),
    };
  }
  const head = `${event.count} items in the window (baseline ${Math.round(event.baseline * 10) / 10})`;
  return {
    subject: `${event.alert.name}: spike, ${event.count} items`,
    text: `${head}\n\n${event.items.map(itemText).join('\n\n')}\n\n-- \nAnchorwatch alert "${event.alert.name}".\n`,
    html: page(`<p style="${FONT};font-size:15px;margin:0 0 16px">${escapeHtml(head)}</p>\n${event.items.map(itemHtml).join('\n')}\n${footer}`),
  };
}
