// The form that adds a source piece (POST /api/anchors): the article's address, read from its
// page by the server, or a title and the pasted text.

import { api } from './api.js';
import { h } from './dom.js';

/**
 * Wires the "new source piece" form (admin only). `onCreated(anchor)` runs with the new
 * anchor once the API answered 201.
 */
export function createAnchorForm(ctx, { onCreated }) {
  const toggle = document.getElementById('anchor-new');
  const form = document.getElementById('anchor-form');
  const title = document.getElementById('anchor-form-title');
  const text = document.getElementById('anchor-form-text');
  const url = document.getElementById('anchor-form-url');
  const message = document.getElementById('anchor-form-message');
  const submit = form.querySelector('button[type="submit"]');

  const open = (show) => {
    form.hidden = !show;
    toggle.setAttribute('aria-expanded', String(show));
    if (show) title.focus();
  };
  toggle.addEventListener('click', () => open(form.hidden));
  form.querySelector('.anchor-form-cancel').addEventListener('click', () => {
    open(false);
    toggle.focus();
  });

  /** The request body from the form's fields: pasted text wins; an address alone is read by the server. */
  function body() {
    const json = { title: title.value.trim(), text: text.value.trim() };
    const address = url.value.trim();
    if (address && !json.text) return json.title ? { url: address, title: json.title } : { url: address };
    return address ? { ...json, url: address } : json;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    const json = body();
    if (!json.url && (!json.title || !json.text)) {
      message.textContent = 'Give the address of the article, or a title and its pasted text.';
      return;
    }
    submit.disabled = true;
    message.textContent = 'Reading the piece…';
    try {
      const anchor = await api('/api/anchors', { method: 'POST', json });
      form.reset();
      message.textContent = '';
      open(false);
      onCreated(anchor);
    } catch (err) {
      if (err.status === 403) ctx.demoteToUser();
      const fields = (err.problem?.errors ?? []).map((e) => `${e.field} ${e.message}`).join('; ');
      message.textContent = fields ? `${err.message} (${fields})` : err.message;
    } finally {
      submit.disabled = false;
    }
  });

  return { open };
}

/** A short line under the source title: the piece's language and what to know about how it was read. */
export function anchorNotes(anchor) {
  const warnings = anchor.warnings ?? [];
  if (warnings.length === 0) return null;
  return h('ul', { class: 'anchor-warnings', attrs: { 'aria-label': 'How the piece was read' } }, warnings.map((w) => h('li', { text: w })));
}
