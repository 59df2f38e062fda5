import { z } from 'zod';
import { isoTime } from './common.ts';

/** Body of POST /api/subscriptions. */
export const createSubscriptionBody = z
  .object({
    anchorId: z.string().min(1).max(100).meta({ description: 'The anchor whose digest is sent.' }),
    email: z.email().max(320).meta({ description: 'Where the digest goes.' }),
    every: z.enum(['hour', 'day', 'week']).meta({ description: 'hour: at the minute of `at` every hour; day: at `at`; week: Mondays at `at`.' }),
    at: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)')
      .optional()
      .meta({ description: 'Local time HH:MM on the clock of `tz`; 08:00 when omitted.' }),
    tz: z.string().min(1).max(64).optional().meta({ description: 'IANA time zone; UTC when omitted. 400 for an unknown zone.' }),
    minScore: z.number().min(0).max(1000).optional().meta({ description: 'Leave out stories scoring below this.' }),
  })
  .strict()
  .meta({ id: 'SubscriptionInput' });

/** The contract's Subscription. */
export const Subscription = z
  .object({
    id: z.string(),
    anchorId: z.string(),
    email: z.string(),
    every: z.enum(['hour', 'day', 'week']),
    at: z.string(),
    tz: z.string(),
    minScore: z.number().nullable(),
    lastSentAt: isoTime.nullable(),
    nextSendAt: isoTime,
    createdAt: isoTime,
  })
  .meta({ id: 'Subscription', description: 'A digest e-mail of the stories that entered the digest since the last one (none sent when there are none).' });

/** GET /api/subscriptions. */
export const SubscriptionList = z.object({ subscriptions: z.array(Subscription) }).meta({ id: 'SubscriptionList' });

/** POST /api/subscriptions/:id/send. */
export const SendQueued = z.object({ queued: z.literal(true) }).meta({ id: 'SendQueued' });
