import 'reflect-metadata';
import cors from 'cors';
import express, { Express } from 'express';
import { authenticate } from './http/auth';
import { createErrorHandler, requireJsonBody, routeNotFound } from './http/errors';
import { createRateLimiters } from './http/rate-limit';
import type { AppDeps } from './deps';
import { READ_ROUTER } from './db/read-router';
import { API_BASE, methodNotAllowed } from './http/route';
import { blackoutApi, blackoutRoutes } from './blackouts/blackout.routes';
import { webhookApi, webhookRoutes } from './webhooks/webhook.routes';
import { campaignApi, campaignRoutes } from './campaigns/campaign.routes';
import { libraryApi, libraryRoutes } from './library/library.routes';
import { templateApi, templateRoutes } from './templates/template.routes';
import { scheduleApi, scheduleRoutes } from './schedules/schedule.routes';
import { conflictApi, conflictRoutes } from './conflicts/conflicts.routes';
import { settingsApi, settingsRoutes } from './settings/settings.routes';
import { notificationApi, notificationRoutes } from './notifications/notification.routes';
import { auditApi, auditRoutes } from './audit/audit.routes';
import { importBodyParsers, scheduleImportApi, scheduleImportRoutes } from './schedules/import/schedule-import.routes';
import { jobApi, jobRoutes } from './jobs/job.routes';
import { runApi, runRoutes } from './runs/run.routes';
import { calendarApi, calendarRoutes } from './calendar/calendar.routes';
import { feedApi, feedRoutes } from './calendar/feed.routes';
import { icalRoutes } from './calendar/ical.routes';
import { healthRoutes } from './health.routes';
import { openapiRoutes } from './openapi';
import { GROUPS } from './openapi/document';
import { requestLogging, requestMetrics } from './http/observability';
import { webRoutes } from './web.routes';

/** What a browser on another origin may send (preflight) and read (`Access-Control-Expose-Headers`). */
export const CORS_ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key', 'X-Request-Id'];
export const CORS_EXPOSED_HEADERS = ['ETag', 'Location', 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id', 'X-Total-Count'];
/** How long a browser may cache a preflight answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * CORS for the configured origins (`CORS_ORIGINS`), with the maintained `cors` package: preflights
 * are answered (204) with the methods and headers above; other origins get no CORS headers, so the
 * browser keeps the response from them. Bearer tokens, not cookies: no credentials mode.
 */
function corsFor(origins: string[]) {
  return cors({
    origin: origins[0] === '*' ? '*' : origins,
    methods: CORS_ALLOWED_METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE_SECONDS,
  });
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.set('json spaces', 0);
  app.locals[READ_ROUTER] = deps.reads;

  app.use(requestLogging(deps.logger));
  app.use(requestMetrics(deps.metrics.api));
  if (deps.config.corsOrigins.length) app.use(corsFor(deps.config.corsOrigins));
  app.use(healthRoutes(deps));
  app.use(openapiRoutes());

  const limits = createRateLimiters(deps.redis, deps.config.rateLimit, `${deps.config.queuePrefix}:rl:`);
  const api = express.Router();
  // The import's CSV text and larger JSON, on its route only (before the API's JSON parser).
  api.use(importBodyParsers());
  api.use(express.json({ limit: deps.config.bodyLimit, strict: false }));
  api.use(requireJsonBody);
  api.use(authenticate(deps.config.jwt));
  api.use(campaignApi.options.base, campaignRoutes(deps, limits));
  api.use(templateApi.options.base, templateRoutes(deps, limits));
  api.use(libraryApi.options.base, libraryRoutes(deps, limits));
  // Before the schedule routes: `/schedule/export` is no schedule id.
  api.use(scheduleImportApi.options.base, scheduleImportRoutes(deps, limits));
  // Before the schedule routes too: `/schedule/conflicts` and `/schedule/suggestions` are no schedule ids.
  api.use(conflictApi.options.base, conflictRoutes(deps, limits));
  api.use(scheduleApi.options.base, scheduleRoutes(deps, limits));
  api.use(jobApi.options.base, jobRoutes(deps, limits));
  api.use(runApi.options.base, runRoutes(deps, limits));
  api.use(blackoutApi.options.base, blackoutRoutes(deps, limits));
  api.use(feedApi.options.base, feedRoutes(deps, limits));
  api.use(calendarApi.options.base, calendarRoutes(deps, limits));
  api.use(webhookApi.options.base, webhookRoutes(deps, limits));
  api.use(settingsApi.options.base, settingsRoutes(deps, limits));
  api.use(notificationApi.options.base, notificationRoutes(deps, limits));
  api.use(auditApi.options.base, auditRoutes(deps, limits));
  app.use(icalRoutes(deps, limits));
  app.use(API_BASE, api);
  app.use(webRoutes());

  app.use(methodNotAllowed(GROUPS));
  app.use(routeNotFound);
  app.use(
    createErrorHandler({
      log: (message, error) => deps.logger.error({ err: error }, message),
      unavailable: (dependency, error) => {
        deps.metrics.api.dependencyUnavailable.inc({ dependency });
        deps.logger.warn({ err: error, dependency }, 'dependency unavailable: answered 503');
      },
    }),
  );
  return app;
}
