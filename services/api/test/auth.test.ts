import request from 'supertest';
import jwt from 'jsonwebtoken';
import { generateKeyPairSync } from 'node:crypto';
import { newUserId, startTestApp, TestApp, TEST_JWT_SECRET } from './helpers';

describe('authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const expect401 = async (authorization?: string) => {
    const req = request(t.app).get('/api/v1/campaigns');
    const res = await (authorization ? req.set('Authorization', authorization) : req);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
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
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});

describe('rate limits shared by two API instances', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    // Two instances of one deployment: same Redis, same key prefix.
    const prefix = `test-rl-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
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
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(limited.body.status).toBe(429);
    // Another user still has a budget of their own.
    const other = await request(a.app).get('/api/v1/campaigns').set('Authorization', a.auth(newUserId()));
    expect(other.status).toBe(200);
  });
});
