import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError, ErrorCodes } from '../errors.ts';

/**
 * The one address policy of the project: which hosts a user-supplied URL may reach.
 * Registration (checkUrlAllowed) and the HTTP client's connect-time lookup
 * (createGuardedLookup) both judge with the same functions, so a URL that passes
 * one cannot be refused or let through differently by the other.
 */

/** Decides whether the client may connect to one resolved IP address. */
export type AddressPolicy = (ip: string) => boolean;

/** A dns.lookup-shaped resolver that answers every address of a name; tests supply a fake one. */
export type AllAddressResolver = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
) => void;

// An allowlist would be tidier, but IPv4 has no "global" prefix: public space is
// everything minus these special-purpose blocks (IANA IPv4 special registry).
const REFUSED_V4 = [
  '0.0.0.0/8', // "this network", includes the unspecified address
  '10.0.0.0/8', // private
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local (cloud metadata lives here)
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // documentation TEST-NET-1
  '192.88.99.0/24', // deprecated 6to4 relay anycast
  '192.168.0.0/16', // private
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation TEST-NET-2
  '203.0.113.0/24', // documentation TEST-NET-3
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, includes broadcast 255.255.255.255
].map((cidr) => ipaddr.IPv4.parseCIDR(cidr));

// IPv6 does have a global-unicast prefix, so v6 is judged by allowlist first,
// then these carve-outs inside 2000::/3 are removed.
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
const REFUSED_V6 = [
  '2001::/23', // IETF protocol assignments (Teredo 2001::/32 is judged before this)
  '2001:db8::/32', // documentation
  '3fff::/20', // documentation (RFC 9637)
].map((cidr) => ipaddr.IPv6.parseCIDR(cidr));
const TEREDO_V6 = ipaddr.IPv6.parseCIDR('2001::/32');
const SIX_TO_FOUR_V6 = ipaddr.IPv6.parseCIDR('2002::/16');
const NAT64_WELL_KNOWN_V6 = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
const IPV4_COMPATIBLE_V6 = ipaddr.IPv6.parseCIDR('::/96');

/** True only for a plain public unicast IPv4 or IPv6 address; anything else, or anything unparsable, is false. */
export function isPublicAddress(ip: string): boolean {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  // Only the canonical dotted quad counts as IPv4: hex, octal, short and integer
  // notations are what SSRF payloads use to slip past naive checks.
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return isPublicV4(ipaddr.IPv4.parse(text));
  const hexTail = dottedTailToHex(text);
  if (hexTail === null || !ipaddr.IPv6.isValid(hexTail)) return false;
  let v6: ipaddr.IPv6;
  try {
    v6 = ipaddr.IPv6.parse(hexTail);
  } catch {
    return false;
  }
  return isPublicV6(v6);
}

// ipaddr.js reads "::a.b.c.d" as "::ffff:a.b.c.d", which would let an IPv4-compatible
// address pass as mapped; spelling the tail in hex first keeps the two apart.
function dottedTailToHex(text: string): string | null {
  const match = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(%.*)?$/.exec(text);
  if (!match) return text;
  const octets = match.slice(2, 6).map(Number);
  if (octets.some((o) => o > 255)) return null;
  const [a = 0, b = 0, c = 0, d = 0] = octets;
  const words = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  return `${match[1]}${words}${match[6] ?? ''}`;
}

function isPublicV4(addr: ipaddr.IPv4): boolean {
  return !REFUSED_V4.some((range) => addr.match(range));
}

function isPublicV6(addr: ipaddr.IPv6): boolean {
  // Zone ids only make sense on link-local addresses; never public.
  if (addr.zoneId !== undefined) return false;
  // Forms that carry an IPv4 address reach that IPv4 host, so they get its verdict.
  if (addr.isIPv4MappedAddress()) return isPublicV4(addr.toIPv4Address());
  if (addr.match(NAT64_WELL_KNOWN_V6)) return isPublicV4(lastV4(addr));
  if (addr.match(IPV4_COMPATIBLE_V6)) return false; // deprecated, and covers :: and ::1
  if (!addr.match(GLOBAL_UNICAST_V6)) return false;
  if (addr.match(SIX_TO_FOUR_V6)) {
    const p = addr.parts;
    return isPublicV4(v4FromWords(p[1] ?? 0, p[2] ?? 0));
  }
  if (addr.match(TEREDO_V6)) {
    const p = addr.parts;
    // Teredo holds the relay server in words 2-3 and the client, bit-inverted, in 6-7.
    const server = v4FromWords(p[2] ?? 0, p[3] ?? 0);
    const client = v4FromWords(~(p[6] ?? 0) & 0xffff, ~(p[7] ?? 0) & 0xffff);
    return isPublicV4(server) && isPublicV4(client);
  }
  return !REFUSED_V6.some((range) => addr.match(range));
}

function lastV4(addr: ipaddr.IPv6): ipaddr.IPv4 {
  return v4FromWords(addr.parts[6] ?? 0, addr.parts[7] ?? 0);
}

function v4FromWords(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** How strictly a URL is judged: the same options for registration and for the client. */
export interface GuardOptions {
  /** When true, any address is acceptable (ALLOW_PRIVATE_NETWORKS); scheme and credentials are still checked. */
  allowPrivate: boolean;
  /** Which resolved addresses are acceptable; isPublicAddress unless given. */
  addressPolicy?: AddressPolicy;
  /** Name resolver; dns.lookup unless given. */
  resolve?: AllAddressResolver;
}

/** True for `localhost`, `localhost.` and any `*.localhost` name, which RFC 6761 reserves for loopback. */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** The host of a parsed URL without IPv6 brackets, as net.connect and dns.lookup want it. */
export function bareHostname(url: URL): string {
  const host = url.hostname;
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function blocked(host: string, address: string | null): AppError {
  return new AppError(ErrorCodes.blockedAddress, `Refused to reach ${host}: not a public address`, {
    details: { host, address },
  });
}

/** Checks scheme, credentials and a literal or localhost host without DNS; throws invalidUrl or blockedAddress. */
export function checkUrlShape(url: string | URL, opts: GuardOptions): URL {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw new AppError(ErrorCodes.invalidUrl, 'Not a valid URL', { details: { url: String(url) } });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AppError(ErrorCodes.invalidUrl, 'Only http and https URLs are allowed', {
      details: { url: parsed.href, scheme: parsed.protocol.replace(/:$/, '') },
    });
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // Credentials in URLs end up in logs and in the Referer of redirects; refuse them outright.
    throw new AppError(ErrorCodes.invalidUrl, 'URLs with a username or password are not allowed', {
      details: { host: parsed.hostname },
    });
  }
  if (parsed.hostname === '') {
    throw new AppError(ErrorCodes.invalidUrl, 'URL has no host', { details: { url: parsed.href } });
  }
  if (opts.allowPrivate) return parsed;
  const host = bareHostname(parsed);
  const policy = opts.addressPolicy ?? isPublicAddress;
  // WHATWG URL parsing has already turned 0x7f000001, 127.1, 2130706433 and
  // 017700000001 into 127.0.0.1, so the literal check sees the real address.
  if (net.isIP(host) !== 0) {
    if (!policy(host)) throw blocked(host, host);
  } else if (isLocalhostName(host)) {
    throw blocked(host, null);
  }
  return parsed;
}

/** Validates a feed or webhook URL at registration: shape, credentials and every address its host resolves to. */
export async function checkUrlAllowed(url: string, opts: GuardOptions): Promise<URL> {
  const parsed = checkUrlShape(url, opts);
  const host = bareHostname(parsed);
  if (opts.allowPrivate || net.isIP(host) !== 0) return parsed;
  const policy = opts.addressPolicy ?? isPublicAddress;
  const resolve = opts.resolve ?? dns.lookup;
  let addresses: dns.LookupAddress[];
  try {
    addresses = await new Promise((done, fail) => {
      resolve(host, { all: true }, (err, list) => (err ? fail(err) : done(list)));
    });
  } catch {
    // Not an error at registration: the host may come back, and fetching will report it.
    return parsed;
  }
  const refused = addresses.find((a) => !policy(a.address));
  if (refused) throw blocked(host, refused.address);
  return parsed;
}

/** Builds the lookup net/tls connect calls: it refuses a name when ANY of its addresses is refused. */
export function createGuardedLookup(opts: GuardOptions): net.LookupFunction {
  // Checking inside connect's own lookup means the address judged is exactly the one
  // connected to: no window for DNS rebinding between a check and the connection.
  const policy = opts.allowPrivate ? () => true : (opts.addressPolicy ?? isPublicAddress);
  const resolve = opts.resolve ?? dns.lookup;
  return (hostname, options, callback) => {
    // net.connect's callback type is loose about the error; ours is an AppError with a stable code.
    const fail = (err: Error): void => callback(err as NodeJS.ErrnoException, '', 0);
    if (!opts.allowPrivate && isLocalhostName(hostname)) {
      process.nextTick(fail, blocked(hostname, null));
      return;
    }
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return fail(err);
      // One refused address refuses the name: a hostile DNS server could otherwise
      // mix a public address with an internal one and win the connection race.
      const refused = addresses.find((a) => !policy(a.address));
      if (refused) return fail(blocked(hostname, refused.address));
      const first = addresses[0];
      if (!first) {
        const empty = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
        return fail(empty);
      }
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}
