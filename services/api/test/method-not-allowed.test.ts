import request from 'supertest';
import { expectProblem } from '@scheduler/testkit';
import { useTestApp } from './helpers';

/** A known path called with a method it does not serve: 405 with `Allow`, not a 404. */
describe('a known path with the wrong method', () => {
  const t = useTestApp();

  it.each([
    ['patch', '/api/v1/campaigns/00000000-0000-4000-8000-000000000001', 'DELETE, GET, HEAD, OPTIONS, PUT'],
    ['delete', '/api/v1/campaigns', 'GET, HEAD, OPTIONS, POST'],
    ['put', '/api/v1/jobs/00000000-0000-4000-8000-000000000001', 'GET, HEAD, OPTIONS, PATCH'],
    ['get', '/api/v1/templates/00000000-0000-4000-8000-000000000001/use', 'OPTIONS, POST'],
    ['post', '/healthz', 'GET, HEAD, OPTIONS'],
    ['delete', '/api/v1/openapi.json', 'GET, HEAD, OPTIONS'],
  ] as const)('when %s %s, then 405 with Allow: %s', async (method, path, allow) => {
    const res = await request(t.app)[method](path).set('Authorization', t.auth('someone'));
    expectProblem(res, 405, { detail: new RegExp(`^${method.toUpperCase()} is not allowed on `) });
    expect(res.headers.allow).toBe(allow);
  });

  it('when a path is served by two routes (`/schedule/upcoming` and `/schedule/{id}`), then Allow lists both', async () => {
    const res = await request(t.app).post('/api/v1/schedule/upcoming').set('Authorization', t.auth('someone'));
    expectProblem(res, 405);
    expect(res.headers.allow).toBe('DELETE, GET, HEAD, OPTIONS, PUT');
  });

  it('when the path differs in case or has a trailing slash (as Express matches), then still 405', async () => {
    const res = await request(t.app).delete('/API/v1/Campaigns/').set('Authorization', t.auth('someone'));
    expectProblem(res, 405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS, POST');
  });

  it('when the path is unknown, then still 404', async () => {
    for (const path of ['/api/v1/nothing', '/api/v1/campaigns/x/y/z', '/nowhere']) {
      expectProblem(await request(t.app).patch(path).set('Authorization', t.auth('someone')), 404);
    }
  });

  it('when the method is served, then the route answers as before (no 405)', async () => {
    const res = await request(t.app).get('/api/v1/campaigns').set('Authorization', t.auth('someone'));
    expect(res.status).toBe(200);
  });
});
