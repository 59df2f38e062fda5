import { Router } from 'express';
import type { ApiDeps } from '../api-deps.ts';

/** The dashboard at `/` and its static assets. */
export function webRouter(_deps: ApiDeps): Router {
  return Router();
}
