import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { ApiMetrics, Logger } from '@scheduler/telemetry';
import { routeTemplate } from './rate-limit';

const SAFE_REQUEST_ID = /^[\w.-]{1,100}$/;

/**
 * One JSON log line per request with its request id (from `X-Request-Id` when the caller sent
 * a sane one, else a new one, echoed back), the user id when authenticated, status and
 * duration. Headers are not logged, so tokens never are.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // The caller `authenticate` resolved (none on a 401): the member and the workspace acted in.
    customProps: (req) => ({ user_id: req.caller?.userId, workspace_id: req.caller?.workspaceId }),
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
  });
}

/** Request duration by route template (not raw path, so ids do not explode the label set). */
export function requestMetrics(metrics: ApiMetrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.requestDuration.startTimer();
    res.on('finish', () => {
      const route = (res.locals.route as string | undefined) ?? routeTemplate(req) ?? 'unmatched';
      stop({ method: req.method, route, status_code: String(res.statusCode) });
    });
    next();
  };
}
