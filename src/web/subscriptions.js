// Digest e-mail subscriptions of the caller's key: subscribe an address, list, send now, delete.

import { api } from './api.js';
import { flash, h, replaceChildren, timeEl } from './dom.js';

/** The subscriptions panel inside the alerts card. */
export function createSubscriptions(ctx) {
  const form = document.getElementById('subscription-form');
  const email = document.getElementById('subscription-email');
  const every = document.getElementById('subscription-every');
  const at = document.getElementById('subscription-at');
  const tz = document.getElementById('subscription-tz');
  const message = document.getElementById('subscription-message');
  const list = document.getElementById('subscription-list');

  try {
    tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    tz.value = 'UTC';
  }

  function render(subs) {
    replaceChildren(
      list,
      subs.map((sub) => {
        const send = h('button', { class: 'btn btn-ghost btn-small', text: 'Send now', attrs: { type: 'button', 'aria-label': `Send the digest to ${sub.email} now` } });
        send.addEventListener('click', async () => {
          send.disabled = true;
          try {
            await api(`/api/subscriptions/${encodeURIComponent(sub.id)}/send`, { method: 'POST' });
            flash(message, `The next digest e-mail to ${sub.email} is on its way (if anything new entered the digest).`);
          } catch (err) {
            flash(message, err.problem?.detail ?? err.message, 'error');
          } finally {
            send.disabled = false;
          }
        });
        const del = h('button', { class: 'btn btn-ghost btn-small danger', text: 'Delete', attrs: { type: 'button', 'aria-label': `Delete the subscription of ${sub.email}` } });
        del.addEventListener('click', async () => {
          del.disabled = true;
          try {
            await api(`/api/subscriptions/${encodeURIComponent(sub.id)}`, { method: 'DELETE' });
            await load();
          } catch (err) {
            del.disabled = false;
            flash(message, err.problem?.detail ?? err.message, 'error');
          }
        });
        const when = sub.every === 'hour' ? `hourly at :${sub.at.slice(3)}` : sub.every === 'day' ? `daily at ${sub.at}` : `Mondays at ${sub.at}`;
        return h(
          'li',
          { class: 'subscription', dataset: { id: sub.id } },
          h('div', {}, h('strong', { text: sub.email }), ' ', h('span', { class: 'muted small', text: `${when} (${sub.tz})` }), ' ', h('span', { class: 'muted small' }, 'next ', timeEl(sub.nextSendAt))),
          h('div', { class: 'subscription-actions' }, send, del),
        );
      }),
    );
  }

  async function load() {
    const { subscriptions } = await api('/api/subscriptions');
    render(subscriptions.filter((s) => !ctx.anchor || s.anchorId === ctx.anchor.id));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { anchorId: ctx.anchor?.id, email: email.value.trim(), every: every.value, at: at.value || undefined, tz: tz.value.trim() || undefined };
    try {
      const sub = await api('/api/subscriptions', { method: 'POST', json: body });
      flash(message, `Subscribed ${sub.email}.`);
      email.value = '';
      await load();
    } catch (err) {
      flash(message, err.problem?.detail ?? err.message, 'error', 0);
    }
  });

  return { load };
}
