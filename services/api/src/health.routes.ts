import { Router } from 'express';
import type { AppDeps } from './deps';

/** Liveness, readiness and Prometheus metrics, without auth. */
export function healthRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    try {
      await deps.dataSource.query('SELECT 1');
      checks.postgres = 'ok';
    } catch (error) {
      checks.postgres = 'unreachable';
      deps.logger.warn({ err: error }, 'readiness: PostgreSQL unreachable');
    }
    try {
      await deps.redis.ping();
      checks.redis = 'ok';
    } catch (error) {
      checks.redis = 'unreachable';
      deps.logger.warn({ err: error }, 'readiness: Redis unreachable');
    }
    const ready = Object.values(checks).every((v) => v === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
