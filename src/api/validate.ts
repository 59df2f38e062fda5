import type { z } from 'zod';
import { AppError, ErrorCodes } from '../errors.ts';

/** Parses input with a schema; every problem becomes a field error of one 400. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query' | 'params'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors = result.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : where,
    message: issue.message,
  }));
  const summary = fieldErrors.map((f) => `${f.field}: ${f.message}`).join('; ');
  throw new AppError(ErrorCodes.validation, `Invalid ${where}: ${summary}`, { fieldErrors });
}
