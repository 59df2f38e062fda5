/** X-Hub-Signature of a WebSub content distribution (W3C WebSub §8): an HMAC of the raw body. Pure. */
import { createHmac, timingSafeEqual } from 'node:crypto';

const ALGORITHMS = new Set(['sha1', 'sha256', 'sha384', 'sha512']);

/** True when `header` ("sha256=hex") is the HMAC of `body` under `secret` with a known algorithm. */
export function verifyHubSignature(body: Buffer, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const m = /^\s*(sha1|sha256|sha384|sha512)=([0-9a-f]+)\s*$/i.exec(header);
  if (!m || !ALGORITHMS.has(m[1]!.toLowerCase())) return false;
  const expected = createHmac(m[1]!.toLowerCase(), secret).update(body).digest();
  const given = Buffer.from(m[2]!, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The header a hub sends for `body` (for tests and benchmarks that play the hub). */
export function signHubBody(body: Buffer | string, secret: string, algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}=${createHmac(algorithm, secret).update(body).digest('hex')}`;
}
