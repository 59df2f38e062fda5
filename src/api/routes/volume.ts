import { Router } from 'express';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.ts';
import type { AnchorRecord } from '../../model/anchor.ts';
import { querySeries } from '../../volume/query-series.ts';
import { bucketBoundaries, checkTimeZone } from '../../volume/time-buckets.ts';
import type { ApiDeps } from '../api-deps.ts';
import { ConcurrencyGate } from '../concurrency-gate.ts';
import { accessTokenParam, isoDateParam, limitParam } from '../query-schemas.ts';
import { validate } from '../validate.ts';

const DAY = 24 * 3600_000;

const volumeQuery = z
  .object({
    anchorId: z.string().min(1).max(100).optional(),
    entities: z.string().max(2000).optional(),
    q: z.string().min(1).optional(),
    interval: z.enum(['minute', 'hour', 'day']).default('hour'),
    from: isoDateParam.optional(),
    to: isoDateParam.optional(),
    tz: z.string().min(1).max(64).default('UTC'),
    normalize: z.enum(['share']).optional(),
    format: z.enum(['json', 'csv']).default('json'),
    access_token: accessTokenParam,
  })
  .strict();

const topQuery = z
  .object({
    anchorId: z.string().min(1).max(100).optional(),
    from: isoDateParam.optional(),
    to: isoDateParam.optional(),
    by: z.enum(['entity', 'source']).default('entity'),
    limit: limitParam,
    access_token: accessTokenParam,
  })
  .strict();

/** One cell of a CSV file (RFC 4180 quoting). */
function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** /api/volume: coverage over time per entity and per query, as JSON or CSV; /api/volume/top: share of voice. */
export function volumeRouter(deps: ApiDeps): Router {
  const router = Router();
  const { anchors, items, feeds } = deps.stores;
  // Reads that test stored items one by one (q= series, outlets) share one cap per process.
  const scans = new ConcurrencyGate(deps.config.expensiveReadConcurrency);

  const anchorOf = async (anchorId: string | undefined): Promise<AnchorRecord> => {
    const id = anchorId ?? (await anchors.defaultId());
    const anchor = id ? await anchors.get(id) : null;
    if (!anchor) throw new AppError(ErrorCodes.notFound, 'No anchor with this id.');
    return anchor;
  };

  const rangeOf = (from: number | undefined, to: number | undefined) => {
    const end = to ?? deps.now();
    return { from: from ?? end - 7 * DAY, to: end };
  };

  router.get('/', async (req, res) => {
    const query = validate(volumeQuery, req.query, 'query');
    if (query.q) scans.enter(res);
    const anchor = await anchorOf(query.anchorId);
    const tz = checkTimeZone(query.tz);
    const range = rangeOf(query.from, query.to);
    const bounds = bucketBoundaries(range.from, range.to, query.interval, tz);
    const byKey = new Map(anchor.entities.map((e) => [e.key, e]));
    const keys = query.entities !== undefined ? [...new Set(query.entities.split(',').map((k) => k.trim()).filter(Boolean))] : query.q ? [] : [...byKey.keys()];
    const unknown = keys.filter((k) => !byKey.has(k));
    if (unknown.length > 0) {
      throw new AppError(ErrorCodes.validation, `Unknown entity key(s) for anchor ${anchor.id}: ${unknown.join(', ')}.`, {
        fieldErrors: unknown.map((k) => ({ field: 'entities', message: `"${k}" is not an entity key of this anchor` })),
      });
    }
    const share = query.normalize === 'share';
    const counts = await items.bucketCounts(anchor.id, keys, bounds, share);
    const raw: Array<{ key: string; name: string; counts: number[] }> = keys.map((key, i) => ({ key, name: byKey.get(key)!.name, counts: counts.byEntity[i]! }));
    if (query.q) raw.push({ key: 'q', name: query.q, counts: await querySeries(query.q, anchor, bounds, items, deps.config.volumeQueryMaxItems) });
    const starts = bounds.slice(0, -1).map((t) => new Date(t).toISOString());
    const series = raw.map((s) => ({
      key: s.key,
      name: s.name,
      points: s.counts.map((count, i) => {
        const point: { t: string; count: number; share?: number } = { t: starts[i]!, count };
        if (share) point.share = counts.total![i]! > 0 ? count / counts.total![i]! : 0;
        return point;
      }),
    }));
    const body = {
      interval: query.interval,
      from: new Date(bounds[0]!).toISOString(),
      to: new Date(bounds[bounds.length - 1]!).toISOString(),
      tz,
      ...(share ? { normalize: 'share' } : {}),
      series,
    };
    if (query.format === 'csv') {
      // One column per series, named by its entity key or, for q=, by the query itself; with
      // normalize=share the shares follow in columns of their own, `<name>_share`.
      const names = series.map((s) => (s.key === 'q' ? `q=${s.name}` : s.key));
      const header = ['t', ...names, ...(share ? names.map((n) => `${n}_share`) : [])];
      const lines = [header.map(csvCell).join(',')];
      starts.forEach((t, i) => {
        const countCells = series.map((s) => s.points[i]!.count);
        const shareCells = share ? series.map((s) => s.points[i]!.share!) : [];
        lines.push([t, ...countCells, ...shareCells].map(csvCell).join(','));
      });
      res
        .type('text/csv; charset=utf-8')
        .setHeader('Content-Disposition', `attachment; filename="volume-${anchor.id}-${query.interval}.csv"`)
        .send(`${lines.join('\r\n')}\r\n`);
      return;
    }
    res.json(body);
  });

  router.get('/top', async (req, res) => {
    const query = validate(topQuery, req.query, 'query');
    if (query.by === 'source') scans.enter(res);
    const anchor = await anchorOf(query.anchorId);
    const range = rangeOf(query.from, query.to);
    if (!(range.from < range.to)) throw new AppError(ErrorCodes.validation, '`from` must be before `to`.');
    if (query.by === 'entity') {
      const counted = await Promise.all(
        anchor.entities.map(async (e) => ({ key: e.key, name: e.name, count: await items.countEntity(anchor.id, e.key, range.from, range.to) })),
      );
      counted.sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
      res.json({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), entities: counted.slice(0, query.limit) });
      return;
    }
    // Outlets: every feed that carried a story of the digest (its own item, a same-link copy
    // or a near-identical copy) counts that story once.
    const perFeed = new Map<string, number>();
    const ids = (await items.digestItemsBetween(anchor.id, range.from, range.to, 100_000)).map((e) => e.id);
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const members = await items.storyMembersOf(batch);
      const loaded = new Map((await items.getMany([...batch, ...[...members.values()].flat()])).map((it) => [it.id, it]));
      for (const id of batch) {
        const carriers = new Set<string>();
        for (const it of [loaded.get(id), ...(members.get(id) ?? []).map((m) => loaded.get(m))]) {
          if (!it) continue;
          carriers.add(it.feedId);
          for (const feedId of Object.keys(it.sources)) carriers.add(feedId);
        }
        for (const feedId of carriers) perFeed.set(feedId, (perFeed.get(feedId) ?? 0) + 1);
      }
    }
    const titles = await feeds.titles(perFeed.keys());
    const sources = [...perFeed]
      .map(([feedId, count]) => ({ feedId, title: titles.get(feedId) ?? null, count }))
      .sort((a, b) => b.count - a.count || a.feedId.localeCompare(b.feedId));
    res.json({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), sources: sources.slice(0, query.limit) });
  });

  return router;
}
