// Per-anchor settings of the source panel (admin): the scope query and deleting the anchor.

import { api } from './api.js';
import { h, replaceChildren } from './dom.js';

/**
 * Renders the scope form and the delete control of `anchor` into #anchor-settings.
 * `onScopeSaved(anchor)` runs after a new scope was saved, `onDeleting(id)` just before a
 * delete is sent (the page stops asking about that piece), `onDeleted(id)` after it.
 */
export function renderAnchorSettings(ctx, anchor, { onScopeSaved, onDeleting, onDeleted }) {
  const box = document.getElementById('anchor-settings');
  const scopeState = h('p', { class: 'muted small scope-state', text: anchor.scope ? `Scope: ${anchor.scope}` : 'No scope: every relevant item is shown.' });
  if (!ctx.isAdmin) {
    replaceChildren(box, anchor.scope ? scopeState : null);
    return;
  }
  const input = h('input', { class: 'mono', attrs: { id: 'scope-input', name: 'scope', autocomplete: 'off', spellcheck: 'false', maxlength: '1000', placeholder: 'NOT "Oman Air"' } });
  input.value = anchor.scope ?? '';
  const error = h('p', { class: 'error-text small', attrs: { id: 'scope-error', role: 'alert' } });
  const caret = h('pre', { class: 'caret-view', attrs: { id: 'scope-caret', 'aria-hidden': 'true' } });
  const scopeForm = h(
    'form',
    { class: 'scope-form inline-form', attrs: { id: 'scope-form', novalidate: true } },
    h('label', { attrs: { for: 'scope-input' }, text: 'Scope (alert query every digest item must match)' }),
    input,
    h('button', { class: 'btn btn-secondary btn-small', text: 'Save scope', attrs: { type: 'submit' } }),
  );
  scopeForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    caret.textContent = '';
    try {
      const updated = await api(`/api/anchors/${encodeURIComponent(anchor.id)}/scope`, { method: 'PUT', json: { scope: input.value.trim() === '' ? null : input.value } });
      onScopeSaved(updated);
    } catch (err) {
      if (err.status === 403) ctx.demoteToUser();
      error.textContent = err.message;
      const position = err.problem?.position;
      if (typeof position === 'number') caret.textContent = `${input.value}\n${' '.repeat(position)}^`;
    }
  });

  const confirmBox = h('div', { class: 'delete-confirm', attrs: { hidden: true } });
  const deleteButton = h('button', {
    class: 'btn btn-ghost btn-small anchor-delete',
    text: 'Delete this source piece',
    attrs: { type: 'button', 'aria-expanded': 'false' },
  });
  deleteButton.addEventListener('click', () => {
    confirmBox.hidden = false;
    deleteButton.setAttribute('aria-expanded', 'true');
    confirmBox.querySelector('.anchor-delete-confirm').focus();
  });
  const deleteError = h('span', { class: 'error-text small', attrs: { role: 'alert' } });
  replaceChildren(
    confirmBox,
    h('span', { text: `Delete “${anchor.title}”, its digest and its feedback? Items stay.` }),
    h('button', {
      class: 'btn btn-danger btn-small anchor-delete-confirm',
      text: 'Delete',
      attrs: { type: 'button' },
      on: {
        click: async () => {
          try {
            onDeleting?.(anchor.id);
            await api(`/api/anchors/${encodeURIComponent(anchor.id)}`, { method: 'DELETE' });
            onDeleted(anchor.id);
          } catch (err) {
            if (err.status === 403) ctx.demoteToUser();
            deleteError.textContent = err.message;
          }
        },
      },
    }),
    h('button', {
      class: 'btn btn-ghost btn-small',
      text: 'Cancel',
      attrs: { type: 'button' },
      on: {
        click: () => {
          confirmBox.hidden = true;
          deleteButton.setAttribute('aria-expanded', 'false');
          deleteButton.focus();
        },
      },
    }),
    deleteError,
  );
  replaceChildren(box, scopeState, scopeForm, error, caret, h('div', { class: 'anchor-danger' }, deleteButton, confirmBox));
}
