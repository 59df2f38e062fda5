// The source piece: title, link, and its entities by kind with their roles; the admin edits aliases and roles inline.

import { api } from './api.js';
import { h, KIND_LABELS, replaceChildren, safeLink } from './dom.js';

const KIND_ORDER = ['person', 'place', 'organization', 'topic'];

/** Renders the source piece panel; `onChange(anchor)` runs after the admin saved new aliases. */
export function renderSource(ctx, anchor, onChange) {
  const title = document.getElementById('source-title');
  replaceChildren(title, safeLink(anchor.url, anchor.title, { class: 'source-link' }));
  const meta = [];
  const published = Date.parse(anchor.publishedAt ?? '');
  if (!Number.isNaN(published)) meta.push(`Published ${new Date(published).toLocaleDateString('en-GB', { dateStyle: 'long' })}`);
  meta.push(`${anchor.entities.length} entities`);
  const host = safeHttpHost(anchor.url);
  if (host) meta.push(host);
  document.getElementById('source-meta').textContent = meta.join(' · ');

  const box = document.getElementById('entities');
  const groups = KIND_ORDER.map((kind) => {
    const entities = anchor.entities.filter((e) => e.kind === kind).sort((a, b) => b.weight - a.weight || a.name.localeCompare(b.name));
    if (entities.length === 0) return null;
    return h(
      'div',
      { class: `entity-group kind-${kind}` },
      h('h3', { class: 'entity-kind', text: KIND_LABELS[kind] }, h('span', { class: 'count', text: String(entities.length) })),
      h('ul', { class: 'entity-list' }, entities.map((e) => entityItem(ctx, anchor, e, onChange))),
    );
  });
  replaceChildren(box, groups);
}

function safeHttpHost(url) {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.hostname : null;
  } catch {
    return null;
  }
}

function entityItem(ctx, anchor, entity, onChange) {
  const aliases = entity.aliases.length > 0 ? entity.aliases.join(', ') : '';
  const role = entity.role ?? 'core';
  const li = h(
    'li',
    { class: `entity role-${role}`, dataset: { key: entity.key, kind: entity.kind, role } },
    h('span', { class: 'entity-name', text: entity.name }),
    h('span', { class: `entity-role role-${role}`, text: role === 'core' ? 'core' : 'context', attrs: { title: role === 'core' ? 'One of the story’s own actors, places and subjects' : 'Around the story: counts only beside core evidence' } }),
    aliases ? h('span', { class: 'entity-aliases', text: aliases, attrs: { title: `Also matched: ${aliases}` } }) : null,
  );
  if (ctx.isAdmin) {
    const edit = h('button', {
      class: 'btn-icon',
      text: 'Edit',
      attrs: { type: 'button', 'aria-label': `Edit aliases of ${entity.name}`, 'aria-expanded': 'false' },
    });
    edit.addEventListener('click', () => openEditor(ctx, anchor, entity, li, edit, onChange));
    li.append(edit);
  }
  return li;
}

function openEditor(ctx, anchor, entity, li, button, onChange) {
  if (li.querySelector('form')) return;
  button.setAttribute('aria-expanded', 'true');
  const inputId = `aliases-${entity.key}`;
  const input = h('input', { attrs: { id: inputId, name: 'aliases', autocomplete: 'off' } });
  input.value = entity.aliases.join(', ');
  const roleId = `role-${entity.key}`;
  const roleSelect = h('select', { attrs: { id: roleId, name: 'role' } }, h('option', { text: 'Core: one of the story’s own', attrs: { value: 'core' } }), h('option', { text: 'Context: around the story', attrs: { value: 'context' } }));
  roleSelect.value = entity.role ?? 'core';
  const message = h('p', { class: 'error-text small', attrs: { role: 'alert' } });
  const save = async (entities) => {
    try {
      const updated = await api(`/api/anchors/${encodeURIComponent(anchor.id)}/entities`, { method: 'PUT', json: { entities } });
      onChange(updated);
    } catch (err) {
      if (err.status === 403) ctx.demoteToUser();
      message.textContent = err.message;
    }
  };
  const asInput = (e) => ({ name: e.name, kind: e.kind, aliases: e.aliases, role: e.role ?? 'core' });
  const close = () => {
    form.remove();
    li.classList.remove('editing');
    button.setAttribute('aria-expanded', 'false');
    button.focus();
  };
  const form = h(
    'form',
    { class: 'alias-editor' },
    h('label', { attrs: { for: inputId }, text: `Aliases of ${entity.name} (comma-separated)` }),
    input,
    h('label', { attrs: { for: roleId }, text: `Role of ${entity.name}` }),
    roleSelect,
    h(
      'div',
      { class: 'form-actions' },
      h('button', { class: 'btn btn-primary btn-small', text: 'Save', attrs: { type: 'submit' } }),
      h('button', { class: 'btn btn-ghost btn-small', text: 'Cancel', attrs: { type: 'button' }, on: { click: close } }),
      h('button', {
        class: 'btn btn-ghost btn-small entity-remove',
        text: 'Remove entity',
        attrs: { type: 'button', 'aria-label': `Remove entity ${entity.name}` },
        on: { click: () => save(anchor.entities.filter((e) => e.key !== entity.key).map(asInput)) },
      }),
    ),
    message,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const aliases = [...new Set(input.value.split(',').map((a) => a.trim()).filter(Boolean))];
    await save(anchor.entities.map((e) => (e.key === entity.key ? { ...asInput(e), aliases, role: roleSelect.value } : asInput(e))));
  });
  li.classList.add('editing');
  li.append(form);
  input.focus();
}
