import request from 'supertest';
import type { DataSource } from 'typeorm';
import type { Redis } from 'ioredis';
import { createCampaign, expectProblem, newUserId } from '@scheduler/testkit';
import { createApp } from '../src/app';
import { unavailableDependency, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../src/http/errors';
import { expectMatchesContract } from './contract';
import { useTestApp } from './helpers';
import { unreachableDataSource, unreachableRedis } from './unavailable';

/** While PostgreSQL or Redis is away, the API answers 503 with Retry-After (not 500), and counts it. */
describe('PostgreSQL or Redis unreachable', () => {
  const t = useTestApp();
  let deadDb: DataSource;
  let deadRedis: Redis;
  beforeAll(async () => {
    deadDb = await unreachableDataSource(t.deps.dataSource);
    deadRedis = await unreachableRedis();
  });
  afterAll(async () => {
    await deadDb.destroy().catch(() => undefined);
    deadRedis.disconnect();
  });

  const unavailableCount = async (dependency: string) => {
    const metric = await t.deps.metrics.registry.getSingleMetric('api_dependency_unavailable_total')!.get();
    return metric.values.find((v) => v.labels.dependency === dependency)?.value ?? 0;
  };

  it('when PostgreSQL refuses connections, then writes and reads answer 503 with Retry-After, and the metric counts them', async () => {
    const app = createApp({ ...t.deps, dataSource: deadDb });
    const user = newUserId();
    const before = await unavailableCount('postgres');
    const write = await request(app).post('/api/v1/campaigns').set('Authorization', t.auth(user)).send({ name: 'while away' });
    expectProblem(write, 503);
    expect(write.headers['retry-after']).toBe(String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    expectMatchesContract('POST', '/api/v1/campaigns', write);
    const read = await request(app).get('/api/v1/campaigns').set('Authorization', t.auth(user));
    expectProblem(read, 503);
    expect(JSON.stringify(read.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    expect(await unavailableCount('postgres')).toBe(before + 2);
  });

  it('when PostgreSQL comes back, then the same app serves again (nothing was written while away)', async () => {
    const user = newUserId();
    const res = await request(createApp({ ...t.deps, dataSource: deadDb }))
      .post('/api/v1/campaigns')
      .set('Authorization', t.auth(user))
      .send({ name: 'lost?' });
    expect(res.status).toBe(503);
    const list = await request(t.app).get('/api/v1/campaigns').set('Authorization', t.auth(user));
    expect(list.body).toEqual([]);
    await createCampaign(t, user);
  });

  // The terminated connection fails its next query with 57P01, or TypeORM has already released the
  // runner on the client's error event (QueryRunnerAlreadyReleasedError): both are a 503.
  it('when a connection is terminated mid-request (57P01, as a restart does), then 503', async () => {
    const app = createApp({
      ...t.deps,
      dataSource: new Proxy(t.deps.dataSource, {
        get(target, prop) {
          if (prop === 'transaction') {
            return async () => {
              // The server ends this backend the way `pg_ctl restart` ends every one.
              const runner = target.createQueryRunner();
              await runner.connect();
              const [{ pid }] = (await runner.query('SELECT pg_backend_pid() AS pid')) as { pid: number }[];
              await target.query('SELECT pg_terminate_backend($1)', [pid]);
              try {
                await runner.query('SELECT 1');
              } finally {
                await runner.release().catch(() => undefined);
              }
            };
          }
          const value = Reflect.get(target, prop, target) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      }),
    });
    const user = newUserId();
    const campaign = await createCampaign(t, user);
    const res = await request(app).put(`/api/v1/campaigns/${campaign.id}`).set('Authorization', t.auth(user)).send({ name: 'x' });
    expectProblem(res, 503);
    expectMatchesContract('PUT', '/api/v1/campaigns/{id}', res);
  });

  it('when Redis is unreachable, then a route that needs it answers 503 and the metric counts redis', async () => {
    const before = await unavailableCount('redis');
    // express-rate-limit reports its store's failures on the console (and lets requests through).
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const app = createApp({ ...t.deps, redis: deadRedis });
    const res = await request(app).get('/api/v1/schedule/status').set('Authorization', t.auth(newUserId()));
    expectProblem(res, 503);
    expect(res.headers['retry-after']).toBe(String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    expectMatchesContract('GET', '/api/v1/schedule/status', res);
    expect(await unavailableCount('redis')).toBe(before + 1);
  });

  it.each([
    ['pg connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), 'postgres'],
    ['pg admin shutdown', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), 'postgres'],
    ['pg starting up', Object.assign(new Error('the database system is starting up'), { code: '57P03' }), 'postgres'],
    ['pg connection failure class 08', Object.assign(new Error('connection failure'), { code: '08006' }), 'postgres'],
    ['pg connection terminated', new Error('Connection terminated unexpectedly'), 'postgres'],
    ['pg pool timeout', new Error('timeout exceeded when trying to connect'), 'postgres'],
    [
      'TypeORM wrapping',
      Object.assign(new Error('query failed'), { driverError: Object.assign(new Error('x'), { code: '57P01' }) }),
      'postgres',
    ],
    ['AggregateError', new AggregateError([Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })], 'connect'), 'postgres'],
    [
      'TypeORM releasing the runner of a broken connection',
      Object.assign(new Error('Query runner already released. Cannot run queries anymore.'), { name: 'QueryRunnerAlreadyReleasedError' }),
      'postgres',
    ],
    [
      'ioredis retries',
      Object.assign(new Error('Reached the max retries per request limit (which is 2).'), { name: 'MaxRetriesPerRequestError' }),
      'redis',
    ],
    ['ioredis closed', new Error('Connection is closed.'), 'redis'],
    ['a unique violation', Object.assign(new Error('duplicate key'), { code: '23505' }), null],
    ['a plain bug', new TypeError('x is undefined'), null],
  ])('classifies %s', (_what, error, expected) => {
    expect(unavailableDependency(error)).toBe(expected);
  });
});
