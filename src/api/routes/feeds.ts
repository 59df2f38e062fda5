import express, { Router } from 'express';
import { AppError, ErrorCodes } from '../../errors.ts';
import type { FeedRecord } from '../../model/feed.ts';
import { importOpml } from '../../pipeline/import-opml.ts';
import { registerFeed, type RegisterFeedDeps } from '../../pipeline/register-feed.ts';
import { buildOpml, httpUrlOrNull, normalizeCategory } from '../../reader/opml.ts';
import type { FeedStore } from '../../storage/feed-store.ts';
import { pollLaneOf } from '../../pipeline/poll-lane.ts';
import type { Lane } from '../../pipeline/thread-pool.ts';
import { requireAdmin } from '../auth.ts';
import { presentFeed } from '../present.ts';
import { validate } from '../validate.ts';
import { noQuery } from '../schemas/common.ts';
import { createFeedBody } from '../schemas/feeds.ts';

/** What /api/feeds uses. */
export interface FeedsRouterDeps {
  feeds: FeedStore;
  /** Registration as the API does it: URL checked, the new feed polled at once. */
  registration: Required<RegisterFeedDeps>;
  /** Queues a poll now, whatever the schedule, in its lane (a known feed's news is 'live'). */
  requestPoll(feedId: string, lane?: Lane): Promise<void>;
  /** POLL_INTERVAL_SECONDS: the interval shown for a feed without its own. */
  defaultIntervalSeconds: number;
  /** Where others reach this API: the OPML export's owner link. */
  publicUrl(): string;
  now(): number;
  /** After a feed is deleted (its WebSub hub is asked to stop); absent: nothing. */
  onDeleted?(feed: FeedRecord): Promise<void>;
}

/** /api/feeds: registry, polling on demand, OPML in and out. */
export function feedsRouter(deps: FeedsRouterDeps): Router {
  const router = Router();
  const { feeds } = deps;

  const present = (feed: FeedRecord) => presentFeed(feed, deps.defaultIntervalSeconds);

  const feedOr404 = async (id: string): Promise<FeedRecord> => {
    const feed = await feeds.get(id);
    if (!feed) throw new AppError(ErrorCodes.notFound, 'No feed with this id.');
    return feed;
  };

  router.get('/', async (req, res) => {
    validate(noQuery, req.query, 'query');
    res.json({ feeds: (await feeds.list()).map(present) });
  });

  router.post('/', requireAdmin, async (req, res) => {
    const body = validate(createFeedBody, req.body, 'body');
    const { feed, created } = await registerFeed(
      {
        url: body.url,
        title: body.title ?? null,
        intervalSeconds: body.intervalSeconds ?? null,
        htmlUrl: body.htmlUrl ? httpUrlOrNull(body.htmlUrl) : null,
        category: body.category ? normalizeCategory(body.category) : null,
        fullText: body.fullText ?? null,
      },
      deps.registration,
    );
    if (!created) {
      throw new AppError(ErrorCodes.conflict, `This URL is already registered as feed ${feed.id}.`, { details: { id: feed.id } });
    }
    res.status(201).location(`/api/feeds/${feed.id}`).json(present(feed));
  });

  router.get('/export', async (req, res) => {
    validate(noQuery, req.query, 'query');
    const list = await feeds.list();
    res
      .type('text/x-opml; charset=utf-8')
      .setHeader('Content-Disposition', 'attachment; filename="anchorwatch-feeds.opml"')
      .send(
        buildOpml(
          list.map((f) => ({ url: f.url, title: f.title, htmlUrl: f.htmlUrl, category: f.category })),
          { title: 'Anchorwatch feeds', now: new Date(deps.now()), ownerUrl: `${deps.publicUrl()}/` },
        ),
      );
  });

  router.post(
    '/import',
    requireAdmin,
    express.text({ type: () => true, limit: '1mb' }),
    async (req, res) => {
      if (typeof req.body !== 'string' || req.body.trim() === '') {
        throw new AppError(ErrorCodes.validation, 'The body must be an OPML document.');
      }
      const { added, skipped, errors } = await importOpml(req.body, deps.registration);
      res.json({ added, skipped, ...(errors.length > 0 ? { errors } : {}) });
    },
  );

  router.get('/:id', async (req, res) => {
    validate(noQuery, req.query, 'query');
    res.json(present(await feedOr404(req.params.id)));
  });

  router.delete('/:id', requireAdmin, async (req, res) => {
    const feed = await feeds.get(String(req.params.id));
    if (!feed || !(await feeds.delete(feed.id))) throw new AppError(ErrorCodes.notFound, 'No feed with this id.');
    await deps.onDeleted?.(feed);
    res.status(204).end();
  });

  router.post('/:id/poll', requireAdmin, async (req, res) => {
    const feed = await feedOr404(String(req.params.id));
    await deps.requestPoll(feed.id, pollLaneOf(feed));
    res.status(202).json({ id: feed.id, status: 'queued' });
  });

  return router;
}
