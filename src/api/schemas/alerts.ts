import { z } from 'zod';
import { isStandardWebhookSecret, WEBHOOK_SECRET_BYTES } from '../../alerts/sign-webhook.ts';
import { accessTokenParam, exactlyOneOf, isoDateParam, isoTime, limitParam } from './common.ts';
import { DigestItem } from './digests.ts';

/** The webhook of an alert, as the caller gives it. */
export const webhookBody = z
  .object({
    url: z.string().trim().min(1).max(2048).meta({ description: 'An http(s) URL that resolves to a public address.' }),
    // Receivers verify with `new Webhook(secret).verify()`, which only takes this form.
    secret: z
      .string()
      .max(256)
      .refine(isStandardWebhookSecret, {
        message: `must be a Standard Webhooks secret: whsec_ followed by the base64 of ${WEBHOOK_SECRET_BYTES.min} to ${WEBHOOK_SECRET_BYTES.max} random bytes (omit it to have one generated)`,
      })
      .optional()
      .meta({
        pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$',
        description: `Standard Webhooks signing secret: whsec_ + base64 of ${WEBHOOK_SECRET_BYTES.min} to ${WEBHOOK_SECRET_BYTES.max} random bytes (400 otherwise); generated and returned once when omitted.`,
      }),
    format: z
      .enum(['standard', 'slack'])
      .optional()
      .meta({ description: '`standard` (default): the JSON event; `slack`: a Slack-compatible `{ "text", "blocks" }` message (title as a link, outlet, time, matched entities), still signed.' }),
  })
  .strict()
  .meta({ id: 'WebhookInput' });

/** The e-mail target of an alert, as the caller gives it. */
export const emailBody = z
  .object({
    to: z.array(z.email().max(320)).min(1).max(20).meta({ description: 'Recipients: one message per hit to each.' }),
  })
  .strict()
  .meta({ id: 'EmailInput', description: 'One e-mail per hit (subject: the alert name and the item title; text and HTML parts). 400 when the server has no SMTP_URL.' });

/** A spike rule: exactly one of `entity` and `query`, and its thresholds. */
export const spikeBody = z
  .object({
    entity: z.string().min(1).max(100).optional().meta({ description: 'An entity key of the anchor.' }),
    query: z.string().min(1).optional().meta({ description: 'A query in the alert query language.' }),
    windowMinutes: z.number().int().min(1).max(7 * 24 * 60),
    baselineHours: z.number().int().min(1).max(90 * 24),
    factor: z.number().min(1).max(1000),
    minCount: z.number().int().min(1).max(1_000_000),
  })
  .strict()
  .refine((s) => (s.entity === undefined) !== (s.query === undefined), 'give exactly one of entity and query')
  .meta({
    id: 'SpikeRule',
    description:
      'Fires when the count in the last window is at least `factor` times the baseline rate over the window’s length and at least `minCount`; it then rests for one window. Exactly one of `entity` (a key of the anchor) and `query`.',
    ...exactlyOneOf('entity', 'query'),
  });

/** Body of POST /api/alerts: a keyword alert (`query`) or a spike alert (`spike`). */
export const createAlertBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    query: z
      .string()
      .min(1)
      .optional()
      .meta({
        description:
          'A keyword alert: words, "quoted phrases", AND, OR, NOT, parentheses, a trailing * for a prefix, entity:KEY, A NEAR/n B (within n words, either order, inside the title or inside the summary), title: (the title only) and source: (the feed title).',
        examples: ['entity:person:abbas-araghchi AND (talks OR negotiat*)', 'title:(Iran NEAR/5 talks) source:"Al Jazeera"'],
      }),
    anchorId: z.string().min(1).max(100).optional().meta({ description: 'The anchor whose entities entity:KEY refers to; the first anchor when omitted.' }),
    webhook: webhookBody.optional(),
    email: emailBody.optional(),
    spike: spikeBody.optional().meta({ description: 'A spike alert: its rule.' }),
  })
  .strict()
  .refine((b) => (b.query === undefined) !== (b.spike === undefined), 'give exactly one of query and spike')
  .meta({
    id: 'AlertInput',
    description: 'A keyword alert (`query`) or a spike alert (`spike`): exactly one of the two.',
    ...exactlyOneOf('query', 'spike'),
  });

/** Query of the lists of an alert's hits and deliveries. */
export const listQuery = z.object({ limit: limitParam, access_token: accessTokenParam }).strict();

/** The webhook of an alert, as the API shows it. */
export const Webhook = z
  .object({
    url: z.url(),
    disabled: z.boolean(),
    format: z.enum(['standard', 'slack']),
    secret: z
      .string()
      .regex(/^whsec_/)
      .optional()
      .meta({ description: 'Only in the 201 answer, and only when the secret was generated.' }),
  })
  .meta({ id: 'Webhook' });

/** The e-mail target of an alert, as the API shows it. */
export const EmailTargetOut = z.object({ to: z.array(z.string()) }).meta({ id: 'EmailTarget' });

const alertFields = {
  id: z.string(),
  name: z.string(),
  anchorId: z.string(),
  webhook: Webhook.nullable(),
  email: EmailTargetOut.nullable(),
  createdAt: isoTime,
};

/** An alert on a keyword query. */
export const KeywordAlert = z
  .object({
    ...alertFields,
    query: z.string(),
    spike: z.never().optional().meta({ description: 'Absent: a keyword alert has no spike rule.' }),
  })
  .meta({ id: 'KeywordAlert', description: 'An alert on a keyword query: fires at most once per item.' });

/** An alert on a surge of coverage. */
export const SpikeAlert = z
  .object({
    ...alertFields,
    query: z.string().nullable().meta({ description: 'The spike query, or null for a spike on an entity.' }),
    spike: spikeBody,
  })
  .meta({ id: 'SpikeAlert', description: 'An alert on a surge of coverage.' });

/** The contract's Alert. */
export const Alert = z.xor([KeywordAlert, SpikeAlert]).meta({ id: 'Alert', description: 'An alert of the calling key (keyword or spike).' });

/** GET /api/alerts. */
export const AlertList = z.object({ alerts: z.array(Alert) }).meta({ id: 'AlertList' });

/** One hit of an alert. */
export const AlertHit = z
  .object({ itemId: z.string(), title: z.string().nullable(), link: z.url().nullable(), publishedAt: isoTime.nullable(), matchedAt: isoTime })
  .meta({ id: 'AlertHit' });

/** GET /api/alerts/:id/hits. */
export const AlertHitList = z.object({ hits: z.array(AlertHit) }).meta({ id: 'AlertHitList' });

/** One webhook delivery of an alert. */
export const Delivery = z
  .object({
    webhookId: z.string().meta({ description: 'The delivery id (the webhook-id header, the e-mail Message-ID), the same on every retry.' }),
    channel: z.enum(['webhook', 'email']),
    itemId: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.int().min(0),
    lastStatus: z.int().nullable().meta({ description: 'The HTTP status, or the SMTP reply code, of the last attempt.' }),
    lastError: z.string().nullable(),
    nextAttemptAt: isoTime.nullable().meta({ description: 'Set only while pending.' }),
  })
  .meta({ id: 'Delivery' });

/** GET /api/alerts/:id/deliveries. */
export const DeliveryList = z.object({ deliveries: z.array(Delivery) }).meta({ id: 'DeliveryList' });

const alertRef = z.object({ id: z.string(), name: z.string() });

/** The body POSTed to a keyword alert's webhook. */
export const AlertHitWebhook = z
  .object({ type: z.literal('alert.hit'), alert: alertRef, item: DigestItem })
  .meta({ id: 'AlertHitWebhook', description: 'Body POSTed to a keyword alert webhook, signed per Standard Webhooks.' });

/** The body POSTed to a spike alert's webhook. */
export const AlertSpikeWebhook = z
  .object({ type: z.literal('alert.spike'), alert: alertRef, count: z.int(), baseline: z.number(), items: z.array(DigestItem) })
  .meta({ id: 'AlertSpikeWebhook', description: 'Body POSTed to a spike alert webhook, signed per Standard Webhooks.' });

/** Body of POST /api/alerts/preview. */
export const previewAlertBody = z
  .object({
    query: z.string().min(1).meta({ description: 'A query in the alert query language.', examples: ['Muscat NEAR/5 talks'] }),
    anchorId: z.string().min(1).max(100).optional().meta({ description: 'The anchor whose entities entity:KEY refers to; the first anchor when omitted.' }),
    from: isoDateParam.optional().meta({ description: 'Start (ISO 8601 with a zone); 7 days before `to` when omitted.' }),
    to: isoDateParam.optional().meta({ description: 'End (ISO 8601 with a zone); now when omitted.' }),
    limit: z.int().min(1).max(200).default(20).meta({ description: 'Hits returned, newest first (the count covers them all).' }),
  })
  .strict()
  .meta({ id: 'AlertPreviewInput' });

/** The answer of POST /api/alerts/preview. */
export const AlertPreview = z
  .object({
    count: z.int().min(0).meta({ description: 'Stored items of the range the query matches.' }),
    hits: z.array(z.object({ itemId: z.string(), title: z.string(), link: z.url().nullable(), publishedAt: isoTime })),
    volume: z.array(z.object({ t: isoTime, count: z.int().min(0) })).meta({ description: 'Matches per UTC day, every day present.' }),
  })
  .meta({ id: 'AlertPreview', description: 'What the query would have matched; nothing is saved or sent.' });
