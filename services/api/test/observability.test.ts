import { Writable } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '@scheduler/config';
import { createLogger } from '@scheduler/telemetry';
import { createApp } from '../src/app';
import { createDeps, OwnedDeps } from '../src/deps';
import { signToken } from '../src/http/auth';
import { MISSING_ID, newUserId, TEST_DATABASE_URL, TEST_JWT_SECRET, uniqueName } from '@scheduler/testkit';

describe('logs and metrics of the API', () => {
  const lines: Record<string, unknown>[] = [];
  let deps: OwnedDeps;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    const config = loadConfig({
      DATABASE_URL: TEST_DATABASE_URL,
      JWT_SECRET: TEST_JWT_SECRET,
      QUEUE_PREFIX: uniqueName('obs'),
    });
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
        done();
      },
    });
    deps = await createDeps(config, { logger: createLogger('info', 'api', sink), poolSize: 2 });
    app = createApp(deps);
  });
  afterAll(async () => {
    await deps.close();
  });

  it('when a request is served, then one JSON line carries its request id, user id, status and no token', async () => {
    const user = newUserId();
    const token = signToken(user, deps.config.jwt);
    const res = await request(app).get('/api/v1/campaigns').set('Authorization', `Bearer ${token}`).set('X-Request-Id', 'req-abc-123');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('req-abc-123');
    await new Promise((r) => setTimeout(r, 50));
    const line = lines.find((l) => (l.req as { id?: string } | undefined)?.id === 'req-abc-123');
    expect(line).toMatchObject({ level: 'info', service: 'api', user_id: user, workspace_id: `user:${user}`, res: { status: 200 } });
    expect(JSON.stringify(lines)).not.toContain(token);
  });

  it('when the caller sends no or a strange request id, then a fresh one is made', async () => {
    const res = await request(app).get('/healthz').set('X-Request-Id', 'bad id with spaces');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when requests were served, then /metrics reports their duration by route template and status', async () => {
    const user = newUserId();
    await request(app)
      .get(`/api/v1/campaigns/${MISSING_ID}`)
      .set('Authorization', `Bearer ${signToken(user, deps.config.jwt)}`);
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/campaigns\/:id"[^}]*status_code="404"/);
    expect(res.text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/campaigns"[^}]*status_code="200"/);
    expect(res.text).toContain('process_cpu_seconds_total');
  });
});
