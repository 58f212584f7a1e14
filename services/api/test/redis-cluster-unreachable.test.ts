import request from 'supertest';
import { createRedis, RedisClient } from '@scheduler/queue';
import { freePort, newUserId } from '@scheduler/testkit';
import { createApp } from '../src/app';
import { unavailableDependency } from '../src/http/errors';
import { useTestApp } from './helpers';

/**
 * A Redis Cluster that cannot be reached (`REDIS_CLUSTER_NODES` pointing nowhere) is answered at
 * once, as one Redis away is: a 503 naming Redis, never a request left waiting or a 500.
 */
describe('the API when its Redis Cluster is unreachable', () => {
  const t = useTestApp();
  let deadCluster: RedisClient;
  beforeAll(async () => {
    deadCluster = createRedis({ redisUrl: t.config.redisUrl, redisClusterNodes: [{ host: '127.0.0.1', port: await freePort() }] });
    deadCluster.on('error', () => undefined);
  });
  afterAll(() => deadCluster.disconnect());

  it('when readiness and the scheduler status are asked, then both answer 503 at once, naming Redis', async () => {
    // express-rate-limit reports its store's failures on the console (and lets requests through).
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const app = createApp({ ...t.deps, redis: deadCluster });
    const started = Date.now();
    const ready = await request(app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ postgres: 'ok', redis: 'unreachable' });
    const status = await request(app).get('/api/v1/schedule/status').set('Authorization', t.auth(newUserId()));
    expect(status.status).toBe(503);
    expect(status.headers['retry-after']).toBeDefined();
    // The rate-limit store waits (once, up to 5 s) for the cluster before loading its scripts; nothing else waits.
    expect(Date.now() - started).toBeLessThan(7_000);
  });

  it("when ioredis says the cluster is not ready or its slots cannot be read, then the error is Redis's unavailability", () => {
    expect(unavailableDependency(new Error("Cluster isn't ready and enableOfflineQueue options is false"))).toBe('redis');
    expect(unavailableDependency(Object.assign(new Error('Failed to refresh slots cache.'), { name: 'ClusterAllFailedError' }))).toBe(
      'redis',
    );
  });
});
