import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import { redactSecrets, redactUrl } from './observability/redact-secrets.ts';

/**
 * Structured fields that hold secrets, masked by pino's own redaction wherever a log call
 * puts them (headers of a request or a webhook attempt, bodies with a secret, tokens).
 */
const REDACT_PATHS = [
  'token',
  'adminToken',
  'accessToken',
  'access_token',
  'secret',
  'password',
  '*.token',
  '*.secret',
  '*.password',
  '*.access_token',
  '*.*.secret',
  'webhook.secret',
  'body.webhook.secret',
  'req.query.access_token',
  ...['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'webhook-signature', 'x-hub-signature', 'x-hub-signature-256'].flatMap((h) => [
    `headers["${h}"]`,
    `req.headers["${h}"]`,
    `res.headers["${h}"]`,
    `*.headers["${h}"]`,
  ]),
];

/** Fields that name a URL: request URLs, feed URLs, the two ends of a redirect. */
const URL_FIELDS = ['url', 'from', 'to', 'location', 'feedUrl', 'href', 'topic', 'callback'] as const;

/** pino's error serializer, with secrets masked in the message and stack (they often quote a URL). */
function serializeError(err: unknown): unknown {
  const out = stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (!out || typeof out !== 'object') return out;
  for (const field of ['message', 'stack']) if (typeof out[field] === 'string') out[field] = redactSecrets(out[field] as string);
  return out;
}

/**
 * The process logger: JSON lines, fixed messages with data in fields, secrets redacted three
 * ways: pino's `redact` for known secret fields, serializers for URL and error fields, and a
 * last pass over each finished line for a URL secret that sits anywhere else.
 */
export function createLogger(level: string, bindings: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { pid: process.pid, ...bindings },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      err: serializeError,
      ...Object.fromEntries(URL_FIELDS.map((f) => [f, redactUrl])),
    },
    hooks: { streamWrite: redactSecrets },
  };
  return destination ? pino(options, destination) : pino(options);
}
