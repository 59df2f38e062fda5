// The dashboard's entry point: token, role, anchor, and the five panels.

import { adoptToken, api, ApiError, clearToken, onUnauthorized, setToken } from './api.js';
import { createAlerts } from './alerts.js';
import { anchorNotes, createAnchorForm } from './anchor-form.js';
import { renderAnchorSettings } from './anchor-settings.js';
import { createSubscriptions } from './subscriptions.js';
import { createDigest } from './digest.js';
import { h, replaceChildren } from './dom.js';
import { createFeeds } from './feeds.js';
import { renderSource } from './source.js';
import { createVolume } from './volume.js';

/** What the end-to-end tests read; holds no secrets. */
const test = { ready: false, role: null, chart: null };
window.__aw = test;

const ANCHOR_KEY = 'aw.anchor';
// An admin-only request that changes nothing: an OPML document without outlines imports no
// feed. The admin gets 200, a user key 403; this is how the page knows which controls to show.
const EMPTY_OPML = '<?xml version="1.0"?><opml version="2.0"><head><title>role check</title></head><body></body></opml>';

const ctx = {
  isAdmin: false,
  anchor: null,
  /** Called when an admin-only request answered 403: hide the admin controls. */
  demoteToUser() {
    if (!ctx.isAdmin) return;
    ctx.isAdmin = false;
    applyRole();
  },
};

function showSignIn(reason) {
  document.getElementById('dashboard').hidden = true;
  document.getElementById('signin').hidden = false;
  document.getElementById('sign-out').hidden = true;
  if (reason) document.getElementById('signin-reason').textContent = reason;
  const status = document.getElementById('live-status');
  status.textContent = 'Signed out';
  status.className = 'pill pill-offline';
  document.getElementById('signin-token').focus();
}

document.getElementById('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = document.getElementById('signin-token').value.trim();
  if (!value) return;
  setToken(value);
  window.location.reload();
});

document.getElementById('sign-out').addEventListener('click', () => {
  clearToken();
  sessionStorage.clear();
  window.location.reload();
});

async function detectRole() {
  try {
    await api('/api/feeds/import', { method: 'POST', body: EMPTY_OPML, contentType: 'text/x-opml' });
    return 'admin';
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return 'user';
    throw err;
  }
}

function applyRole() {
  document.body.classList.toggle('is-admin', ctx.isAdmin);
  document.body.classList.toggle('is-user', !ctx.isAdmin);
  for (const el of document.querySelectorAll('.admin-only')) el.hidden = !ctx.isAdmin;
  const badge = document.getElementById('role-badge');
  badge.textContent = ctx.isAdmin ? 'Admin' : 'Read-only key';
  badge.title = ctx.isAdmin ? 'Admin token: every control is available.' : 'A user key: you see feeds, digests and volume, and manage your own alerts.';
  badge.hidden = false;
  test.role = ctx.isAdmin ? 'admin' : 'user';
}

async function main() {
  const token = adoptToken();
  if (!token) {
    showSignIn();
    return;
  }
  onUnauthorized((problem) => showSignIn(problem?.detail ?? 'The token is not valid.'));

  let anchors;
  let role;
  try {
    [{ anchors }, role] = await Promise.all([api('/api/anchors'), detectRole()]);
  } catch (err) {
    if (err.status !== 401) showFatal(err);
    return;
  }
  ctx.isAdmin = role === 'admin';
  applyRole();
  document.getElementById('signin').hidden = true;
  document.getElementById('dashboard').hidden = false;
  document.getElementById('sign-out').hidden = false;

  if (anchors.length === 0 && !ctx.isAdmin) {
    showFatal(new Error('No source piece is registered yet.'));
    return;
  }

  const volume = createVolume(ctx, test);
  const digest = createDigest(ctx, { onNewItem: () => volume.refreshSoon() });
  const alerts = createAlerts(ctx, { onSpikeHits: (times) => volume.setSpikes(times) });
  const feeds = createFeeds(ctx);
  const subscriptions = createSubscriptions(ctx);

  const picker = document.getElementById('anchor-select');
  const saved = sessionStorage.getItem(ANCHOR_KEY);
  let anchor = anchors.find((a) => a.id === saved) ?? anchors[0];

  /** The picker lists the anchors; it shows when there is more than one. */
  function fillPicker() {
    replaceChildren(
      picker,
      anchors.map((a) => {
        const o = h('option', { text: a.title });
        o.value = a.id;
        return o;
      }),
    );
    if (anchor) picker.value = anchor.id;
    picker.closest('label').hidden = anchors.length < 2;
  }
  fillPicker();
  picker.addEventListener('change', () => {
    const next = anchors.find((a) => a.id === picker.value);
    if (next) showAnchor(next);
  });

  const onAnchorChanged = (updated) => {
    const i = anchors.findIndex((a) => a.id === updated.id);
    if (i >= 0) anchors[i] = updated;
    showAnchor(updated);
  };

  createAnchorForm(ctx, {
    onCreated: (created) => {
      anchors.push(created);
      anchor = created;
      fillPicker();
      showAnchor(created);
    },
  });

  const onDeleted = (id) => {
    anchors = anchors.filter((a) => a.id !== id);
    sessionStorage.removeItem(ANCHOR_KEY);
    anchor = anchors[0];
    fillPicker();
    if (anchor) showAnchor(anchor);
    else window.location.reload();
  };

  async function showAnchor(next) {
    anchor = next;
    ctx.anchor = next;
    picker.value = next.id;
    sessionStorage.setItem(ANCHOR_KEY, next.id);
    document.title = `${next.title} · Anchorwatch`;
    renderSource(ctx, next, onAnchorChanged);
    replaceChildren(document.getElementById('source-notes'), anchorNotes(next));
    renderAnchorSettings(ctx, next, { onScopeSaved: onAnchorChanged, onDeleting: (id) => volume.forget(id), onDeleted });
    await Promise.all([digest.show(next), volume.show(next)]);
  }

  const results = await Promise.allSettled([anchor ? showAnchor(anchor) : Promise.resolve(), alerts.start(), feeds.load(), subscriptions.load()]);
  for (const r of results) if (r.status === 'rejected' && r.reason?.status !== 401) console.warn('Anchorwatch: a panel failed to load', r.reason);
  test.ready = true;
  document.body.dataset.ready = 'true';
}

function showFatal(err) {
  const main = document.getElementById('main');
  main.prepend(h('p', { class: 'card error-text', attrs: { role: 'alert' }, text: `The dashboard could not start: ${err.message}` }));
}

main();
