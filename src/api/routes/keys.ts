import { Router } from 'express';
import { randomBytes } from 'node:crypto';
import type { ApiKeyStore } from '../../storage/api-key-store.ts';
import { requireAdmin } from '../auth.ts';
import { validate } from '../validate.ts';
import { createKeyBody } from '../schemas/keys.ts';

/** What /api/keys uses. */
export interface KeysRouterDeps {
  apiKeys: Pick<ApiKeyStore, 'create'>;
  now(): number;
}

/** /api/keys: user keys, shown once and stored hashed. */
export function keysRouter(deps: KeysRouterDeps): Router {
  const router = Router();
  router.post('/', requireAdmin, async (req, res) => {
    const body = validate(createKeyBody, req.body, 'body');
    const id = randomBytes(8).toString('hex');
    const key = `awk_${randomBytes(24).toString('base64url')}`;
    await deps.apiKeys.create({ id, name: body.name, createdAt: deps.now() }, key);
    res.status(201).json({ id, name: body.name, key });
  });
  return router;
}
