import request from 'supertest';
import { Job, ScheduledJob } from '@scheduler/entities';
import { createSchedule, createTemplate, DAY, expectProblem, HOUR, insertJob, newUserId, wholeSecondNow } from '@scheduler/testkit';
import { useTestApp } from './helpers';

describe('campaigns', () => {
  const t = useTestApp();

  const create = (user: string, body: unknown) =>
    request(t.app)
      .post('/api/v1/campaigns')
      .set('Authorization', t.auth(user))
      .send(body as object);

  const fullBody = {
    name: 'Forbes Publisher Campaign',
    description: 'All Forbes content generation',
    color: '#1E88E5',
    tags: ['publisher:forbes', '2025-q1'],
    target_job_count: 50,
    target_budget_usd: 500,
    start_date: '2025-11-01T00:00:00Z',
    end_date: '2025-12-31T23:59:59Z',
  };

  it('when created with every field, then 201 returns them in snake_case with UTC instants', async () => {
    const user = newUserId();
    const res = await create(user, fullBody);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      ...fullBody,
      user_id: user,
      status: 'active',
      start_date: '2025-11-01T00:00:00.000Z',
      end_date: '2025-12-31T23:59:59.000Z',
    });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['name empty', { name: '' }, 'name'],
    ['name too long', { name: 'x'.repeat(256) }, 'name'],
    ['name null', { name: null }, 'name'],
    ['name missing', { description: 'x' }, 'name'],
    ['colour not hex', { name: 'c', color: 'blue' }, 'color'],
    ['colour short', { name: 'c', color: '#FFF' }, 'color'],
    ['negative budget', { name: 'c', target_budget_usd: -1 }, 'target_budget_usd'],
    ['zero target count', { name: 'c', target_job_count: 0 }, 'target_job_count'],
    ['bad date', { name: 'c', start_date: 'yesterday' }, 'start_date'],
    ['end before start', { name: 'c', start_date: '2026-02-01T00:00:00Z', end_date: '2026-01-01T00:00:00Z' }, 'end_date'],
    ['unknown status', { name: 'c', status: 'running' }, 'status'],
    ['tags not strings', { name: 'c', tags: [1, 2] }, 'tags'],
    ['unknown field', { name: 'c', colour: '#FFFFFF' }, 'colour'],
  ])('when %s, then 422 naming the field', async (_label, body, field) => {
    const res = await create(newUserId(), body);
    expectProblem(res, 422, { fieldsInclude: [field] });
  });

  it('when the body is not JSON, then 400 problem+json', async () => {
    const res = await request(t.app)
      .post('/api/v1/campaigns')
      .set('Authorization', t.auth(newUserId()))
      .set('Content-Type', 'application/json')
      .send('{"name": ');
    expectProblem(res, 400);
  });

  it('when the body is an array, then 422', async () => {
    const res = await create(newUserId(), [{ name: 'x' }]);
    expectProblem(res, 422);
  });

  it('lists newest first, filters by status (and status_filter), paginates with X-Total-Count', async () => {
    const user = newUserId();
    const names = ['one', 'two', 'three'];
    for (const name of names) expect((await create(user, { name })).status).toBe(201);
    const paused = await create(user, { name: 'paused one', status: 'paused' });
    const all = await request(t.app).get('/api/v1/campaigns?limit=2').set('Authorization', t.auth(user));
    expect(all.status).toBe(200);
    expect(all.headers['x-total-count']).toBe('4');
    expect(all.body.map((c: { name: string }) => c.name)).toEqual(['paused one', 'three']);
    const next = await request(t.app).get('/api/v1/campaigns?limit=2&offset=2').set('Authorization', t.auth(user));
    expect(next.body.map((c: { name: string }) => c.name)).toEqual(['two', 'one']);
    const byStatus = await request(t.app).get('/api/v1/campaigns?status=paused').set('Authorization', t.auth(user));
    expect(byStatus.body.map((c: { id: string }) => c.id)).toEqual([paused.body.id]);
    const byFilter = await request(t.app).get('/api/v1/campaigns?status_filter=active').set('Authorization', t.auth(user));
    expect(byFilter.headers['x-total-count']).toBe('3');
  });

  it.each([
    ['limit over 200', 'limit=201'],
    ['negative offset', 'offset=-1'],
    ['unknown status', 'status=nope'],
  ])('when the list query has %s, then 422', async (_label, query) => {
    const res = await request(t.app).get(`/api/v1/campaigns?${query}`).set('Authorization', t.auth(newUserId()));
    expectProblem(res, 422);
  });

  it('gets, updates partially and deletes its own campaign', async () => {
    const user = newUserId();
    const created = (await create(user, fullBody)).body;
    const got = await request(t.app).get(`/api/v1/campaigns/${created.id}`).set('Authorization', t.auth(user));
    expect(got.status).toBe(200);
    expect(got.body.name).toBe(fullBody.name);
    const updated = await request(t.app)
      .put(`/api/v1/campaigns/${created.id}`)
      .set('Authorization', t.auth(user))
      .send({ status: 'paused', description: 'Paused due to budget review' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      status: 'paused',
      description: 'Paused due to budget review',
      name: fullBody.name,
      color: '#1E88E5',
    });
    const cleared = await request(t.app)
      .put(`/api/v1/campaigns/${created.id}`)
      .set('Authorization', t.auth(user))
      .send({ description: null });
    expect(cleared.body.description).toBeNull();
    const badUpdate = await request(t.app).put(`/api/v1/campaigns/${created.id}`).set('Authorization', t.auth(user)).send({ name: null });
    expect(badUpdate.status).toBe(422);
    const endBeforeStart = await request(t.app)
      .put(`/api/v1/campaigns/${created.id}`)
      .set('Authorization', t.auth(user))
      .send({ end_date: '2025-10-01T00:00:00Z' });
    expect(endBeforeStart.status).toBe(422);
    const deleted = await request(t.app).delete(`/api/v1/campaigns/${created.id}`).set('Authorization', t.auth(user));
    expect(deleted.status).toBe(204);
    expect((await request(t.app).get(`/api/v1/campaigns/${created.id}`).set('Authorization', t.auth(user))).status).toBe(404);
  });

  it("when another user's campaign is used with any method, then 404 and nothing changes", async () => {
    const owner = newUserId();
    const intruder = newUserId();
    const created = (await create(owner, { name: 'mine' })).body;
    const as = (r: request.Test) => r.set('Authorization', t.auth(intruder));
    expect((await as(request(t.app).get(`/api/v1/campaigns/${created.id}`))).status).toBe(404);
    expect((await as(request(t.app).get(`/api/v1/campaigns/${created.id}/stats`))).status).toBe(404);
    expect((await as(request(t.app).put(`/api/v1/campaigns/${created.id}`)).send({ name: 'stolen' })).status).toBe(404);
    expect((await as(request(t.app).delete(`/api/v1/campaigns/${created.id}`))).status).toBe(404);
    const still = await request(t.app).get(`/api/v1/campaigns/${created.id}`).set('Authorization', t.auth(owner));
    expect(still.body.name).toBe('mine');
    const list = await as(request(t.app).get('/api/v1/campaigns'));
    expect(list.body).toEqual([]);
  });

  it('when the id is not a uuid, then 404', async () => {
    const res = await request(t.app).get('/api/v1/campaigns/not-a-uuid').set('Authorization', t.auth(newUserId()));
    expectProblem(res, 404);
  });

  it('stats count the seeded jobs, schedules and templates of the campaign', async () => {
    const user = newUserId();
    const now = Date.now();
    const campaign = (
      await create(user, {
        name: 'seeded',
        target_job_count: 10,
        target_budget_usd: 100,
        end_date: new Date(now + 10.5 * DAY).toISOString(),
      })
    ).body;
    await createTemplate(t, user, { name: 'tpl', campaign_id: campaign.id, publisher_domain: 'forbes.com' });
    const schedule = await createSchedule(t, user, {
      name: 'daily',
      campaign_id: campaign.id,
      schedule_type: 'daily',
      scheduled_at: new Date(now + HOUR).toISOString(),
      job_config: { publisher_domain: 'forbes.com' },
    });
    const seed = [
      ['completed', 10],
      ['completed', 5.5],
      ['pending', null],
      ['failed', 2],
    ] as const;
    for (const [status, cost] of seed) {
      await insertJob(t.deps.dataSource, { userId: user, campaignId: campaign.id, status, costUsd: cost });
    }
    const res = await request(t.app).get(`/api/v1/campaigns/${campaign.id}/stats`).set('Authorization', t.auth(user));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      campaign_id: campaign.id,
      total_jobs: 4,
      total_scheduled_jobs: 1,
      total_templates: 1,
      job_count_progress: 0.4,
      days_remaining: 10,
      status_distribution: { completed: 2, pending: 1, failed: 1 },
      budget_spent_usd: 17.5,
      budget_progress: 0.175,
    });
    expect(res.body.upcoming_runs).toHaveLength(5);
    expect(res.body.upcoming_runs[0]).toMatchObject({ scheduled_job_id: schedule.id, run_at: schedule.next_run_at });
    const gaps = res.body.upcoming_runs.map((r: { run_at: string }) => Date.parse(r.run_at));
    expect(gaps[1] - gaps[0]).toBe(DAY);
  });

  it("when a campaign's dates change, then its schedules' next_run_at moves into the window, and one left without a run expires", async () => {
    const user = newUserId();
    const campaign = (await create(user, { name: 'moving window' })).body;
    const firstRun = wholeSecondNow() + HOUR;
    const schedule = await createSchedule(t, user, {
      name: 'daily',
      campaign_id: campaign.id,
      schedule_type: 'daily',
      scheduled_at: new Date(firstRun).toISOString(),
    });
    expect(schedule.next_run_at).toBe(new Date(firstRun).toISOString());
    const later = new Date(firstRun + 5 * DAY - 60_000); // just before the 6th run
    const moved = await request(t.app)
      .put(`/api/v1/campaigns/${campaign.id}`)
      .set('Authorization', t.auth(user))
      .send({ start_date: later.toISOString() });
    expect(moved.status).toBe(200);
    const afterMove = await request(t.app).get(`/api/v1/schedule/${schedule.id}`).set('Authorization', t.auth(user));
    expect(afterMove.body).toMatchObject({ status: 'active', next_run_at: new Date(firstRun + 5 * DAY).toISOString() });

    const ended = await request(t.app)
      .put(`/api/v1/campaigns/${campaign.id}`)
      .set('Authorization', t.auth(user))
      .send({ start_date: null, end_date: new Date(Date.now() + 60_000).toISOString() });
    expect(ended.status).toBe(200);
    const afterEnd = await request(t.app).get(`/api/v1/schedule/${schedule.id}`).set('Authorization', t.auth(user));
    expect(afterEnd.body).toMatchObject({ status: 'expired', next_run_at: null });
    expect(await t.deps.occurrenceQueues.of(schedule.id).getJobScheduler(schedule.id)).toBeUndefined();
  });

  it('when a campaign is deleted, then its schedules and their Redis schedulers go and its Jobs stay with campaign_id null', async () => {
    const user = newUserId();
    const campaign = (await create(user, { name: 'to delete' })).body;
    const schedule = await createSchedule(t, user, {
      name: 'weekly',
      campaign_id: campaign.id,
      schedule_type: 'weekly',
      recurrence_pattern: 'weekly:monday',
      scheduled_at: new Date(Date.now() + DAY).toISOString(),
    });
    expect(await t.deps.occurrenceQueues.of(schedule.id).getJobScheduler(schedule.id)).toBeDefined();
    const job = await insertJob(t.deps.dataSource, {
      userId: user,
      campaignId: campaign.id,
      scheduledJobId: schedule.id,
      status: 'completed',
    });

    const res = await request(t.app).delete(`/api/v1/campaigns/${campaign.id}`).set('Authorization', t.auth(user));
    expect(res.status).toBe(204);
    expect(await t.deps.dataSource.getRepository(ScheduledJob).findOneBy({ id: schedule.id })).toBeNull();
    expect(await t.deps.occurrenceQueues.of(schedule.id).getJobScheduler(schedule.id)).toBeUndefined();
    const kept = await t.deps.dataSource.getRepository(Job).findOneByOrFail({ id: job.id });
    expect(kept.campaignId).toBeNull();
    expect(kept.scheduledJobId).toBe(schedule.id); // kept after the schedule's delete (issue 10)
  });
});
