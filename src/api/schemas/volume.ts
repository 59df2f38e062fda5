import { z } from 'zod';
import { accessTokenParam, anchorIdParam, isoDateParam, isoTime, limitParam } from './common.ts';

const fromParam = isoDateParam.optional().meta({ description: 'Start (ISO 8601 with a zone); 7 days before `to` when omitted. A malformed date answers 400.' });
const toParam = isoDateParam.optional().meta({ description: 'End (ISO 8601 with a zone); now when omitted.' });

/** Query of GET /api/volume. */
export const volumeQuery = z
  .object({
    anchorId: anchorIdParam,
    entities: z.string().max(2000).optional().meta({ description: 'Comma-separated entity keys; every entity of the anchor when omitted (and no q).' }),
    q: z
      .string()
      .min(1)
      .optional()
      .meta({
        description:
          'A query in the alert query language; adds a series with key "q" (CSV column `q=QUERY`). 400 when the range holds more items than VOLUME_QUERY_MAX_ITEMS; 503 with Retry-After when the process already runs EXPENSIVE_READ_CONCURRENCY such scans.',
      }),
    interval: z.enum(['minute', 'hour', 'day']).default('hour').meta({ description: 'Bucket size.' }),
    from: fromParam,
    to: toParam,
    tz: z.string().min(1).max(64).default('UTC').meta({ description: 'IANA time zone for day buckets (DST-aware).' }),
    normalize: z.enum(['share']).optional().meta({ description: 'Add each point’s share of all digest items in its bucket.' }),
    format: z
      .enum(['json', 'csv'])
      .default('json')
      .meta({ description: 'csv gives the same data as CSV (one column per series; with normalize=share, `<key>_share` columns after the counts).' }),
    access_token: accessTokenParam,
  })
  .strict();

/** Query of GET /api/volume/top. */
export const topQuery = z
  .object({
    anchorId: anchorIdParam,
    from: fromParam,
    to: toParam,
    by: z.enum(['entity', 'source']).default('entity').meta({ description: 'Rank entities, or the feeds that carried the digest’s stories.' }),
    limit: limitParam,
    access_token: accessTokenParam,
  })
  .strict();

/** One bucket of a series. */
export const VolumePoint = z
  .object({
    t: isoTime.meta({ description: 'Start of the bucket.' }),
    count: z.int().min(0),
    share: z.number().min(0).max(1).optional().meta({ description: 'With normalize=share.' }),
  })
  .meta({ id: 'VolumePoint' });

/** One series: an entity, or the q= query. */
export const VolumeSeries = z
  .object({ key: z.string().meta({ description: 'Entity key, or "q" for the q= series.' }), name: z.string(), points: z.array(VolumePoint) })
  .meta({ id: 'VolumeSeries' });

/** GET /api/volume. */
export const VolumeResponse = z
  .object({
    interval: z.enum(['minute', 'hour', 'day']),
    from: isoTime,
    to: isoTime,
    tz: z.string(),
    normalize: z.literal('share').optional(),
    series: z.array(VolumeSeries),
  })
  .meta({ id: 'VolumeResponse', description: 'Distinct items per bucket by publication time; every bucket present, zero where empty.' });

/** GET /api/volume/top?by=entity. */
export const TopEntities = z
  .object({
    from: isoTime,
    to: isoTime,
    entities: z.array(z.object({ key: z.string(), name: z.string(), count: z.int().min(0) })).meta({ description: 'Most covered first.' }),
  })
  .meta({ id: 'TopEntities' });

/** GET /api/volume/top?by=source. */
export const TopSources = z
  .object({
    from: isoTime,
    to: isoTime,
    sources: z.array(z.object({ feedId: z.string(), title: z.string().nullable(), count: z.int().min(0) })).meta({ description: 'Most stories first.' }),
  })
  .meta({ id: 'TopSources' });

/** GET /api/volume/top: entities or outlets, as `by` asks. */
export const TopCoverage = z.xor([TopEntities, TopSources]).meta({ id: 'TopCoverage' });
