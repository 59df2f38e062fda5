import { z } from 'zod';

/** `limit` as the contract says: 1 to 200, default 50. */
export const limitParam = z
  .string()
  .regex(/^\d+$/, 'must be a whole number from 1 to 200')
  .transform(Number)
  .refine((n) => n >= 1 && n <= 200, 'must be from 1 to 200')
  .default(50);

/** An ISO 8601 date-time with a zone; anything else is refused, never guessed. */
export const isoDateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/, 'must be an ISO 8601 date or date-time with a zone')
  .refine((v) => !Number.isNaN(Date.parse(v)), 'is not a valid date')
  .transform((v) => Date.parse(v));

/** The token may always ride in the query string; strict schemas must accept it. */
export const accessTokenParam = z.string().optional();
