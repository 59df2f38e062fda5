import { z } from 'zod';
import { decodeCursor } from '../../storage/page-cursor.ts';

/**
 * The pieces every area shares: paging, dates, the token, the problem document. A schema with
 * `.meta({ id })` becomes a named component of the OpenAPI document (src/api/openapi.ts); the
 * `description`s of `.meta()` are its documentation.
 */

/**
 * JSON Schemas that stand in for the generated one of a query parameter: OpenAPI types a query
 * string by the value it carries (an integer), zod sees the string it parses.
 */
export const queryParamDocs = z.registry<Record<string, unknown>>();

/**
 * The JSON Schema of "exactly one of these fields", for a `.meta()` beside the refinement that
 * checks it (zod cannot describe a refinement). Each branch names its field as a property, so
 * validators that ignore a bare `required` (zod's own fromJSONSchema) still tell them apart.
 */
export function exactlyOneOf(...fields: string[]): { oneOf: Array<Record<string, unknown>> } {
  return { oneOf: fields.map((field) => ({ type: 'object', properties: { [field]: {} }, required: [field] })) };
}

/** `limit` as the contract says: 1 to 200, default 50. */
export const limitParam = z
  .string()
  .regex(/^\d+$/, 'must be a whole number from 1 to 200')
  .transform(Number)
  .refine((n) => n >= 1 && n <= 200, 'must be from 1 to 200')
  .default(50)
  .meta({ description: 'Page size, 1 to 200.' })
  .register(queryParamDocs, { type: 'integer', minimum: 1, maximum: 200, default: 50 });

/** An ISO 8601 date-time with a zone; anything else is refused, never guessed. */
export const isoDateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/, 'must be an ISO 8601 date or date-time with a zone')
  .refine((v) => !Number.isNaN(Date.parse(v)), 'is not a valid date')
  .transform((v) => Date.parse(v))
  .meta({ format: 'date-time' });

/** The token may always ride in the query string; strict schemas must accept it. */
export const accessTokenParam = z
  .string()
  .optional()
  .meta({ description: 'The token, for clients that cannot send headers (EventSource, feed readers).' });

/** A cursor this API gave out. */
export const cursorParam = z
  .string()
  .refine((c) => decodeCursor(c) !== null, 'is not a cursor this API gave out')
  .optional()
  .meta({ description: 'The `nextCursor` of the previous page; any other value answers 400.' });

/** `anchorId=` of the reads that default to the first anchor. */
export const anchorIdParam = z.string().min(1).max(100).optional().meta({ description: 'The anchor; the first anchor when omitted.' });

/** The query of a route that takes no parameter but the token. */
export const noQuery = z.object({ access_token: accessTokenParam }).strict();

/** The query of a resumable event stream. */
export const streamQuery = z
  .object({
    lastEventId: z.string().optional().meta({ description: 'Resume after this event id (like the Last-Event-ID header).' }),
    access_token: accessTokenParam,
  })
  .strict();

/** A time as the API writes it: ISO 8601 UTC. */
export const isoTime = z.iso.datetime();

/** One field error of a 400. */
export const FieldError = z.object({ field: z.string(), message: z.string() }).meta({ id: 'FieldError' });

/** The body of every error answer. */
export const Problem = z
  .looseObject({
    type: z.url().meta({ examples: ['https://anchorwatch.dev/problems/validation_failed'] }),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string(),
    code: z.string().optional().meta({ description: 'Stable error code, e.g. validation_failed, unauthorized, not_found, conflict, query_syntax.' }),
    errors: z.array(FieldError).optional().meta({ description: 'Field errors of a 400.' }),
    position: z.int().min(0).optional().meta({ description: 'Query syntax errors: the position of the error in `query`.' }),
    expected: z.string().optional().meta({ description: 'Query syntax errors: what the parser expected there.' }),
    id: z.string().optional().meta({ description: 'A 409 on POST /api/feeds: the id of the feed already registered with this URL.' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });
