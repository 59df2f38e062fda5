import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, ErrorCodes, type ErrorCode } from '../errors.ts';

/**
 * The only place that knows HTTP statuses: every error becomes application/problem+json
 * (RFC 9457) with a status that fits. Bad input never answers 500.
 */
const statusByCode: Partial<Record<ErrorCode, number>> = {
  [ErrorCodes.badRequest]: 400,
  [ErrorCodes.validation]: 400,
  [ErrorCodes.invalidUrl]: 400,
  [ErrorCodes.blockedAddress]: 400,
  [ErrorCodes.querySyntax]: 400,
  [ErrorCodes.noArticle]: 400,
  [ErrorCodes.unauthorized]: 401,
  [ErrorCodes.forbidden]: 403,
  [ErrorCodes.notFound]: 404,
  [ErrorCodes.conflict]: 409,
  [ErrorCodes.payloadTooLarge]: 413,
  [ErrorCodes.unsupportedMediaType]: 415,
  [ErrorCodes.rateLimited]: 429,
  [ErrorCodes.unavailable]: 503,
};

const titleByStatus: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Body of a problem+json answer. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: Array<{ field: string; message: string }>;
  [extension: string]: unknown;
}

/** Builds the problem document of an AppError. */
export function problemOf(err: AppError): Problem {
  const status = statusByCode[err.code] ?? 500;
  const problem: Problem = {
    type: `https://anchorwatch.dev/problems/${err.code}`,
    title: titleByStatus[status] ?? 'Error',
    status,
    detail: err.message,
    code: err.code,
    ...err.details,
  };
  if (err.fieldErrors.length > 0) problem.errors = err.fieldErrors;
  return problem;
}

/** Express error handler: maps AppError codes, client errors of the HTTP layer and Redis outages to problems. */
export function problemHandler(log: Logger, redisReady: () => boolean): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let appError: AppError;
    if (err instanceof AppError) {
      appError = err;
    } else if (err instanceof URIError && (err as { status?: unknown }).status === 400) {
      // The router decodes path parameters before any route runs (and marks its URIError 400):
      // `%ff` or `%E0%A4%A` is bad input.
      appError = new AppError(ErrorCodes.badRequest, 'The request path holds a malformed percent-encoding.');
    } else if (isClientHttpError(err)) {
      appError = clientErrorOf(err, req.headers['content-encoding']);
    } else if (!redisReady()) {
      // Judged by the connection's state, not by the error's text.
      appError = new AppError(ErrorCodes.unavailable, 'The data store is unavailable; try again shortly.');
      res.setHeader('Retry-After', '5');
    } else {
      // The `url` field goes through the logger's URL serializer: tokens in it are masked.
      log.error({ err, reqId: req.id, url: req.originalUrl }, 'unhandled error');
      res.status(500).type('application/problem+json').json({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        detail: 'An unexpected error occurred; it has been logged.',
      });
      return;
    }
    const problem = problemOf(appError);
    res.status(problem.status).type('application/problem+json').json(problem);
  };
}

/**
 * An error the HTTP layer raised about the request itself (http-errors with a 4xx status, as
 * body-parser makes them: a body too large, unreadable, not matching its Content-Encoding).
 */
function isClientHttpError(err: unknown): err is { status: number; message: string; type?: string; expose?: boolean } {
  if (typeof err !== 'object' || err === null) return false;
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function clientErrorOf(err: { status: number; message: string; type?: string }, contentEncoding: string | undefined): AppError {
  if (err.status === 413) return new AppError(ErrorCodes.payloadTooLarge, 'The request body is larger than 1 MiB.');
  const byStatus: Partial<Record<number, ErrorCode>> = { 401: ErrorCodes.unauthorized, 403: ErrorCodes.forbidden, 404: ErrorCodes.notFound, 429: ErrorCodes.rateLimited };
  const code = byStatus[err.status];
  if (code) return new AppError(code, err.message);
  if (err.status === 415) {
    return new AppError(ErrorCodes.unsupportedMediaType, `The request body cannot be read: ${err.message}. Send JSON, gzip, deflate or br.`);
  }
  const encoding = contentEncoding?.trim().toLowerCase();
  if (err.type === undefined && encoding && encoding !== 'identity') {
    // A decompression stream failed: the bytes are not what the header says.
    return new AppError(ErrorCodes.badRequest, `The request body does not match its Content-Encoding (${encoding}).`);
  }
  return new AppError(ErrorCodes.badRequest, `The request body could not be read: ${err.message}`);
}
