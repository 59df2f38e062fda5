import { z } from 'zod';

/** Body of POST /api/keys. */
export const createKeyBody = z.object({ name: z.string().trim().min(1).max(100) }).meta({ id: 'ApiKeyInput' });

/** A user key, as POST /api/keys answers it (the only time the key is shown). */
export const ApiKey = z
  .object({ id: z.string(), name: z.string(), key: z.string().regex(/^awk_/).meta({ description: 'Shown once; stored hashed.' }) })
  .meta({ id: 'ApiKey', description: 'A user key: may read feeds, anchors, digests and volume, and manage its own alerts.' });
