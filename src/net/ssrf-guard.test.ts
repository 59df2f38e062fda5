import type dns from 'node:dns';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../errors.ts';
import { type AllAddressResolver, checkUrlAllowed, createGuardedLookup, isPublicAddress } from './ssrf-guard.ts';

// Pure checks only: nothing here opens a connection, which is the only safe way to
// exercise private, link-local and public ranges on this machine.

describe('isPublicAddress', () => {
  const refused: Array<[string, string]> = [
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local metadata'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.255', 'CGNAT'],
    ['192.0.0.8', 'IETF assignments'],
    ['192.0.2.1', 'TEST-NET-1'],
    ['198.51.100.7', 'TEST-NET-2'],
    ['203.0.113.9', 'TEST-NET-3'],
    ['198.18.0.1', 'benchmarking'],
    ['192.88.99.1', '6to4 relay'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'v6 unspecified'],
    ['::1', 'v6 loopback'],
    ['fe80::1', 'v6 link-local'],
    ['fe80::1%eth0', 'v6 link-local with zone'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'v6 multicast'],
    ['fec0::1', 'site-local'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped link-local'],
    ['::127.0.0.1', 'IPv4-compatible'],
    ['::8.8.8.8', 'IPv4-compatible, even of a public address'],
    ['2002:7f00:1::', '6to4 of loopback'],
    ['2002:0a00:0001::1', '6to4 of private'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo with a loopback client (inverted 127.0.0.1)'],
    ['2001:0:0a00:0001::1', 'Teredo with a private server'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of link-local'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation (RFC 9637)'],
    ['2001:2::1', 'benchmarking'],
    ['::ffff:0:8.8.8.8', 'IPv4-translated'],
    ['0x7f000001', 'hex notation'],
    ['127.1', 'short notation'],
    ['2130706433', 'integer notation'],
    ['017700000001', 'octal notation'],
    ['0x08080808', 'hex notation of a public address'],
    ['010.0.0.1', 'leading zero'],
    ['localhost', 'a name'],
    ['', 'empty'],
    ['1.2.3', 'three parts'],
    ['256.1.1.1', 'out of range'],
  ];
  it.each(refused)('refuses %s (%s)', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  const allowed = [
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '100.63.255.255', // just below CGNAT
    '100.128.0.0', // just above CGNAT
    '172.15.255.255', // just below 172.16/12
    '172.32.0.0', // just above 172.16/12
    '223.255.255.255', // just below multicast
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8', // mapped public
    '2002:0808:0808::1', // 6to4 of a public address
    '64:ff9b::808:808', // NAT64 of a public address
    '[2606:4700:4700::1111]', // bracketed
  ];
  it.each(allowed)('allows %s', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).code;
  }
  return 'resolved';
}

describe('checkUrlAllowed', () => {
  const guarded = { allowPrivate: false };

  it.each([
    'http://0x7f000001/',
    'http://127.1/',
    'http://2130706433/',
    'http://017700000001/',
    'http://127.0.0.1./',
    'http://[::ffff:127.0.0.1]/',
    'http://[::1]:8080/feed',
    'http://10.1.2.3/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0.0.0.0/',
    'http://[fd00::1]/',
    'https://192.168.0.1/',
    'http://localhost/',
    'http://localhost./',
    'http://LOCALHOST:3000/',
    'http://foo.localhost/',
    'http://a.b.localhost./',
  ])('refuses %s with blockedAddress', async (url) => {
    expect(await codeOf(checkUrlAllowed(url, guarded))).toBe(ErrorCodes.blockedAddress);
  });

  it.each([
    'not a url',
    '/relative/path',
    'ftp://example.com/feed',
    'file:///etc/passwd',
    'gopher://127.0.0.1/',
    'javascript:alert(1)',
    'http://user:pass@example.com/feed',
    'http://user@example.com/feed',
    'https://:secret@example.com/',
  ])('refuses %s with invalidUrl', async (url) => {
    expect(await codeOf(checkUrlAllowed(url, guarded))).toBe(ErrorCodes.invalidUrl);
  });

  it('accepts a public IP literal without any DNS', async () => {
    const url = await checkUrlAllowed('https://8.8.8.8/feed.xml', guarded);
    expect(url.href).toBe('https://8.8.8.8/feed.xml');
  });

  // Names go through a fake resolver: a real lookup would query this machine's
  // resolver, which is not on loopback.
  function resolver(result: string[] | NodeJS.ErrnoException): AllAddressResolver {
    return (_host, _opts, cb) =>
      Array.isArray(result)
        ? process.nextTick(cb, null, result.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })))
        : process.nextTick(cb, result, []);
  }

  it('accepts a name that does not resolve: DNS failures are reported by fetching, not registration', async () => {
    const enotfound = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    const url = await checkUrlAllowed('http://no-such-host.invalid/feed', { ...guarded, resolve: resolver(enotfound) });
    expect(url.hostname).toBe('no-such-host.invalid');
  });

  it('accepts a name whose every address is public', async () => {
    const url = await checkUrlAllowed('https://news.example/rss', { ...guarded, resolve: resolver(['93.184.216.34', '2606:2800:220:1::1']) });
    expect(url.hostname).toBe('news.example');
  });

  it.each([
    [['10.0.0.7']],
    [['93.184.216.34', '127.0.0.1']],
    [['::1']],
    [['::ffff:169.254.169.254']],
  ])('refuses a name resolving to %j', async (addresses) => {
    const result = checkUrlAllowed('https://intranet.example/rss', { ...guarded, resolve: resolver(addresses) });
    expect(await codeOf(result)).toBe(ErrorCodes.blockedAddress);
  });

  it('lets everything through when private networks are allowed, but still checks scheme and credentials', async () => {
    expect((await checkUrlAllowed('http://127.0.0.1:8080/', { allowPrivate: true })).port).toBe('8080');
    expect((await checkUrlAllowed('http://localhost/', { allowPrivate: true })).hostname).toBe('localhost');
    expect(await codeOf(checkUrlAllowed('ftp://127.0.0.1/', { allowPrivate: true }))).toBe(ErrorCodes.invalidUrl);
    expect(await codeOf(checkUrlAllowed('http://a:b@127.0.0.1/', { allowPrivate: true }))).toBe(ErrorCodes.invalidUrl);
  });

  it('judges with a custom address policy', async () => {
    const onlyLoopbackOne = { allowPrivate: false, addressPolicy: (ip: string) => ip === '127.0.0.1' };
    expect((await checkUrlAllowed('http://127.0.0.1:9/', onlyLoopbackOne)).hostname).toBe('127.0.0.1');
    expect(await codeOf(checkUrlAllowed('http://127.0.0.2:9/', onlyLoopbackOne))).toBe(ErrorCodes.blockedAddress);
    expect(await codeOf(checkUrlAllowed('http://0x7f000002:9/', onlyLoopbackOne))).toBe(ErrorCodes.blockedAddress);
    // localhost is refused by name whatever the policy says about its addresses.
    expect(await codeOf(checkUrlAllowed('http://localhost:9/', onlyLoopbackOne))).toBe(ErrorCodes.blockedAddress);
  });
});

describe('createGuardedLookup', () => {
  function fakeResolver(addresses: string[]): AllAddressResolver {
    return (_host, _opts, cb) => {
      const list: dns.LookupAddress[] = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      process.nextTick(cb, null, list);
    };
  }

  function lookupOnce(
    lookup: ReturnType<typeof createGuardedLookup>,
    host: string,
    all: boolean,
  ): Promise<{ err: unknown; address: unknown; family: unknown }> {
    return new Promise((resolve) => {
      lookup(host, { all } as dns.LookupOptions, (err, address, family) => resolve({ err, address, family }));
    });
  }

  it('returns the addresses when every one passes the policy', async () => {
    const lookup = createGuardedLookup({ allowPrivate: false, resolve: fakeResolver(['8.8.8.8', '2606:4700:4700::1111']) });
    const single = await lookupOnce(lookup, 'example.test', false);
    expect(single).toEqual({ err: null, address: '8.8.8.8', family: 4 });
    const all = await lookupOnce(lookup, 'example.test', true);
    expect(all.err).toBeNull();
    expect(all.address).toHaveLength(2);
  });

  it('refuses the name when any one address is refused (no mixed public/internal answers)', async () => {
    const lookup = createGuardedLookup({ allowPrivate: false, resolve: fakeResolver(['8.8.8.8', '10.0.0.5']) });
    const { err } = await lookupOnce(lookup, 'rebind.test', true);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCodes.blockedAddress);
    expect((err as AppError).details).toMatchObject({ host: 'rebind.test', address: '10.0.0.5' });
  });

  it('refuses localhost names without asking the resolver', async () => {
    let asked = false;
    const lookup = createGuardedLookup({
      allowPrivate: false,
      addressPolicy: () => true,
      resolve: (_h, _o, cb) => {
        asked = true;
        cb(null, [{ address: '127.0.0.1', family: 4 }]);
      },
    });
    const { err } = await lookupOnce(lookup, 'api.localhost', false);
    expect((err as AppError).code).toBe(ErrorCodes.blockedAddress);
    expect(asked).toBe(false);
  });

  it('passes resolver errors through untouched so the client can report dnsFailure', async () => {
    const enotfound = Object.assign(new Error('getaddrinfo ENOTFOUND x.test'), { code: 'ENOTFOUND' });
    const lookup = createGuardedLookup({ allowPrivate: false, resolve: (_h, _o, cb) => cb(enotfound, []) });
    const { err } = await lookupOnce(lookup, 'x.test', true);
    expect(err).toBe(enotfound);
  });
});
