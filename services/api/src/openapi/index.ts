import path from 'node:path';
import express, { Router } from 'express';
import { openApiDocument } from './document';
import { DOCS_PATH, docsApi, OPENAPI_JSON_PATH } from './docs.routes';

export { openApiDocument } from './document';
export type { OpenApiDocument } from './document';
export { DOCS_PATH, OPENAPI_JSON_PATH } from './docs.routes';

/**
 * The swagger-ui-dist files the viewer needs. Only these are served: the package also ships an
 * `index.html` and `swagger-initializer.js` that point at the petstore demo on the internet.
 */
const SWAGGER_ASSETS = new Set([
  'swagger-ui.css',
  'swagger-ui.css.map',
  'index.css',
  'swagger-ui-bundle.js',
  'swagger-ui-bundle.js.map',
  'swagger-ui-standalone-preset.js',
  'swagger-ui-standalone-preset.js.map',
  'favicon-16x16.png',
  'favicon-32x32.png',
  'oauth2-redirect.html',
  'oauth2-redirect.js',
]);

/** The directory of the installed swagger-ui-dist (resolved without loading its 1 MB bundle). */
export function swaggerUiDir(): string {
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

/** The viewer page: bundled assets only (no CDN, no network at runtime), no online validator. */
export function docsPage(): string {
  const asset = (name: string) => `${DOCS_PATH}/${name}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Content Scheduler API</title>
  <link rel="stylesheet" type="text/css" href="${asset('swagger-ui.css')}">
  <link rel="stylesheet" type="text/css" href="${asset('index.css')}">
  <link rel="icon" type="image/png" href="${asset('favicon-32x32.png')}" sizes="32x32">
  <link rel="icon" type="image/png" href="${asset('favicon-16x16.png')}" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${asset('swagger-ui-bundle.js')}" charset="utf-8"></script>
  <script src="${asset('swagger-ui-standalone-preset.js')}" charset="utf-8"></script>
  <script>
    window.onload = function () {
      window.ui = SwaggerUIBundle({
        url: ${JSON.stringify(OPENAPI_JSON_PATH)},
        dom_id: '#swagger-ui',
        deepLinking: true,
        validatorUrl: null,
        oauth2RedirectUrl: window.location.origin + ${JSON.stringify(`${DOCS_PATH}/oauth2-redirect.html`)},
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
        plugins: [SwaggerUIBundle.plugins.DownloadUrl],
        layout: 'StandaloneLayout'
      });
    };
  </script>
</body>
</html>
`;
}

/**
 * `GET /api/v1/openapi.json` (the document) and `GET /docs` (Swagger UI, assets under `/docs/`).
 * Both without auth; mounted before the `/api/v1` router so no token is asked for.
 */
export function openapiRoutes(): Router {
  const router = docsApi.router({ json: JSON.stringify(openApiDocument), html: docsPage() });
  const assets = express.static(swaggerUiDir(), { index: false, redirect: false, fallthrough: true });
  router.use(DOCS_PATH, (req, res, next) => {
    if (SWAGGER_ASSETS.has(req.path.slice(1))) assets(req, res, next);
    else next();
  });
  return router;
}
