/**
 * Typed errors with stable codes. Only the API's error handler maps a code to an
 * HTTP status; everything else reasons about `code`, never about message text.
 */

/** Every stable error code of the project, in one registry. */
export const ErrorCodes = {
  // input and access
  badRequest: 'bad_request',
  validation: 'validation_failed',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  notFound: 'not_found',
  conflict: 'conflict',
  payloadTooLarge: 'payload_too_large',
  unsupportedMediaType: 'unsupported_media_type',
  rateLimited: 'rate_limited',
  unavailable: 'service_unavailable',
  // fetching a feed or calling a webhook
  invalidUrl: 'invalid_url',
  blockedAddress: 'blocked_address',
  dnsFailure: 'dns_failure',
  timeout: 'timeout',
  tooLarge: 'response_too_large',
  tooManyRedirects: 'too_many_redirects',
  httpStatus: 'http_status',
  network: 'network_error',
  // reading a feed
  emptyBody: 'empty_body',
  notAFeed: 'not_a_feed',
  parseError: 'parse_error',
  unsafeXml: 'unsafe_xml',
  // reading an article page
  noArticle: 'no_article',
  // config
  config: 'config_invalid',
  querySyntax: 'query_syntax',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Field-level problems attached to a validation error. */
export interface FieldError {
  field: string;
  message: string;
}

/** Base error of the project: a stable code, a human message, optional details. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly fieldErrors: FieldError[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown>; fieldErrors?: FieldError[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details ?? {};
    this.fieldErrors = options.fieldErrors ?? [];
  }
}

/** True when `err` is an AppError with the given code. */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
