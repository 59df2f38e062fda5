// Talking to /api: the session's token, JSON requests, problem+json errors, event streams.

const TOKEN_KEY = 'aw.token';

/** An API answer that was not 2xx, with its problem document. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem ?? {};
  }
}

/**
 * Takes `?access_token=` from the address into sessionStorage and removes it from the
 * address bar (and so from history and bookmarks); returns the session's token or null.
 */
export function adoptToken() {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('access_token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('access_token');
    history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keeps a token for this tab's session. */
export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** Forgets the token (sign out). */
export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** Listeners told when the API answers 401 (the token is gone or wrong). */
const unauthorizedListeners = new Set();

/** Calls `fn` whenever a request answers 401. */
export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn);
}

/**
 * A request to the API with the bearer token. `json` is sent as a JSON body; `body` as is.
 * Resolves to the parsed JSON (or null for 204); rejects with ApiError for a non-2xx answer.
 */
export async function api(path, { method = 'GET', json, body, contentType, signal } = {}) {
  const headers = { Authorization: `Bearer ${token()}`, Accept: 'application/json' };
  let payload = body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(json);
  } else if (contentType) {
    headers['Content-Type'] = contentType;
  }
  const res = await fetch(path, { method, headers, body: payload, signal, cache: 'no-store' });
  const text = res.status === 204 ? '' : await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.slice(0, 300) };
    }
  }
  if (!res.ok) {
    if (res.status === 401) for (const fn of unauthorizedListeners) fn(data);
    throw new ApiError(res.status, data);
  }
  return data;
}

/** The URL of an event stream: EventSource cannot send headers, so the token rides in the query. */
export function streamUrl(path, lastEventId) {
  const params = new URLSearchParams({ access_token: token() });
  if (lastEventId) params.set('lastEventId', lastEventId);
  return `${path}?${params}`;
}

/**
 * A resumable EventSource: remembers the last event id in sessionStorage under `storageKey`
 * and, when the browser gives up (a non-200 answer closes it), opens it again from there.
 * The browser's own reconnect sends Last-Event-ID by itself.
 */
export function openStream(path, storageKey, { events, onState }) {
  let source = null;
  let stopped = false;
  let retryTimer = 0;
  let retryMs = 2000;

  const connect = () => {
    source = new EventSource(streamUrl(path, sessionStorage.getItem(storageKey)));
    source.addEventListener('open', () => {
      retryMs = 2000;
      onState?.('live');
    });
    source.addEventListener('error', () => {
      if (stopped) return;
      if (source.readyState === EventSource.CLOSED) {
        onState?.('offline');
        clearTimeout(retryTimer);
        retryTimer = setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 60_000);
      } else {
        onState?.('reconnecting');
      }
    });
    for (const [name, handler] of Object.entries(events)) {
      source.addEventListener(name, (event) => {
        if (event.lastEventId) sessionStorage.setItem(storageKey, event.lastEventId);
        let data = null;
        try {
          data = JSON.parse(event.data);
        } catch {
          return;
        }
        handler(data, event);
      });
    }
  };

  connect();
  return {
    /** Forgets the position (after a reload from scratch) and reconnects. */
    restart(fromScratch = false) {
      if (fromScratch) sessionStorage.removeItem(storageKey);
      source?.close();
      connect();
    },
    close() {
      stopped = true;
      clearTimeout(retryTimer);
      source?.close();
    },
  };
}
