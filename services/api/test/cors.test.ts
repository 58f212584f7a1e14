import request from 'supertest';
import { newUserId } from '@scheduler/testkit';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS } from '../src/app';
import { useTestApp } from './helpers';

const APP_ORIGIN = 'https://app.example.com';
const DEV_ORIGIN = 'http://localhost:5173';

describe('CORS for browser clients on the configured origins', () => {
  const t = useTestApp({ CORS_ORIGINS: `${APP_ORIGIN}, ${DEV_ORIGIN}` });

  it('when an allowed origin sends a preflight, then 204 with the methods and headers it may use', async () => {
    const res = await request(t.app)
      .options('/api/v1/campaigns/00000000-0000-4000-8000-000000000001')
      .set('Origin', DEV_ORIGIN)
      .set('Access-Control-Request-Method', 'PUT')
      .set('Access-Control-Request-Headers', 'authorization, if-match, content-type, idempotency-key');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(DEV_ORIGIN);
    expect(res.headers['access-control-allow-methods'].split(',')).toEqual(
      expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    );
    const allowed = res.headers['access-control-allow-headers'].split(',');
    expect(allowed).toEqual(expect.arrayContaining(['Authorization', 'If-Match', 'Idempotency-Key', 'Content-Type']));
    expect(allowed).toEqual(CORS_ALLOWED_HEADERS);
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('when an allowed origin calls the API, then it may read the ETag, X-Total-Count, rate-limit and Location headers', async () => {
    const res = await request(t.app).get('/api/v1/campaigns').set('Origin', APP_ORIGIN).set('Authorization', t.auth(newUserId()));
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    const exposed = res.headers['access-control-expose-headers'].split(',');
    expect(exposed).toEqual(CORS_EXPOSED_HEADERS);
    expect(exposed).toEqual(expect.arrayContaining(['ETag', 'X-Total-Count', 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'Location']));
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('when an error is answered to an allowed origin, then it carries the CORS headers too (the browser can read the 401)', async () => {
    const res = await request(t.app).get('/api/v1/campaigns').set('Origin', APP_ORIGIN);
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
  });

  it('when another origin calls or sends a preflight, then no CORS header allows it', async () => {
    for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.example', 'null']) {
      const preflight = await request(t.app)
        .options('/api/v1/campaigns')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const call = await request(t.app).get('/api/v1/campaigns').set('Origin', origin).set('Authorization', t.auth(newUserId()));
      expect(call.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});

describe('CORS by default (CORS_ORIGINS unset)', () => {
  const t = useTestApp();

  it('when a browser on another origin asks, then no CORS header is sent', async () => {
    const preflight = await request(t.app)
      .options('/api/v1/campaigns')
      .set('Origin', APP_ORIGIN)
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    const call = await request(t.app).get('/api/v1/campaigns').set('Origin', APP_ORIGIN).set('Authorization', t.auth(newUserId()));
    expect(call.status).toBe(200);
    expect(call.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS_ORIGINS=*', () => {
  const t = useTestApp({ CORS_ORIGINS: '*' });

  it('when any origin calls, then Access-Control-Allow-Origin is *', async () => {
    const res = await request(t.app).get('/healthz').set('Origin', 'https://anywhere.example');
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});
