import { pino, type Logger } from 'pino';

/** The process logger: JSON lines, fixed messages with data in fields, secrets redacted. */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { pid: process.pid, ...bindings },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.query.access_token',
        'headers.authorization',
        'token',
        'adminToken',
        'secret',
        'webhook.secret',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  });
}
