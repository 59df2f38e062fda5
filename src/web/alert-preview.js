// The alert form's live preview: as the user types a query, how many stored items of the last
// 7 days it would have matched and the newest of them, from POST /api/alerts/preview (debounced).

import { api } from './api.js';
import { h, replaceChildren, safeLink, timeEl } from './dom.js';

const DEBOUNCE_MS = 400;
const HITS_SHOWN = 5;

/** Wires the preview under the alert query input. */
export function createAlertPreview(ctx) {
  const input = document.getElementById('alert-query');
  const box = document.getElementById('alert-preview');
  const summary = document.getElementById('alert-preview-summary');
  const list = document.getElementById('alert-preview-hits');
  let timer = null;
  let controller = null;
  let asked = 0;

  function show(text, hits = []) {
    summary.textContent = text;
    replaceChildren(list, hits.slice(0, HITS_SHOWN).map((hit) => h('li', {}, safeLink(hit.link, hit.title || '(untitled)'), ' ', h('span', { class: 'muted small' }, timeEl(hit.publishedAt)))));
    box.hidden = false;
  }

  async function run(query) {
    const ticket = ++asked;
    controller?.abort();
    controller = new AbortController();
    box.dataset.state = 'loading';
    try {
      const result = await api('/api/alerts/preview', { method: 'POST', json: { query, anchorId: ctx.anchor?.id, limit: HITS_SHOWN }, signal: controller.signal });
      if (ticket !== asked) return;
      box.dataset.state = 'done';
      box.dataset.count = String(result.count);
      show(`${result.count} ${result.count === 1 ? 'item' : 'items'} in the last 7 days would have matched.`, result.hits);
    } catch (err) {
      if (ticket !== asked || err.name === 'AbortError') return;
      box.dataset.state = 'error';
      delete box.dataset.count;
      show(err.problem?.detail ?? err.message ?? 'The preview failed.');
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const query = input.value;
    if (!query.trim()) {
      asked++;
      controller?.abort();
      box.hidden = true;
      return;
    }
    timer = setTimeout(() => run(query), DEBOUNCE_MS);
  });

  return {
    /** Hides the preview (after the alert was created). */
    reset() {
      clearTimeout(timer);
      asked++;
      box.hidden = true;
    },
  };
}
