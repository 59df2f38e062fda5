import { z } from 'zod';

/** GET /healthz. */
export const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

/** GET /readyz. */
export const Ready = z.object({ status: z.literal('ready') }).meta({ id: 'Ready' });

/** GET /openapi.json: only its version is promised here. */
export const OpenApiDocument = z.object({ openapi: z.literal('3.1.0') }).meta({ id: 'OpenApiDocument' });
