import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { RequestHandler, Router } from 'express';
import { createHmac } from 'node:crypto';
import { AppError, ErrorCodes } from '../errors.ts';
import type { Queue } from 'bullmq';
import { secretsEqual, tokenOf } from './auth.ts';

const BASE_PATH = '/admin/queues';
const COOKIE = 'aw_admin_queues';

/**
 * Bull Board at /admin/queues for the admin token only. The board's own page loads scripts
 * and calls its API with relative URLs that carry no token, so a valid token (Bearer or
 * `?access_token=`) is exchanged for an HttpOnly cookie scoped to this path, holding an HMAC
 * of the token rather than the token itself.
 */
export function adminQueuesRouter(queues: Queue[], adminToken: () => string): { gate: RequestHandler; board: Router; path: string } {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BASE_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter,
  });
  const cookieValue = () => createHmac('sha256', adminToken()).update('admin-queues').digest('base64url');

  const gate: RequestHandler = (req, res, next) => {
    const token = tokenOf(req.headers.authorization, req.query.access_token);
    if (token && secretsEqual(token, adminToken())) {
      res.cookie(COOKIE, cookieValue(), { httpOnly: true, sameSite: 'strict', path: BASE_PATH, secure: req.secure });
      if (typeof req.query.access_token === 'string') {
        // Drop the token from the address bar (and from the board's history).
        res.redirect(303, `${req.baseUrl}${req.path === '/' ? '/' : req.path}`);
        return;
      }
      next();
      return;
    }
    const cookie = /(?:^|;\s*)aw_admin_queues=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (cookie && secretsEqual(cookie, cookieValue())) {
      next();
      return;
    }
    throw new AppError(token ? ErrorCodes.forbidden : ErrorCodes.unauthorized, 'The queue dashboard is for the admin token only.');
  };
  return { gate, board: serverAdapter.getRouter() as Router, path: BASE_PATH };
}
