/**
 * Secrets travel inside URLs: `?access_token=` for EventSource clients and feed readers, a
 * feed's own `?token=` or `?api_key=`, `user:password@`, an unsubscribe link's path. Log
 * lines carry URLs in many fields (request URLs, feed URLs, error messages and stacks), so
 * the masking works on text, wherever the URL sits.
 */

const CENSOR = '[redacted]';

/** Query parameter names whose values are secrets (tokens, keys, signatures, passwords). */
const SECRET_PARAM = /token|key|secret|pass|pwd|sig|auth|session|credential|code/i;

// `?name=value` / `&name=value`, raw or percent-encoded (a URL carried inside another URL).
const QUERY_PAIR = /([?&;]|%3F|%26)([^=&;#\s"'<>\\]{1,100}?)(=|%3D)([^&;#\s"'<>\\]*)/gi;
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/?#@\s"'<>\\]+@/gi;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
const WEBHOOK_SECRET = /\bwhsec_[A-Za-z0-9+/=]+/g;
const UNSUBSCRIBE_PATH = /(\/unsubscribe\/)[^/?#\s"'<>\\]+/gi;

/** A text with every secret it may carry in a URL, header value or webhook secret masked. */
export function redactSecrets(text: string): string {
  if (text.length === 0) return text;
  return text
    .replace(QUERY_PAIR, (all, sep: string, name: string, eq: string, value: string) =>
      value !== '' && SECRET_PARAM.test(name) ? `${sep}${name}${eq}${CENSOR}` : all,
    )
    .replace(USERINFO, `$1${CENSOR}@`)
    .replace(BEARER, `$1${CENSOR}`)
    .replace(WEBHOOK_SECRET, `whsec_${CENSOR}`)
    .replace(UNSUBSCRIBE_PATH, `$1${CENSOR}`);
}

/** A URL (absolute, or a request's path and query) with its secrets masked. */
export function redactUrl(url: unknown): unknown {
  return typeof url === 'string' ? redactSecrets(url) : url;
}
