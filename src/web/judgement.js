// The analyst's controls on one digest item: "not about this story" / "belongs here", the
// judged state with an undo, and "why is this here?" (the item's `why`).

import { api } from './api.js';
import { h } from './dom.js';

const KIND_WORDS = { entity: 'Entity', term: 'Story term', feedback: 'Judgement', scope: 'Scope' };

/** A number with two decimals, signed when asked. */
function fmt(n, signed = false) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  const s = n.toFixed(2);
  return signed && n > 0 ? `+${s}` : s;
}

/** The "why is this here?" disclosure of an item, or null when it carries no `why`. */
export function whyView(item) {
  const why = item.why;
  if (!why) return null;
  const evidence = [...(why.evidence ?? [])].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
  const verdict = why.judged === true ? 'You judged it about this story.' : why.judged === false ? 'You judged it not about this story.' : null;
  return h(
    'details',
    { class: 'why', dataset: { id: item.id } },
    h('summary', { text: 'Why is this here?' }),
    h(
      'p',
      { class: 'why-score' },
      `Score ${fmt(why.score)} against a threshold of ${fmt(why.threshold)}`,
      verdict ? h('span', { class: 'why-verdict', text: ` · ${verdict}` }) : null,
    ),
    evidence.length > 0
      ? h(
          'ul',
          { class: 'why-evidence', attrs: { 'aria-label': 'What counted' } },
          evidence.map((e) =>
            h(
              'li',
              { class: `why-entry why-${e.kind}`, dataset: { kind: e.kind } },
              h('span', { class: 'why-kind', text: KIND_WORDS[e.kind] ?? e.kind }),
              h('span', { class: 'why-name', text: e.name }),
              h('span', { class: 'why-weight', text: e.kind === 'scope' ? (e.weight < 0 ? 'keeps it out' : 'passes') : fmt(e.weight, true) }),
            ),
          ),
        )
      : h('p', { class: 'muted small', text: 'Nothing counted.' }),
  );
}

/**
 * The judgement controls of an item (admin only). `onJudging(item, relevant)` runs before the
 * request (and `onJudging(item, null)` when it failed), `onJudged(item, relevant)` after a
 * verdict was stored, `onUndone(item)` after it was withdrawn.
 */
export function judgementControls(ctx, anchorId, item, { onJudging, onJudged, onUndone }) {
  const judged = item.why?.judged ?? null;
  const message = h('span', { class: 'judge-message error-text small', attrs: { role: 'alert' } });
  const send = async (button, request) => {
    button.disabled = true;
    message.textContent = '';
    try {
      await request();
    } catch (err) {
      if (err.status === 403) ctx.demoteToUser();
      message.textContent = err.message;
      button.disabled = false;
    }
  };
  const judge = (relevant) => (event) =>
    send(event.currentTarget, async () => {
      // The stream may announce the move before the answer comes: say what is coming first.
      onJudging(item, relevant);
      try {
        await api(`/api/digests/${encodeURIComponent(anchorId)}/feedback`, { method: 'POST', json: { itemId: item.id, relevant } });
      } catch (err) {
        onJudging(item, null);
        throw err;
      }
      onJudged(item, relevant);
    });
  const undo = (event) =>
    send(event.currentTarget, async () => {
      await api(`/api/digests/${encodeURIComponent(anchorId)}/feedback/${encodeURIComponent(item.id)}`, { method: 'DELETE' });
      onUndone(item);
    });
  const title = item.title || 'this item';
  if (judged !== null) {
    return h(
      'div',
      { class: `judge judged judged-${judged ? 'in' : 'out'}`, dataset: { judged: String(judged) } },
      h('span', { class: 'judge-state', text: judged ? '✓ You marked this as belonging here' : '✕ You marked this as not about this story' }),
      h('button', { class: 'btn btn-ghost btn-small judge-undo', text: 'Undo', attrs: { type: 'button', 'aria-label': `Undo your judgement of ${title}` }, on: { click: undo } }),
      message,
    );
  }
  return h(
    'div',
    { class: 'judge' },
    h('button', { class: 'btn btn-ghost btn-small judge-out', text: 'Not about this story', attrs: { type: 'button', 'aria-label': `Not about this story: ${title}` }, on: { click: judge(false) } }),
    h('button', { class: 'btn btn-ghost btn-small judge-in', text: 'Belongs here', attrs: { type: 'button', 'aria-label': `Belongs here: ${title}` }, on: { click: judge(true) } }),
    message,
  );
}
