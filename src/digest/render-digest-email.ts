import type { DigestItem } from '../model/digest-item.ts';
import { escapeHtml, safeHref } from './escape-html.ts';

/** What a digest e-mail shows. */
export interface DigestEmailInput {
  anchor: { id: string; title: string };
  items: DigestItem[];
  /** The subscription's time zone: times are shown on its clock. */
  tz: string;
  dashboardUrl: string;
  atomUrl: string;
  unsubscribeUrl: string;
}

// Mail clients drop <style> blocks and scripts: inline styles, tables for layout, one column.
const FONT = 'font-family:Helvetica,Arial,sans-serif';
const MUTED = `${FONT};font-size:13px;color:#59636e`;

function localTime(iso: string | null, tz: string): string {
  if (!iso) return 'time unknown';
  return new Intl.DateTimeFormat('en-GB', { timeZone: tz, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }).format(new Date(iso));
}

function outlets(item: DigestItem): number {
  return new Set([item.source.feedId, ...item.alsoReportedBy.map((r) => r.feedId)]).size;
}

function outletLine(item: DigestItem, tz: string): string {
  const n = outlets(item);
  return `${item.source.title ?? item.source.feedId} · ${localTime(item.publishedAt ?? item.firstSeenAt, tz)} · ${n} outlet${n === 1 ? '' : 's'}`;
}

function itemHtml(item: DigestItem, tz: string): string {
  const href = safeHref(item.link);
  const title = escapeHtml(item.title);
  const entities = item.entities.length
    ? `<p style="${MUTED};margin:4px 0 0">${item.entities.map((e) => `<span style="display:inline-block;background:#eef2f7;border-radius:3px;padding:1px 6px;margin:2px 4px 0 0;color:#1b1f24">${escapeHtml(e.name)}</span>`).join('')}</p>`
    : '';
  return `<tr><td style="padding:14px 0;border-top:1px solid #d8dee4">
<a href="${escapeHtml(href ?? '#')}" style="${FONT};font-size:17px;font-weight:bold;color:#0b57d0;text-decoration:none">${title}</a>
<p style="${MUTED};margin:4px 0 0">${escapeHtml(outletLine(item, tz))}</p>${entities}
</td></tr>`;
}

/** The digest e-mail: a subject, an HTML part (inline styles, no scripts) and a text part with the same content. */
export function renderDigestEmail(input: DigestEmailInput): { subject: string; html: string; text: string } {
  const n = input.items.length;
  const subject = `${input.anchor.title}: ${n} new ${n === 1 ? 'story' : 'stories'}`;
  const html = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:0;background:#f6f8fa">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f6f8fa"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;width:100%;background:#ffffff;border:1px solid #d8dee4;border-radius:6px">
<tr><td style="padding:20px 24px 8px">
<p style="${MUTED};margin:0;text-transform:uppercase;letter-spacing:.05em">Anchorwatch digest</p>
<h1 style="${FONT};font-size:22px;color:#1b1f24;margin:6px 0 4px">${escapeHtml(input.anchor.title)}</h1>
<p style="${MUTED};margin:0">${n} new ${n === 1 ? 'story' : 'stories'} since the last e-mail, newest first</p>
</td></tr>
<tr><td style="padding:0 24px"><table role="presentation" width="100%" cellpadding="0" cellspacing="0">
${input.items.map((i) => itemHtml(i, input.tz)).join('\n')}
</table></td></tr>
<tr><td style="padding:16px 24px 20px;border-top:1px solid #d8dee4">
<p style="${MUTED};margin:0"><a href="${escapeHtml(input.dashboardUrl)}" style="color:#0b57d0">Open the dashboard</a> · <a href="${escapeHtml(input.atomUrl)}" style="color:#0b57d0">Atom feed</a> · <a href="${escapeHtml(input.unsubscribeUrl)}" style="color:#0b57d0">Unsubscribe</a></p>
</td></tr>
</table>
</td></tr></table>
</body></html>
`;
  const lines = [`${subject} (newest first)`, ''];
  for (const item of input.items) {
    lines.push(item.title, `  ${item.link ?? '(no link)'}`, `  ${outletLine(item, input.tz)}`);
    if (item.entities.length) lines.push(`  Entities: ${item.entities.map((e) => e.name).join(', ')}`);
    lines.push('');
  }
  lines.push('-- ', `Dashboard: ${input.dashboardUrl}`, `Atom feed: ${input.atomUrl}`, `Unsubscribe: ${input.unsubscribeUrl}`, '');
  return { subject, html, text: lines.join('\n') };
}
