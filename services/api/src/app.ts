import 'reflect-metadata';
import express, { Express } from 'express';
import { authenticate } from './http/auth';
import { createErrorHandler, requireJsonBody, routeNotFound } from './http/errors';
import { createRateLimiters } from './http/rate-limit';
import type { AppDeps } from './deps';
import { API_BASE, methodNotAllowed } from './http/route';
import { campaignApi, campaignRoutes } from './campaigns/campaign.routes';
import { templateApi, templateRoutes } from './templates/template.routes';
import { scheduleApi, scheduleRoutes } from './schedules/schedule.routes';
import { jobApi, jobRoutes } from './jobs/job.routes';
import { healthRoutes } from './health.routes';
import { openapiRoutes } from './openapi';
import { GROUPS } from './openapi/document';
import { requestLogging, requestMetrics } from './http/observability';

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.set('json spaces', 0);

  app.use(requestLogging(deps.logger));
  app.use(requestMetrics(deps.metrics.api));
  app.use(healthRoutes(deps));
  app.use(openapiRoutes());

  const limits = createRateLimiters(deps.redis, deps.config.rateLimit, `${deps.config.queuePrefix}:rl:`);
  const api = express.Router();
  api.use(express.json({ limit: deps.config.bodyLimit, strict: false }));
  api.use(requireJsonBody);
  api.use(authenticate(deps.config.jwt));
  api.use(campaignApi.options.base, campaignRoutes(deps, limits));
  api.use(templateApi.options.base, templateRoutes(deps, limits));
  api.use(scheduleApi.options.base, scheduleRoutes(deps, limits));
  api.use(jobApi.options.base, jobRoutes(deps, limits));
  app.use(API_BASE, api);

  app.use(methodNotAllowed(GROUPS));
  app.use(routeNotFound);
  app.use(createErrorHandler((message, error) => deps.logger.error({ err: error }, message)));
  return app;
}
