// DOM building with text only: feed data never passes through an HTML parser.

/**
 * Creates an element. `props` may hold `class`, `text` (set as textContent), `attrs` (plain
 * attributes; never `href`, `src` or event handlers: use safeLink), `dataset`, `on` (listeners).
 * Children are nodes or strings (strings become text nodes).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.text !== undefined && props.text !== null) el.textContent = String(props.text);
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (/^on/i.test(name) || name === 'href' || name === 'src' || name === 'style') throw new Error(`h(): refusing attribute ${name}`);
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [name, value] of Object.entries(props.dataset ?? {})) el.dataset[name] = String(value);
  for (const [event, fn] of Object.entries(props.on ?? {})) el.addEventListener(event, fn);
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces all children of `el`. */
export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** The URL when it is an absolute http(s) URL, else null (javascript:, data:, relative…). */
export function safeHttpUrl(value) {
  if (typeof value !== 'string' || value === '') return null;
  let url;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}

/**
 * A link to an outside page when `href` is http(s); otherwise a plain span with the same
 * text, so a hostile scheme never reaches an href.
 */
export function safeLink(href, text, props = {}) {
  const url = safeHttpUrl(href);
  if (!url) return h('span', { ...props, text });
  const a = h('a', { ...props, text });
  a.href = url;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  return a;
}

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

/** "5 minutes ago", "in 3 hours"; empty for null or an invalid date. */
export function relativeTime(iso, now = Date.now()) {
  const t = Date.parse(iso ?? '');
  if (Number.isNaN(t)) return '';
  const seconds = Math.round((t - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return seconds <= 0 ? 'just now' : 'in a moment';
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86_400), 'day');
}

/** A <time> element with relative text and the exact time as its title. */
export function timeEl(iso, fallback = '—') {
  const t = Date.parse(iso ?? '');
  if (Number.isNaN(t)) return h('span', { class: 'muted', text: fallback });
  return h('time', { text: relativeTime(iso), attrs: { datetime: new Date(t).toISOString(), title: absolute.format(t) } });
}

/** Every <time> under `root` updated to the current relative wording. */
export function refreshTimes(root) {
  for (const el of root.querySelectorAll('time[datetime]')) el.textContent = relativeTime(el.getAttribute('datetime'));
}

// Diacritics are folded one character at a time, so offsets in the folded text are offsets
// in the original: "Erdoğan" matches the alias "Erdogan" and the <mark> covers the original.
function foldChar(ch) {
  const folded = ch.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
  return folded.length === ch.length ? folded : ch.toLowerCase().length === ch.length ? ch.toLowerCase() : ch;
}

function fold(text) {
  let out = '';
  for (const ch of text) out += foldChar(ch);
  return out;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A matcher of whole-word mentions of the given names (case and diacritics folded), or null. */
export function mentionMatcher(names) {
  const terms = [...new Set(names.filter((n) => typeof n === 'string' && n.trim().length >= 2).map((n) => fold(n.trim())))];
  if (terms.length === 0) return null;
  terms.sort((a, b) => b.length - a.length);
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${terms.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'gu');
}

/**
 * `text` as nodes: text nodes, and <mark> elements (text inside) around each mention that
 * `matcher` finds. No HTML is ever parsed.
 */
export function highlighted(text, matcher) {
  const value = String(text ?? '');
  if (!matcher) return [document.createTextNode(value)];
  const folded = fold(value);
  const nodes = [];
  let last = 0;
  matcher.lastIndex = 0;
  for (let m = matcher.exec(folded); m; m = matcher.exec(folded)) {
    if (m[0].length === 0) {
      matcher.lastIndex++;
      continue;
    }
    if (m.index > last) nodes.push(document.createTextNode(value.slice(last, m.index)));
    nodes.push(h('mark', { text: value.slice(m.index, m.index + m[0].length) }));
    last = m.index + m[0].length;
  }
  if (last < value.length) nodes.push(document.createTextNode(value.slice(last)));
  return nodes;
}

/** Human words for an entity kind. */
export const KIND_LABELS = { person: 'People', place: 'Places', organization: 'Organisations', topic: 'Topics' };

/** A short message in an element for a few seconds. */
export function flash(el, text, kind = 'ok', ms = 6000) {
  el.textContent = text;
  el.hidden = false;
  el.dataset.kind = kind;
  clearTimeout(el._flashTimer);
  if (ms > 0) el._flashTimer = setTimeout(() => (el.hidden = true), ms);
}
