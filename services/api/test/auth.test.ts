import request from 'supertest';
import jwt from 'jsonwebtoken';
import { generateKeyPairSync } from 'node:crypto';
import { expectProblem, expectUnauthorized, newUserId, TEST_JWT_SECRET, uniqueName } from '@scheduler/testkit';
import { startTestApp, TestApp, useTestApp } from './helpers';

describe('authentication', () => {
  const t = useTestApp();

  const expect401 = async (authorization?: string) => {
    const req = request(t.app).get('/api/v1/campaigns');
    const res = await (authorization ? req.set('Authorization', authorization) : req);
    expectUnauthorized(res);
    expectProblem(res, 401, { title: 'Unauthorized' });
    return res;
  };

  it('when the token is missing, then 401', async () => {
    await expect401();
  });

  it('when the token is expired, then 401', async () => {
    const token = jwt.sign({ sub: newUserId(), exp: Math.floor(Date.now() / 1000) - 10 }, TEST_JWT_SECRET, { algorithm: 'HS256' });
    await expect401(`Bearer ${token}`);
  });

  it('when the token is signed with another secret, then 401', async () => {
    const token = jwt.sign({ sub: newUserId() }, 'another-secret-of-enough-length', { algorithm: 'HS256' });
    await expect401(`Bearer ${token}`);
  });

  it('when the token says alg none, then 401', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: newUserId() })).toString('base64url');
    await expect401(`Bearer ${header}.${payload}.`);
  });

  it('when the token has no sub, then 401', async () => {
    const token = jwt.sign({ name: 'someone' }, TEST_JWT_SECRET, { algorithm: 'HS256' });
    await expect401(`Bearer ${token}`);
  });

  it('when an RS256 token is presented to an HS256-only service, then 401', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = jwt.sign({ sub: newUserId() }, privateKey, { algorithm: 'RS256' });
    await expect401(`Bearer ${token}`);
  });

  it('when the token is garbage, then 401', async () => {
    await expect401('Bearer not-a-jwt');
  });

  it('when the token is valid, then the request is served as its sub', async () => {
    const user = newUserId();
    const res = await request(t.app).get('/api/v1/campaigns').set('Authorization', t.auth(user));
    expect(res.status).toBe(200);
  });

  it('health endpoints need no token', async () => {
    expect((await request(t.app).get('/healthz')).status).toBe(200);
    const ready = await request(t.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ postgres: 'ok', redis: 'ok' });
  });

  it('an unknown route is a problem+json 404', async () => {
    const res = await request(t.app).get('/api/v1/nothing-here').set('Authorization', t.auth(newUserId()));
    expectProblem(res, 404);
  });
});

describe('rate limits shared by two API instances', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    // Two instances of one deployment: same Redis, same key prefix.
    const prefix = uniqueName('ratelimit');
    a = await startTestApp({ RATE_LIMIT_LISTS: '4', QUEUE_PREFIX: prefix });
    b = await startTestApp({ RATE_LIMIT_LISTS: '4', QUEUE_PREFIX: prefix });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('when one user spends the list budget across both instances, then the next call is 429 with Retry-After', async () => {
    const user = newUserId();
    const statuses: number[] = [];
    for (const app of [a, b, a, b]) {
      statuses.push((await request(app.app).get('/api/v1/campaigns').set('Authorization', app.auth(user))).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200]);
    const limited = await request(b.app).get('/api/v1/campaigns').set('Authorization', b.auth(user));
    expectProblem(limited, 429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another user still has a budget of their own.
    const other = await request(a.app).get('/api/v1/campaigns').set('Authorization', a.auth(newUserId()));
    expect(other.status).toBe(200);
  });
});
