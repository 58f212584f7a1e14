import request from 'supertest';
import { apiAs, createCampaign, createSchedule, createTemplate, expectProblem, newUserId, useTemplate } from '@scheduler/testkit';
import { useTestApp } from './helpers';

/**
 * `ETag` on single objects and `If-Match` on their writes: a stale tag is a 412 and nothing
 * changes; `*` matches any; without `If-Match` the last write wins (as before).
 */
describe('optimistic concurrency with ETag and If-Match', () => {
  const t = useTestApp();

  type Kind = 'campaign' | 'template' | 'schedule' | 'job';
  const path: Record<Kind, string> = { campaign: '/campaigns', template: '/templates', schedule: '/schedule', job: '/jobs' };
  const edit: Record<Kind, { method: 'put' | 'patch'; body: object }> = {
    campaign: { method: 'put', body: { name: 'renamed' } },
    template: { method: 'put', body: { name: 'renamed' } },
    schedule: { method: 'put', body: { name: 'renamed' } },
    job: { method: 'patch', body: { cost_usd: 1.5 } },
  };
  async function make(kind: Kind, user: string): Promise<string> {
    if (kind === 'campaign') return (await createCampaign(t, user)).id as string;
    if (kind === 'template') return (await createTemplate(t, user)).id as string;
    if (kind === 'schedule') return (await createSchedule(t, user)).id as string;
    const template = await createTemplate(t, user, { publisher_domain: 'example.com' });
    return (await useTemplate(t, user, template.id as string)).id as string;
  }
  const write = (kind: Kind, user: string, id: string, ifMatch?: string, body?: object) => {
    const req = request(t.app)[edit[kind].method](`/api/v1${path[kind]}/${id}`).set('Authorization', t.auth(user));
    return (ifMatch === undefined ? req : req.set('If-Match', ifMatch)).send(body ?? edit[kind].body);
  };

  it.each(['campaign', 'template', 'schedule', 'job'] as const)(
    'when a %s is changed after it was read, then a write with the old ETag is a 412 and changes nothing',
    async (kind) => {
      const user = newUserId();
      const id = await make(kind, user);
      const read = await apiAs(t, user).get(`${path[kind]}/${id}`);
      const etag = read.headers.etag;
      expect(etag).toMatch(/^"[^"]+"$/);

      const first = await write(kind, user, id, etag);
      expect(first.status).toBe(200);
      expect(first.headers.etag).toMatch(/^"[^"]+"$/);
      expect(first.headers.etag).not.toBe(etag);
      const after = await apiAs(t, user).get(`${path[kind]}/${id}`);
      expect(after.headers.etag).toBe(first.headers.etag);

      const stale = await write(kind, user, id, etag, kind === 'job' ? { cost_usd: 9 } : { name: 'lost update' });
      expectProblem(stale, 412);
      expect(stale.headers.etag).toBe(first.headers.etag);
      const unchanged = await apiAs(t, user).get(`${path[kind]}/${id}`);
      expect(unchanged.body).toEqual(after.body);

      // A list of tags matches if any does; `*` matches any version; no If-Match: last write wins.
      expect((await write(kind, user, id, `"nope", ${first.headers.etag}`)).status).toBe(200);
      expect((await write(kind, user, id, '*')).status).toBe(200);
      expect((await write(kind, user, id)).status).toBe(200);
    },
  );

  it("when a schedule's rule changes, then its ETag changes (its version is part of it)", async () => {
    const user = newUserId();
    const schedule = await createSchedule(t, user);
    const read = await apiAs(t, user).get(`/schedule/${schedule.id}`);
    const res = await write('schedule', user, schedule.id as string, read.headers.etag, { timezone: 'Europe/Paris' });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(schedule.version + 1);
    expect(res.headers.etag).toMatch(new RegExp(`^"${res.body.version}-`));
  });

  it.each(['campaign', 'template', 'schedule'] as const)(
    'when a %s is deleted with a stale If-Match, then 412 and it stays; with the current one, 204',
    async (kind) => {
      const user = newUserId();
      const id = await make(kind, user);
      const etag = (await apiAs(t, user).get(`${path[kind]}/${id}`)).headers.etag;
      expect((await write(kind, user, id)).status).toBe(200);
      const del = (tag: string) =>
        request(t.app).delete(`/api/v1${path[kind]}/${id}`).set('Authorization', t.auth(user)).set('If-Match', tag);
      expectProblem(await del(etag), 412);
      expect((await apiAs(t, user).get(`${path[kind]}/${id}`)).status).toBe(200);
      const current = (await apiAs(t, user).get(`${path[kind]}/${id}`)).headers.etag;
      expect((await del(current)).status).toBe(204);
      expect((await apiAs(t, user).get(`${path[kind]}/${id}`)).status).toBe(404);
    },
  );

  it('when a schedule changed after it was read, then pause and resume with the old ETag are 412 and change nothing; with the current one they work', async () => {
    const user = newUserId();
    const id = (await createSchedule(t, user)).id as string;
    const etag = (await apiAs(t, user).get(`/schedule/${id}`)).headers.etag;
    const renamed = await write('schedule', user, id, etag);
    expect(renamed.status).toBe(200);
    const action = (verb: 'pause' | 'resume', tag: string) =>
      request(t.app).post(`/api/v1/schedule/${id}/${verb}`).set('Authorization', t.auth(user)).set('If-Match', tag);

    const stalePause = await action('pause', etag);
    expectProblem(stalePause, 412);
    expect((await apiAs(t, user).get(`/schedule/${id}`)).body.status).toBe('active');
    const paused = await action('pause', renamed.headers.etag);
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('paused');

    const staleResume = await action('resume', renamed.headers.etag);
    expectProblem(staleResume, 412);
    expect(staleResume.headers.etag).toBe(paused.headers.etag);
    expect((await apiAs(t, user).get(`/schedule/${id}`)).body.status).toBe('paused');
    const resumed = await action('resume', paused.headers.etag);
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe('active');
  });

  it("when the object is missing or another user's, then 404 whatever If-Match says (no existence leak)", async () => {
    const owner = newUserId();
    const id = await make('campaign', owner);
    const etag = (await apiAs(t, owner).get(`/campaigns/${id}`)).headers.etag;
    for (const tag of [etag, '*', '"stale"']) {
      expectProblem(await write('campaign', newUserId(), id, tag), 404);
    }
  });

  it('when two writers race with the same ETag, then exactly one wins (the check runs under the row lock)', async () => {
    const user = newUserId();
    const id = await make('campaign', user);
    const etag = (await apiAs(t, user).get(`/campaigns/${id}`)).headers.etag;
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => write('campaign', user, id, etag, { name: `writer ${i}` })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412, 412, 412, 412]);
    const winner = results.find((r) => r.status === 200)!;
    expect((await apiAs(t, user).get(`/campaigns/${id}`)).body.name).toBe(winner.body.name);
  });

  it("when a list is read, then it carries no object's strong tag (at most Express's weak one of the body)", async () => {
    const user = newUserId();
    await createCampaign(t, user);
    const res = await apiAs(t, user).get('/campaigns');
    expect(res.status).toBe(200);
    expect(String(res.headers.etag ?? 'W/')).toMatch(/^W\//);
  });
});
