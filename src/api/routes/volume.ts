import { Router } from 'express';
import { AppError, ErrorCodes } from '../../errors.ts';
import { topEntities } from '../../pipeline/top-entities.ts';
import { topOutlets } from '../../pipeline/top-outlets.ts';
import { volumeSeries } from '../../pipeline/volume-series.ts';
import type { AnchorStore } from '../../storage/anchor-store.ts';
import type { FeedStore } from '../../storage/feed-store.ts';
import type { ItemStore } from '../../storage/item-store.ts';
import { bucketBoundaries, checkTimeZone } from '../../volume/time-buckets.ts';
import { ConcurrencyGate } from '../concurrency-gate.ts';
import { anchorOr404 } from '../find-or-404.ts';
import { validate } from '../validate.ts';
import { topQuery, volumeQuery } from '../schemas/volume.ts';

const DAY = 24 * 3600_000;

/** One cell of a CSV file (RFC 4180 quoting). */
function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** What /api/volume uses. */
export interface VolumeRouterDeps {
  anchors: Pick<AnchorStore, 'get' | 'defaultId'>;
  items: ItemStore;
  feeds: FeedStore;
  /** VOLUME_QUERY_MAX_ITEMS: items a q= series may test. */
  queryMaxItems: number;
  /** EXPENSIVE_READ_CONCURRENCY: scanning reads one process runs at once. */
  expensiveReadConcurrency: number;
  now(): number;
}

/** /api/volume: coverage over time per entity and per query, as JSON or CSV; /api/volume/top: share of voice. */
export function volumeRouter(deps: VolumeRouterDeps): Router {
  const router = Router();
  // Reads that test stored items one by one (q= series, outlets) share one cap per process.
  const scans = new ConcurrencyGate(deps.expensiveReadConcurrency);

  const rangeOf = (from: number | undefined, to: number | undefined) => {
    const end = to ?? deps.now();
    return { from: from ?? end - 7 * DAY, to: end };
  };

  router.get('/', async (req, res) => {
    const query = validate(volumeQuery, req.query, 'query');
    if (query.q) scans.enter(res);
    const anchor = await anchorOr404(deps.anchors, query.anchorId);
    const tz = checkTimeZone(query.tz);
    const range = rangeOf(query.from, query.to);
    const bounds = bucketBoundaries(range.from, range.to, query.interval, tz);
    const share = query.normalize === 'share';
    const counted = await volumeSeries(
      anchor,
      bounds,
      { ...(query.entities !== undefined ? { entities: query.entities } : {}), ...(query.q ? { q: query.q } : {}), withTotal: share },
      { items: deps.items, feeds: deps.feeds, queryMaxItems: deps.queryMaxItems },
    );
    const starts = bounds.slice(0, -1).map((t) => new Date(t).toISOString());
    const series = counted.series.map((s) => ({
      key: s.key,
      name: s.name,
      points: s.counts.map((count, i) => {
        const point: { t: string; count: number; share?: number } = { t: starts[i]!, count };
        if (share) point.share = counted.total![i]! > 0 ? count / counted.total![i]! : 0;
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
    const anchor = await anchorOr404(deps.anchors, query.anchorId);
    const range = rangeOf(query.from, query.to);
    if (!(range.from < range.to)) throw new AppError(ErrorCodes.validation, '`from` must be before `to`.');
    const span = { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() };
    if (query.by === 'entity') {
      res.json({ ...span, entities: await topEntities(anchor, range, query.limit, deps.items) });
      return;
    }
    res.json({ ...span, sources: await topOutlets(anchor.id, range, query.limit, deps) });
  });

  return router;
}
