import express, { Router } from 'express';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.ts';
import { buildOpml, httpUrlOrNull, normalizeCategory, parseOpml, type OpmlFeed } from '../../reader/opml.ts';
import { manualPollJobId } from '../../queue/queue-names.ts';
import type { FeedRecord } from '../../model/feed.ts';
import type { ApiDeps } from '../api-deps.ts';
import { requireAdmin } from '../auth.ts';
import { presentFeed } from '../present.ts';
import { accessTokenParam } from '../query-schemas.ts';
import { validate } from '../validate.ts';

const createFeedBody = z.object({
  url: z.string().trim().min(1).max(2048),
  title: z.string().trim().min(1).max(300).optional(),
  intervalSeconds: z.number().int().min(1).max(86_400).optional(),
  htmlUrl: z
    .string()
    .trim()
    .max(2048)
    .refine((v) => httpUrlOrNull(v) !== null, 'must be an http(s) URL')
    .optional(),
  category: z.string().trim().min(1).max(500).optional(),
});

const noQuery = z.object({ access_token: accessTokenParam }).strict();

/**
 * A feed added through the API is polled at once by a queued job; the schedule takes over
 * after this grace (and polls it then if that job was lost), so it is not fetched twice.
 */
const FIRST_POLL_GRACE_MS = 2 * 60_000;

/** OPML outlines registered at once. */
const IMPORT_CONCURRENCY = 16;

/** /api/feeds: registry, polling on demand, OPML in and out. */
export function feedsRouter(deps: ApiDeps): Router {
  const router = Router();
  const { feeds } = deps.stores;

  const present = (feed: FeedRecord) => presentFeed(feed, deps.config.pollIntervalSeconds);

  const requestPoll = async (feedId: string) => {
    await deps.queues.poll.add('poll', { feedId, reason: 'manual' }, { jobId: manualPollJobId(feedId, deps.now()) });
  };

  router.get('/', async (req, res) => {
    validate(noQuery, req.query, 'query');
    res.json({ feeds: (await feeds.list()).map(present) });
  });

  router.post('/', requireAdmin, async (req, res) => {
    const body = validate(createFeedBody, req.body, 'body');
    const url = await deps.http.checkUrl(body.url);
    const { feed, created } = await feeds.create({
      url: url.href,
      title: body.title ?? null,
      intervalSeconds: body.intervalSeconds ?? null,
      now: deps.now(),
      firstPollAt: deps.now() + FIRST_POLL_GRACE_MS,
      htmlUrl: body.htmlUrl ? httpUrlOrNull(body.htmlUrl) : null,
      category: body.category ? normalizeCategory(body.category) : null,
    });
    if (!created) {
      throw new AppError(ErrorCodes.conflict, `This URL is already registered as feed ${feed.id}.`, { details: { id: feed.id } });
    }
    await requestPoll(feed.id);
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
      let added = 0;
      let skipped = 0;
      const errors: Array<{ field: string; message: string }> = [];
      const importOne = async (entry: OpmlFeed) => {
        try {
          const url = await deps.http.checkUrl(entry.url);
          const { feed, created } = await feeds.create({
            url: url.href,
            title: entry.title,
            intervalSeconds: null,
            now: deps.now(),
            firstPollAt: deps.now() + FIRST_POLL_GRACE_MS,
            htmlUrl: entry.htmlUrl ?? null,
            category: entry.category ?? null,
          });
          if (created) {
            added++;
            await requestPoll(feed.id);
          } else {
            skipped++;
          }
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          // One bad outline never fails the import: it is skipped and reported.
          skipped++;
          errors.push({ field: entry.url, message: err.message });
        }
      };
      // A few outlines at a time: a subscription list of hundreds registers in seconds.
      const pending = parseOpml(req.body);
      const runners = Array.from({ length: Math.min(IMPORT_CONCURRENCY, pending.length) }, async () => {
        for (let entry = pending.shift(); entry; entry = pending.shift()) await importOne(entry);
      });
      await Promise.all(runners);
      res.json({ added, skipped, ...(errors.length > 0 ? { errors } : {}) });
    },
  );

  router.get('/:id', async (req, res) => {
    validate(noQuery, req.query, 'query');
    const feed = await feeds.get(req.params.id);
    if (!feed) throw new AppError(ErrorCodes.notFound, 'No feed with this id.');
    res.json(present(feed));
  });

  router.delete('/:id', requireAdmin, async (req, res) => {
    if (!(await feeds.delete(String(req.params.id)))) throw new AppError(ErrorCodes.notFound, 'No feed with this id.');
    res.status(204).end();
  });

  router.post('/:id/poll', requireAdmin, async (req, res) => {
    const feed = await feeds.get(String(req.params.id));
    if (!feed) throw new AppError(ErrorCodes.notFound, 'No feed with this id.');
    await requestPoll(feed.id);
    res.status(202).json({ id: feed.id, status: 'queued' });
  });

  return router;
}
