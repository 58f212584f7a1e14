import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

/** Where the web app is served: the SPA's router runs under this base (services/web: `base: '/app/'`). */
export const WEB_BASE = '/app';

/** Hashed bundles (Vite names them `assets/<name>-<hash>.js`): a new build has new names. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html and the unhashed files: always asked again (ETag/Last-Modified keep it cheap). */
const REVALIDATE = 'no-cache';

/** The built app, `services/web/dist`, beside this file's `services/api/dist` (or `src` under ts-jest). */
export function defaultWebDir(): string {
  return path.resolve(__dirname, '../../web/dist');
}

/**
 * `GET /app` and `/app/*`: the web app's static files from `dir`, hashed assets cached for a
 * year, anything else that is no file (a client-side route such as `/app/schedules/new`) gets
 * index.html, never cached. A missing asset under `/app/assets/` is a plain 404 (not the page: a
 * stale bundle name must not come back as HTML). Without a build: 503 with a plain-text hint.
 * Only GET and HEAD are answered; other methods fall through to the API's 405/404 handlers.
 */
export function webRoutes(dir: string = defaultWebDir()): Router {
  const router = Router();
  const index = path.join(dir, 'index.html');
  const assets = express.static(dir, {
    index: false,
    redirect: false,
    fallthrough: true,
    setHeaders: (res, file) => {
      const relative = path.relative(dir, file).split(path.sep);
      res.setHeader('Cache-Control', relative[0] === 'assets' ? IMMUTABLE : REVALIDATE);
    },
  });
  const page: express.RequestHandler = (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (!fs.existsSync(index)) {
      res
        .status(503)
        .type('text/plain')
        .set('Cache-Control', 'no-store')
        .send('The web app is not built: run `npm run build` (it builds services/web into services/web/dist), then reload.\n');
      return;
    }
    if (req.path.startsWith('/assets/')) {
      res.status(404).type('text/plain').set('Cache-Control', 'no-store').send(`No such file in the web app: ${WEB_BASE}${req.path}\n`);
      return;
    }
    res.set('Cache-Control', REVALIDATE);
    res.sendFile(index, (error) => {
      if (error) next(error);
    });
  };
  router.use(WEB_BASE, (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path === '/' || req.path === '/index.html') return page(req, res, next);
    assets(req, res, () => page(req, res, next));
  });
  return router;
}
