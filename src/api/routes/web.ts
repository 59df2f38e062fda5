import express, { Router, type Response } from 'express';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The page runs no inline script or style and talks only to this origin: feed text can never
 * become code, even if a rendering bug let markup through.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const webRoot = fileURLToPath(new URL('../../web/', import.meta.url));
const require = createRequire(import.meta.url);

/** uPlot's browser build and stylesheet, served from node_modules (no build step, no CDN). */
const vendorFiles: Record<string, string> = {
  '/vendor/uplot.iife.min.js': require.resolve('uplot/dist/uPlot.iife.min.js'),
  '/vendor/uPlot.min.css': require.resolve('uplot/dist/uPlot.min.css'),
};

/** Security headers of every dashboard response (only these: other routes keep their own). */
function secureHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/** The dashboard at `/` and its static assets. The page needs no token: its data comes from /api. */
export function webRouter(): Router {
  const router = Router();

  router.get('/', (_req, res) => {
    secureHeaders(res);
    // The address may carry ?access_token=: never cache the page under it.
    res.setHeader('Cache-Control', 'no-store');
    res.sendFile('index.html', { root: webRoot });
  });

  for (const [route, file] of Object.entries(vendorFiles)) {
    router.get(route, (_req, res) => {
      secureHeaders(res);
      res.sendFile(file, { maxAge: '1d' });
    });
  }

  router.use(
    express.static(webRoot, {
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      setHeaders: (res) => {
        secureHeaders(res);
        // Revalidate on every load (ETag), so a deploy is picked up at once.
        res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );

  return router;
}
