// Alerts of the caller's key: list with recent hits, create (syntax errors shown in place), delete, live hits.

import { api, openStream } from './api.js';
import { createAlertPreview } from './alert-preview.js';
import { h, refreshTimes, replaceChildren, safeLink, timeEl } from './dom.js';

const HITS_SHOWN = 5;

/** The alerts panel; `onSpikeHits(times)` gets the matchedAt times of every spike alert's hits. */
export function createAlerts(ctx, { onSpikeHits }) {
  const form = document.getElementById('alert-form');
  const nameInput = document.getElementById('alert-name');
  const queryInput = document.getElementById('alert-query');
  const errorBox = document.getElementById('alert-error');
  const errorDetail = document.getElementById('alert-error-detail');
  const caretView = document.getElementById('alert-error-caret');
  const list = document.getElementById('alert-list');
  const empty = document.getElementById('alerts-empty');

  /** alert id → { alert, hits, el } */
  const alerts = new Map();
  let stream = null;
  const preview = createAlertPreview(ctx);

  setInterval(() => refreshTimes(list), 30_000);

  function clearError() {
    errorBox.hidden = true;
    delete errorBox.dataset.position;
    queryInput.removeAttribute('aria-invalid');
    caretView.replaceChildren();
  }

  /** Shows the problem and points at the offending character of the query. */
  function showError(problem, query) {
    errorDetail.textContent = problem.detail ?? 'The alert could not be created.';
    const position = Number.isInteger(problem.position) ? Math.min(Math.max(problem.position, 0), query.length) : null;
    caretView.replaceChildren();
    if (position !== null) {
      errorBox.dataset.position = String(position);
      const before = query.slice(0, position);
      const at = query.slice(position, position + 1);
      const after = query.slice(position + 1);
      caretView.append(
        document.createTextNode(before),
        h('mark', { class: 'caret-char', text: at || ' ' }),
        document.createTextNode(after),
        document.createTextNode('\n'),
        document.createTextNode(' '.repeat(before.length)),
        h('span', { class: 'caret', text: '^' }),
      );
      queryInput.focus();
      queryInput.setSelectionRange(position, Math.min(position + 1, query.length));
    }
    queryInput.setAttribute('aria-invalid', 'true');
    errorBox.hidden = false;
  }

  queryInput.addEventListener('input', clearError);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearError();
    const name = nameInput.value.trim();
    const query = queryInput.value;
    if (!name) {
      showError({ detail: 'Give the alert a name.' }, query);
      nameInput.focus();
      return;
    }
    try {
      const alert = await api('/api/alerts', { method: 'POST', json: { name, query, anchorId: ctx.anchor?.id } });
      alerts.set(alert.id, { alert, hits: [] });
      renderList();
      form.reset();
      preview.reset();
      list.querySelector(`[data-id="${CSS.escape(alert.id)}"]`)?.classList.add('is-new');
    } catch (err) {
      showError(err.problem ?? { detail: err.message }, query);
    }
  });

  function describe(alert) {
    if (alert.query && !alert.spike) return alert.query;
    const s = alert.spike ?? {};
    const what = s.entity ? `entity:${s.entity}` : s.query ?? alert.query ?? '';
    return `spike: ${what} · ≥${s.factor}× baseline over ${s.windowMinutes} min (min ${s.minCount})`;
  }

  function renderAlert(entry) {
    const { alert, hits } = entry;
    const del = h('button', { class: 'btn btn-ghost btn-small danger', text: 'Delete', attrs: { type: 'button', 'aria-label': `Delete alert ${alert.name}` } });
    del.addEventListener('click', async () => {
      del.disabled = true;
      try {
        await api(`/api/alerts/${encodeURIComponent(alert.id)}`, { method: 'DELETE' });
        alerts.delete(alert.id);
        renderList();
        emitSpikes();
      } catch (err) {
        del.disabled = false;
        del.textContent = err.status === 404 ? 'Gone' : 'Retry';
      }
    });
    const hitItems =
      hits.length === 0
        ? [h('li', { class: 'muted small', text: 'No hits yet.' })]
        : hits.slice(0, HITS_SHOWN).map((hit) => h('li', {}, safeLink(hit.link, hit.title ?? '(untitled)'), ' ', h('span', { class: 'muted small' }, timeEl(hit.matchedAt))));
    return h(
      'li',
      { class: `alert${alert.spike ? ' is-spike' : ''}`, dataset: { id: alert.id } },
      h(
        'div',
        { class: 'alert-head' },
        h('div', {}, h('h3', { class: 'alert-name', text: alert.name }), h('code', { class: 'alert-query', text: describe(alert) })),
        del,
      ),
      h('p', { class: 'muted small hits-label' }, `Recent hits`, hits.length ? ` (${Math.min(hits.length, HITS_SHOWN)})` : ''),
      h('ul', { class: 'hits', attrs: { 'aria-label': `Recent hits of ${alert.name}` } }, hitItems),
    );
  }

  function renderList() {
    const entries = [...alerts.values()].sort((a, b) => Date.parse(b.alert.createdAt) - Date.parse(a.alert.createdAt));
    replaceChildren(list, entries.map(renderAlert));
    empty.hidden = entries.length > 0;
  }

  function emitSpikes() {
    const times = [];
    for (const { alert, hits } of alerts.values()) {
      if (!alert.spike) continue;
      for (const hit of hits) {
        const t = Date.parse(hit.matchedAt);
        if (!Number.isNaN(t)) times.push(t);
      }
    }
    onSpikeHits(times);
  }

  async function load() {
    const { alerts: mine } = await api('/api/alerts');
    const withHits = await Promise.all(
      mine.map(async (alert) => {
        // Spike markers want more history than the list shows.
        const limit = alert.spike ? 200 : HITS_SHOWN;
        try {
          const { hits } = await api(`/api/alerts/${encodeURIComponent(alert.id)}/hits?limit=${limit}`);
          return { alert, hits };
        } catch {
          return { alert, hits: [] };
        }
      }),
    );
    alerts.clear();
    for (const entry of withHits) alerts.set(entry.alert.id, entry);
    renderList();
    emitSpikes();
  }

  function onHit(hit) {
    const id = hit?.alert?.id;
    const entry = id ? alerts.get(id) : null;
    if (!entry) {
      load().catch(() => {});
      return;
    }
    entry.hits = [{ itemId: hit.itemId, title: hit.title ?? hit.item?.title ?? null, link: hit.link ?? hit.item?.link ?? null, matchedAt: hit.matchedAt ?? new Date().toISOString() }, ...entry.hits.filter((x) => !hit.itemId || x.itemId !== hit.itemId)];
    renderList();
    list.querySelector(`[data-id="${CSS.escape(id)}"]`)?.classList.add('is-new');
    if (entry.alert.spike) emitSpikes();
  }

  return {
    async start() {
      await load();
      stream?.close();
      stream = openStream('/api/alerts/stream', 'aw.alerts.lastEventId', { events: { hit: onHit } });
    },
  };
}
