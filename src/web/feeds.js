// Feed health: status, last and next poll, what the last read found, last error; the admin adds feeds and imports OPML.

import { api } from './api.js';
import { flash, h, refreshTimes, replaceChildren, safeLink, timeEl } from './dom.js';

const REFRESH_MS = 30_000;
const STATUS_ORDER = { failing: 0, disabled: 1, active: 2 };

/** The feeds panel. */
export function createFeeds(ctx) {
  const rows = document.getElementById('feed-rows');
  const summary = document.getElementById('feeds-summary');
  const message = document.getElementById('feed-message');
  const form = document.getElementById('feed-form');
  const urlInput = document.getElementById('feed-url');
  const titleInput = document.getElementById('feed-title');
  const opml = document.getElementById('opml-file');

  let timer = 0;

  /** The last read of the feed's document (lastPoll): items seen, new, too old, rejected. */
  function lastRead(feed) {
    const p = feed.lastPoll;
    const props = { class: 'feed-last-read', dataset: { label: 'Last read' } };
    if (!p) return h('td', props, h('span', { class: 'muted', text: '—' }));
    const n = (x) => Number(x ?? 0).toLocaleString('en');
    const parts = [`${n(p.itemsSeen)} seen`, `${n(p.itemsNew)} new`];
    if (p.itemsTooOld) parts.push(`${n(p.itemsTooOld)} too old`);
    if (p.itemsRejected) parts.push(`${n(p.itemsRejected)} rejected`);
    const title = `Last read: ${p.itemsSeen} items in the document, ${p.itemsNew} new, ${p.itemsTooOld} older than the retention window, ${p.itemsRejected} rejected`;
    return h('td', { ...props, attrs: { title } }, h('span', { class: 'small', text: parts.join(' · ') }));
  }

  /** WebSub push state: pushed feeds get news within seconds; polling is then a safety net. */
  function pushBadge(feed) {
    const p = feed.push;
    if (!p) return null;
    const parts = [`WebSub ${p.state} at ${p.hub}`];
    if (p.leaseExpiresAt) parts.push(`lease until ${p.leaseExpiresAt}`);
    if (p.lastPushAt) parts.push(`last push ${p.lastPushAt}`);
    if (p.rejectedPushes) parts.push(`${p.rejectedPushes} pushes refused (bad signature)`);
    if (p.lastError) parts.push(p.lastError);
    return h('span', { class: `small push push-${p.state}`, text: ` push: ${p.state}`, attrs: { title: parts.join(' · ') } });
  }

  function statusBadge(feed) {
    return h('span', { class: `status status-${feed.status}`, text: feed.status });
  }

  function row(feed) {
    const cells = [
      h(
        'td',
        { class: 'feed-name' },
        h('span', { class: 'feed-title', text: feed.title || feed.url }),
        h('span', { class: 'feed-url muted small' }, safeLink(feed.url, feed.url)),
      ),
      h('td', { dataset: { label: 'Status' } }, statusBadge(feed), feed.lastStatus ? h('span', { class: 'muted small http', text: ` HTTP ${feed.lastStatus}` }) : null, pushBadge(feed)),
      h('td', { class: 'num', text: String(feed.itemCount ?? 0), dataset: { label: 'Items' } }),
      h('td', { dataset: { label: 'Last poll' } }, timeEl(feed.lastPolledAt, 'never')),
      lastRead(feed),
      h('td', { dataset: { label: 'Next poll' } }, timeEl(feed.nextPollAt, feed.status === 'disabled' ? 'disabled' : '—')),
      h('td', { class: 'feed-error', dataset: { label: 'Last error' } }, feed.lastError ? h('span', { class: 'error-text small', text: feed.lastError, attrs: { title: feed.lastError } }) : h('span', { class: 'muted', text: '—' })),
    ];
    if (ctx.isAdmin) {
      const poll = h('button', { class: 'btn btn-ghost btn-small', text: 'Poll now', attrs: { type: 'button', 'aria-label': `Poll now: ${feed.title || feed.url}` } });
      poll.addEventListener('click', async () => {
        poll.disabled = true;
        try {
          await api(`/api/feeds/${encodeURIComponent(feed.id)}/poll`, { method: 'POST' });
          flash(message, `Polling ${feed.title || feed.url}…`);
          setTimeout(load, 2500);
        } catch (err) {
          if (err.status === 403) ctx.demoteToUser();
          flash(message, err.message, 'error');
        } finally {
          poll.disabled = false;
        }
      });
      cells.push(h('td', { class: 'admin-only actions' }, poll));
    }
    return h('tr', { dataset: { id: feed.id, status: feed.status } }, cells);
  }

  async function load() {
    clearTimeout(timer);
    try {
      const { feeds } = await api('/api/feeds');
      feeds.sort((a, b) => (STATUS_ORDER[a.status] ?? 3) - (STATUS_ORDER[b.status] ?? 3) || (a.title || a.url).localeCompare(b.title || b.url));
      if (feeds.length === 0) {
        replaceChildren(rows, h('tr', {}, h('td', { class: 'empty', text: 'No feeds registered.', attrs: { colspan: 8 } })));
      } else {
        replaceChildren(rows, feeds.map(row));
      }
      const failing = feeds.filter((f) => f.status === 'failing').length;
      summary.textContent = `${feeds.length}${failing ? ` · ${failing} failing` : ''}`;
    } catch (err) {
      flash(message, `Feeds could not be loaded: ${err.message}`, 'error', 0);
    }
    timer = setTimeout(load, REFRESH_MS);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const url = urlInput.value.trim();
    if (!url) {
      flash(message, 'Enter the URL of a feed.', 'error');
      urlInput.focus();
      return;
    }
    const body = { url };
    if (titleInput.value.trim()) body.title = titleInput.value.trim();
    try {
      const feed = await api('/api/feeds', { method: 'POST', json: body });
      form.reset();
      flash(message, `Added ${feed.title || feed.url}; polling it now.`);
      await load();
      setTimeout(load, 2500);
    } catch (err) {
      if (err.status === 403) ctx.demoteToUser();
      flash(message, err.message, 'error');
    }
  });

  opml.addEventListener('change', async () => {
    const file = opml.files?.[0];
    if (!file) return;
    try {
      const text = await file.text();
      const result = await api('/api/feeds/import', { method: 'POST', body: text, contentType: 'text/x-opml' });
      const problems = (result.errors ?? []).map((e) => `${e.field}: ${e.message}`);
      flash(message, `OPML imported: ${result.added} added, ${result.skipped} skipped.${problems.length ? ` ${problems.join('; ')}` : ''}`, problems.length ? 'warn' : 'ok', 12_000);
      await load();
    } catch (err) {
      if (err.status === 403) ctx.demoteToUser();
      flash(message, `OPML import failed: ${err.message}`, 'error');
    } finally {
      opml.value = '';
    }
  });

  setInterval(() => refreshTimes(rows), 30_000);

  return { load };
}
