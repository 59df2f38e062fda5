// The live digest: a page from the API, then new items from the resumable event stream.

import { api, openStream } from './api.js';
import { h, highlighted, mentionMatcher, refreshTimes, replaceChildren, safeHttpUrl, timeEl } from './dom.js';
import { judgementControls, whyView } from './judgement.js';

const PAGE = 50;
const NEW_MARK_MS = 8000;

/** The digest panel of one anchor; `onNewItem` runs for each item that arrived live. */
export function createDigest(ctx, { onNewItem }) {
  const list = document.getElementById('digest-list');
  const empty = document.getElementById('digest-empty');
  const errorBox = document.getElementById('digest-error');
  const filter = document.getElementById('digest-filter');
  const count = document.getElementById('digest-count');
  const announce = document.getElementById('digest-announce');
  const status = document.getElementById('live-status');

  /** id → rendered <li>, in display order in the list itself. */
  let shown = new Map();
  let anchor = null;
  let stream = null;
  // While the first page loads, live items wait here, so none falls between page and stream.
  let buffer = null;
  let nextCursor = null;
  let loading = 0;
  let moreButton = null;

  filter.addEventListener('change', () => loadFirstPage());
  setInterval(() => refreshTimes(list), 30_000);

  function setState(state) {
    const labels = { live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline — retrying', idle: 'Connecting…' };
    status.textContent = labels[state] ?? state;
    status.className = `pill pill-${state}`;
    status.dataset.state = state;
  }

  /** One matcher for the entities that the item was tagged with. */
  function matcherFor(item) {
    const names = [];
    for (const tag of item.entities ?? []) {
      const e = anchor.entities.find((x) => x.key === tag.key);
      if (e) names.push(e.name, ...e.aliases);
      else if (tag.name) names.push(tag.name);
    }
    return mentionMatcher(names);
  }

  function render(item, isNew) {
    const matcher = matcherFor(item);
    const titleNodes = highlighted(item.title || '(untitled)', matcher);
    const url = safeHttpUrl(item.link);
    let title;
    if (url) {
      title = h('a', { class: 'item-link' }, titleNodes);
      title.href = url;
      title.target = '_blank';
      title.rel = 'noopener noreferrer';
    } else {
      title = h('span', { class: 'item-link' }, titleNodes);
    }
    const outlet = item.source?.title ?? 'Unknown outlet';
    const also = (item.alsoReportedBy ?? []).filter((r) => r && (r.title || r.link));
    const entities = [...(item.entities ?? [])].sort((a, b) => (b.count ?? 0) - (a.count ?? 0));
    const li = h(
      'li',
      { class: `digest-item${isNew ? ' is-new' : ''}`, dataset: { id: item.id } },
      h(
        'article',
        { attrs: { 'aria-label': item.title || 'Untitled item' } },
        h(
          'p',
          { class: 'item-meta' },
          h('span', { class: 'outlet', text: outlet }),
          h('span', { class: 'sep', text: '·', attrs: { 'aria-hidden': 'true' } }),
          timeEl(item.publishedAt ?? item.firstSeenAt),
          isNew ? h('span', { class: 'badge-new', text: 'New' }) : null,
        ),
        h('h3', { class: 'item-title' }, title),
        item.snippet ? h('p', { class: 'item-snippet' }, highlighted(item.snippet, matcher)) : null,
        entities.length > 0
          ? h(
              'ul',
              { class: 'chips', attrs: { 'aria-label': 'Entities mentioned' } },
              entities.map((e) =>
                h('li', { class: `chip kind-${e.kind ?? 'topic'}`, dataset: { key: e.key } }, e.name ?? e.key, (e.count ?? 0) > 1 ? h('span', { class: 'chip-count', text: `×${e.count}` }) : null),
              ),
            )
          : null,
        also.length > 0
          ? h(
              'p',
              { class: 'also' },
              h('span', { class: 'also-label', text: `Also reported by ${also.length}: ` }),
              also.flatMap((r, i) => [i > 0 ? ', ' : null, linkOrText(r.link, r.title || r.link)]),
            )
          : null,
        whyView(item),
        ctx.isAdmin ? judgementControls(ctx, anchor.id, item, { onJudging, onJudged, onUndone }) : null,
      ),
    );
    if (item.why?.judged === false) li.classList.add('is-judged-out');
    li.dataset.judged = String(item.why?.judged ?? '');
    if (isNew) setTimeout(() => li.classList.remove('is-new'), NEW_MARK_MS);
    return li;
  }

  /** Shows the item again with its new verdict; one judged out stays, dimmed, until undone or reloaded. */
  function rerender(item) {
    const existing = shown.get(item.id);
    if (!existing) return;
    const li = render(item, false);
    existing.replaceWith(li);
    shown.set(item.id, li);
  }

  function onJudging(item, relevant) {
    const li = shown.get(item.id);
    if (li) li.dataset.judged = relevant === null ? String(item.why?.judged ?? '') : String(relevant);
  }

  function onJudged(item, relevant) {
    rerender({ ...item, why: { ...(item.why ?? { score: item.score ?? 0, threshold: 0, evidence: [] }), judged: relevant } });
    announce.textContent = relevant ? `Marked as belonging here: ${item.title ?? ''}` : `Marked as not about this story: ${item.title ?? ''}`;
  }

  function onUndone(item) {
    const current = shown.get(item.id);
    if (current?.dataset.judged === 'false') {
      // Out of the digest while judged: if the model puts it back, an `item` event brings it.
      current.remove();
      shown.delete(item.id);
      updateCounts();
    } else if (current) {
      rerender({ ...item, why: item.why ? { ...item.why, judged: null } : null });
    }
    announce.textContent = `Judgement withdrawn: ${item.title ?? ''}`;
  }

  /** An item left the digest: drop it, unless the analyst just judged it out (then it stays, dimmed, for the undo). */
  function removeItem(data) {
    if (!data || typeof data.id !== 'string') return;
    if (buffer) {
      buffer.push({ removed: data.id });
      return;
    }
    const li = shown.get(data.id);
    if (!li || li.dataset.judged === 'false') return;
    li.remove();
    shown.delete(data.id);
    updateCounts();
  }

  function linkOrText(href, text) {
    const url = safeHttpUrl(href);
    if (!url) return h('span', { text });
    const a = h('a', { text });
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }

  function updateCounts() {
    count.textContent = shown.size > 0 ? String(shown.size) + (nextCursor ? '+' : '') : '';
    empty.hidden = shown.size > 0;
  }

  function setMore() {
    moreButton?.remove();
    moreButton = null;
    if (!nextCursor) return;
    moreButton = h('button', { class: 'btn btn-secondary more', text: 'Load older items', attrs: { type: 'button' } });
    moreButton.addEventListener('click', () => loadPage(nextCursor));
    list.after(moreButton);
  }

  function pageUrl(cursor) {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (filter.value) params.set('entity', filter.value);
    if (cursor) params.set('cursor', cursor);
    return `/api/digests/${encodeURIComponent(anchor.id)}?${params}`;
  }

  async function loadPage(cursor) {
    const ticket = ++loading;
    try {
      const page = await api(pageUrl(cursor));
      if (ticket !== loading) return;
      errorBox.hidden = true;
      if (!cursor) {
        shown = new Map();
        list.replaceChildren();
      }
      for (const item of page.items) {
        if (shown.has(item.id)) continue;
        const li = render(item, false);
        shown.set(item.id, li);
        list.append(li);
      }
      nextCursor = page.nextCursor;
      setMore();
      updateCounts();
      list.dataset.loaded = 'true';
    } catch (err) {
      if (ticket !== loading) return;
      errorBox.textContent = `The digest could not be loaded: ${err.message}`;
      errorBox.hidden = false;
    }
  }

  function loadFirstPage() {
    return loadPage(null);
  }

  function receive(item) {
    if (item && typeof item.removed === 'string') return removeItem({ id: item.removed });
    if (!item || typeof item.id !== 'string') return;
    if (buffer) {
      buffer.push(item);
      return;
    }
    if (filter.value && !(item.entities ?? []).some((e) => e.key === filter.value)) return;
    const existing = shown.get(item.id);
    const li = render(item, !existing);
    if (existing) {
      existing.replaceWith(li);
    } else {
      list.prepend(li);
      announce.textContent = `New item: ${item.title ?? ''}`;
    }
    shown.set(item.id, li);
    updateCounts();
    if (!existing) onNewItem?.(item);
  }

  function fillFilter() {
    const current = filter.value;
    const options = [...anchor.entities]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => {
        const o = h('option', { text: e.name });
        o.value = e.key;
        return o;
      });
    const all = h('option', { text: 'All entities' });
    all.value = '';
    replaceChildren(filter, all, options);
    filter.value = anchor.entities.some((e) => e.key === current) ? current : '';
  }

  return {
    /** Shows the digest of `next` and follows its stream. */
    async show(next) {
      const sameAnchor = anchor?.id === next.id;
      anchor = next;
      fillFilter();
      if (sameAnchor) {
        // New entity list: rerender from the API (tags follow the new list).
        await loadFirstPage();
        return;
      }
      stream?.close();
      setState('idle');
      buffer = [];
      stream = openStream(`/api/digests/${encodeURIComponent(anchor.id)}/stream`, `aw.digest.lastEventId.${anchor.id}`, {
        onState: setState,
        events: {
          item: receive,
          remove: removeItem,
          reload: () => {
            // Our position was trimmed away: the page is the truth again, then live from here.
            sessionStorage.removeItem(`aw.digest.lastEventId.${anchor.id}`);
            loadFirstPage();
          },
        },
      });
      await loadFirstPage();
      const waiting = buffer;
      buffer = null;
      for (const item of waiting) receive(item);
    },
    /** The ids shown, in order (for tests and debugging). */
    ids: () => [...list.querySelectorAll('.digest-item')].map((li) => li.dataset.id),
  };
}
