/**
 * Canonical form of an item link, so that one story reached through different
 * tracking links, fragments or letter cases hashes to one item id.
 */

/**
 * Query parameters that only track the reader, never select content. The list
 * follows the parameters that Firefox's Query Stripping, Brave's de-AMP/query
 * filter and the ClearURLs "globalRules" remove by default: utm_* (Google
 * Analytics campaigns), fbclid (Facebook), gclid/dclid/gbraid/wbraid (Google
 * Ads), msclkid (Microsoft Ads), mc_cid/mc_eid (Mailchimp), igshid (Instagram),
 * yclid (Yandex), _ga/_gl (Google Analytics cross-domain linker), ref_src
 * (Twitter/X), spm (Alibaba), ocid (MSN), _hsenc/_hsmi (HubSpot), mkt_tok (Marketo).
 * Generic names such as `ref` or `source` stay: some sites route on them.
 */
const TRACKING_PARAMS = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'mc_cid',
  'mc_eid',
  'igshid',
  'yclid',
  '_ga',
  '_gl',
  'ref_src',
  'spm',
  'ocid',
  '_hsenc',
  '_hsmi',
  'mkt_tok',
]);

function isTrackingParam(rawKey: string): boolean {
  let key = rawKey;
  try {
    key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
  } catch {
    // A malformed escape is not a tracking key we know; compare it as written.
  }
  key = key.toLowerCase();
  return key.startsWith('utm_') || TRACKING_PARAMS.has(key);
}

/**
 * Filters the query string by hand rather than through URLSearchParams, which
 * would re-encode every kept parameter (spaces to `+`, `%7E` to `~`, …) and so
 * change links that servers compare byte for byte.
 */
function stripTrackingParams(search: string): string {
  if (search.length <= 1) return '';
  const kept = search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '' && !isTrackingParam(pair.split('=', 1)[0] ?? ''));
  return kept.length === 0 ? '' : `?${kept.join('&')}`;
}

function parseWithBase(href: string, base: string | undefined): URL | null {
  if (base !== undefined && base.trim() !== '') {
    try {
      return new URL(href, base.trim());
    } catch {
      // An unusable base must not hide a link that is absolute on its own.
    }
  }
  try {
    return new URL(href);
  } catch {
    return null;
  }
}

/** Resolves `href` against `base` and returns its canonical http(s) form, or null when unusable. */
export function canonicalUrl(href: string, base?: string): string | null {
  if (typeof href !== 'string') return null;
  const trimmed = href.trim();
  if (trimmed === '') return null;
  const url = parseWithBase(trimmed, base);
  // WHATWG parsing already lowercases scheme and host and drops default ports.
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null;
  if (url.hostname === '') return null;
  url.username = '';
  url.password = '';
  url.hash = '';
  url.search = stripTrackingParams(url.search);
  return url.href;
}
