import jwt from 'jsonwebtoken';
import request from 'supertest';
import { expectUnauthorized, newUserId, TEST_JWT_SECRET } from '@scheduler/testkit';
import { AUTH_FAILURES, signToken, verifyToken } from '../src/http/auth';
import { useTestApp } from './helpers';

const sign = (payload: object) => jwt.sign(payload, TEST_JWT_SECRET, { algorithm: 'HS256' });
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe('token claims the API refuses', () => {
  const t = useTestApp();
  const call = (token: string) => request(t.app).get('/api/v1/campaigns').set('Authorization', `Bearer ${token}`);

  it.each([
    ['NUL', 'user\u0000x'],
    ['another control character', 'user\u0007x'],
    ['an unpaired surrogate', 'user\ud800x'],
  ])('when a validly signed token has a sub holding %s, then 401 (not a 500)', async (_what, sub) => {
    const res = await call(sign({ sub, exp: inAnHour() }));
    expectUnauthorized(res);
    expect(res.body.detail).toBe(`Authentication required: ${AUTH_FAILURES.subjectNotText}`);
  });

  it('when a validly signed token has no exp, then 401 "token has no expiry" by default', async () => {
    const res = await call(sign({ sub: newUserId() }));
    expectUnauthorized(res);
    expect(res.body.detail).toBe(`Authentication required: ${AUTH_FAILURES.noExpiry}`);
  });

  it('when a token has a sub of unusual but storable text, then it is served', async () => {
    const res = await call(sign({ sub: `ünïcode-✓-${newUserId()}`, exp: inAnHour() }));
    expect(res.status).toBe(200);
  });

  it('when the algorithm is not accepted, then the reason does not echo the header', async () => {
    const [, payload] = sign({ sub: newUserId(), exp: inAnHour() }).split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'HS512<script>', typ: 'JWT' })).toString('base64url');
    const res = await call(`${header}.${payload}.c2ln`);
    expectUnauthorized(res);
    expect(res.body.detail).toBe(`Authentication required: ${AUTH_FAILURES.algorithm}`);
  });

  it('the tokens the API mints (npm run token) carry exp', async () => {
    const decoded = jwt.decode(signToken('someone', t.config.jwt)) as { exp?: number; iat: number };
    expect(decoded.exp).toBe(decoded.iat + 3600);
    expect(await verifyToken(signToken('someone', t.config.jwt), t.config.jwt)).toEqual({
      caller: { userId: 'someone', workspaceId: 'user:someone', roles: ['viewer', 'editor', 'approver', 'admin'] },
    });
  });
});

describe('JWT_REQUIRE_EXP=false', () => {
  const t = useTestApp({ JWT_REQUIRE_EXP: 'false' });

  it('when a validly signed token has no exp, then it is accepted', async () => {
    const res = await request(t.app)
      .get('/api/v1/campaigns')
      .set('Authorization', `Bearer ${sign({ sub: newUserId() })}`);
    expect(res.status).toBe(200);
  });

  it('when a token is expired, then it is still refused', async () => {
    const res = await request(t.app)
      .get('/api/v1/campaigns')
      .set('Authorization', `Bearer ${sign({ sub: newUserId(), exp: Math.floor(Date.now() / 1000) - 10 })}`);
    expectUnauthorized(res);
  });
});
