import type { AppDeps } from './deps';
import { RouteGroup } from './http/route';
import { Closed, OneOf, Type, named, type Static } from './openapi/schema';

const CHECK = ['ok', 'unreachable'] as const;
export const HealthResponse = named('Health', Closed({ status: Type.Literal('ok') }));
export const ReadinessResponse = named(
  'Readiness',
  Closed({ status: OneOf(['ready', 'not ready'] as const), checks: Closed({ postgres: OneOf(CHECK), redis: OneOf(CHECK) }) }),
);
type Readiness = Static<typeof ReadinessResponse>;

/** Liveness, readiness and Prometheus metrics, without auth. */
export const healthApi = new RouteGroup<AppDeps>({ base: '', tag: 'operations', secured: false });

healthApi.raw(
  'get',
  '/healthz',
  {
    operationId: 'getHealthz',
    summary: 'Liveness: the process is up',
    description: 'Answers as long as the process runs; it checks nothing else (see `/readyz`).',
    responses: { '200': { description: 'The process is up.', content: { 'application/json': { schema: HealthResponse } } } },
  },
  (_req, res) => {
    res.json({ status: 'ok' } satisfies Static<typeof HealthResponse>);
  },
);

healthApi.raw(
  'get',
  '/readyz',
  {
    operationId: 'getReadyz',
    summary: 'Readiness: PostgreSQL and Redis are reachable',
    description: 'Checks PostgreSQL (`SELECT 1`) and Redis (`PING`) on every call; a load balancer sends traffic only while it is 200.',
    responses: {
      '200': {
        description: 'Ready: every check is `ok`.',
        content: {
          'application/json': {
            schema: {
              allOf: [
                ReadinessResponse,
                {
                  type: 'object',
                  properties: {
                    status: { const: 'ready' },
                    checks: { type: 'object', properties: { postgres: { const: 'ok' }, redis: { const: 'ok' } } },
                  },
                },
              ],
            },
          },
        },
      },
      '503': {
        description: 'Not ready: PostgreSQL or Redis is unreachable (details go to the log, not to the caller).',
        content: {
          'application/json': {
            schema: { allOf: [ReadinessResponse, { type: 'object', properties: { status: { const: 'not ready' } } }] },
          },
        },
      },
    },
  },
  async (_req, res, deps) => {
    const checks: Readiness['checks'] = { postgres: 'ok', redis: 'ok' };
    try {
      await deps.dataSource.query('SELECT 1');
    } catch (error) {
      checks.postgres = 'unreachable';
      deps.logger.warn({ err: error }, 'readiness: PostgreSQL unreachable');
    }
    try {
      await deps.redis.ping();
    } catch (error) {
      checks.redis = 'unreachable';
      deps.logger.warn({ err: error }, 'readiness: Redis unreachable');
    }
    const ready = checks.postgres === 'ok' && checks.redis === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks } satisfies Readiness);
  },
);

healthApi.raw(
  'get',
  '/metrics',
  {
    operationId: 'getMetrics',
    summary: 'Prometheus metrics of this API instance',
    description: 'Request durations by route and status (`http_request_duration_seconds`) and the process metrics.',
    responses: {
      '200': { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } },
    },
  },
  async (_req, res, deps) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  },
);

export function healthRoutes(deps: AppDeps) {
  return healthApi.router(deps);
}
