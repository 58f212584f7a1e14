import request from 'supertest';
import { ScheduledJob, ScheduleRun } from '@scheduler/entities';
import { deserializeRule } from '@scheduler/recurrence';
import {
  createCampaign,
  createSchedule,
  createTemplate,
  DAY,
  expectProblem,
  HOUR,
  inHours,
  newUserId,
  wholeSecondNow,
} from '@scheduler/testkit';
import { useTestApp } from './helpers';

describe('schedules', () => {
  const t = useTestApp();

  const post = (user: string, path: string, body?: unknown) =>
    request(t.app)
      .post(`/api/v1/schedule${path}`)
      .set('Authorization', t.auth(user))
      .send(body as object);
  const get = (user: string, path: string) => request(t.app).get(`/api/v1/schedule${path}`).set('Authorization', t.auth(user));

  it('when a once schedule is created, then next_run_at is its time and a BullMQ scheduler with its rule and version exists', async () => {
    const user = newUserId();
    const at = inHours(2);
    const res = await post(user, '', {
      name: 'Forbes Article',
      schedule_type: 'once',
      scheduled_at: at,
      timezone: 'America/New_York',
      job_config: { publisher_domain: 'forbes.com', country: 'us' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'active',
      schedule_type: 'once',
      timezone: 'America/New_York',
      next_run_at: new Date(at).toISOString(),
      run_count: 0,
      error_count: 0,
      version: 1,
      misfire_grace_seconds: 3600,
      job_config: { publisher_domain: 'forbes.com', country: 'us' },
    });
    const scheduler = await t.deps.occurrenceQueues.of(res.body.id).getJobScheduler(res.body.id);
    expect(scheduler).toBeDefined();
    expect(scheduler!.next).toBe(Date.parse(at));
    expect(deserializeRule(scheduler!.pattern!)).toMatchObject({ type: 'once', timezone: 'America/New_York' });
    expect(scheduler!.template?.data).toEqual({ schedule_id: res.body.id, version: 1 });
  });

  it('when a daily schedule has a naive scheduled_at, then it is wall-clock time in its zone', async () => {
    const user = newUserId();
    const res = await post(user, '', {
      name: 'Daily 09:00 New York',
      schedule_type: 'daily',
      scheduled_at: '2099-01-10T09:00:00',
      timezone: 'America/New_York',
    });
    expect(res.status).toBe(201);
    expect(res.body.scheduled_at).toBe('2099-01-10T14:00:00.000Z');
    expect(res.body.next_run_at).toBe('2099-01-10T14:00:00.000Z');
  });

  it('when a weekly schedule starts on a non-matching day, then the first run is the next matching weekday', async () => {
    const user = newUserId();
    // 2099-01-01 is a Thursday.
    const res = await post(user, '', {
      name: 'Mondays',
      schedule_type: 'weekly',
      recurrence_pattern: 'weekly:monday',
      scheduled_at: '2099-01-01T09:00:00Z',
    });
    expect(res.status).toBe(201);
    expect(res.body.next_run_at).toBe('2099-01-05T09:00:00.000Z');
  });

  it.each([
    ['scheduled_at in the past', { schedule_type: 'once', scheduled_at: '2020-01-01T00:00:00Z' }, 'scheduled_at'],
    ['scheduled_at missing', { schedule_type: 'daily' }, 'scheduled_at'],
    ['scheduled_at not a date', { schedule_type: 'once', scheduled_at: 'tomorrow' }, 'scheduled_at'],
    ['unknown schedule_type', { schedule_type: 'hourly', scheduled_at: '2099-01-01T00:00:00Z' }, 'schedule_type'],
    ['schedule_type null', { schedule_type: null, scheduled_at: '2099-01-01T00:00:00Z' }, 'schedule_type'],
    ['unknown time zone', { schedule_type: 'daily', scheduled_at: '2099-01-01T00:00:00Z', timezone: 'Mars/Olympus' }, 'timezone'],
    [
      'weekly pattern on monthly',
      { schedule_type: 'monthly', scheduled_at: '2099-01-01T00:00:00Z', recurrence_pattern: 'weekly:monday' },
      'recurrence_pattern',
    ],
    [
      'monthly day 32',
      { schedule_type: 'monthly', scheduled_at: '2099-01-01T00:00:00Z', recurrence_pattern: 'monthly:32' },
      'recurrence_pattern',
    ],
    [
      'weekly funday',
      { schedule_type: 'weekly', scheduled_at: '2099-01-01T00:00:00Z', recurrence_pattern: 'weekly:funday' },
      'recurrence_pattern',
    ],
    ['bad cron', { schedule_type: 'cron', scheduled_at: '2099-01-01T00:00:00Z', recurrence_pattern: '61 * * * *' }, 'recurrence_pattern'],
    [
      'pattern on daily',
      { schedule_type: 'daily', scheduled_at: '2099-01-01T00:00:00Z', recurrence_pattern: 'weekly:monday' },
      'recurrence_pattern',
    ],
    [
      'end before start',
      { schedule_type: 'daily', scheduled_at: '2099-01-02T00:00:00Z', recurrence_end_date: '2099-01-01T00:00:00Z' },
      'recurrence_end_date',
    ],
    ['max_runs zero', { schedule_type: 'daily', scheduled_at: '2099-01-01T00:00:00Z', max_runs: 0 }, 'max_runs'],
    ['unknown field (typo)', { shedule_type: 'daily', schedule_type: 'daily', scheduled_at: '2099-01-01T00:00:00Z' }, 'shedule_type'],
    ['name null', { name: null, schedule_type: 'daily', scheduled_at: '2099-01-01T00:00:00Z' }, 'name'],
    ['job_config not an object', { schedule_type: 'daily', scheduled_at: '2099-01-01T00:00:00Z', job_config: 'x' }, 'job_config'],
    ['campaign_id not a uuid', { schedule_type: 'daily', scheduled_at: '2099-01-01T00:00:00Z', campaign_id: 'abc' }, 'campaign_id'],
    [
      'job_config country of 3 letters',
      { schedule_type: 'daily', scheduled_at: '2099-01-01T00:00:00Z', job_config: { country: 'usa' } },
      'job_config.country',
    ],
    [
      'job_config unknown provider',
      { schedule_type: 'daily', scheduled_at: '2099-01-01T00:00:00Z', job_config: { llm_provider: 'acme' } },
      'job_config.llm_provider',
    ],
    [
      'job_config publisher not a hostname',
      { schedule_type: 'daily', scheduled_at: '2099-01-01T00:00:00Z', job_config: { publisher_domain: 'http://x' } },
      'job_config.publisher_domain',
    ],
  ])('when %s, then 422 naming the field', async (_label, body, field) => {
    const res = await post(newUserId(), '', { name: 'n', ...body });
    expectProblem(res, 422, { fieldsInclude: [field] });
  });

  it("when the body references another user's campaign or template, then 404", async () => {
    const owner = newUserId();
    const intruder = newUserId();
    const campaign = await createCampaign(t, owner, { name: 'c' });
    const template = await createTemplate(t, owner, { name: 'tpl' });
    const base = { name: 'x', schedule_type: 'daily', scheduled_at: inHours(1) };
    expect((await post(intruder, '', { ...base, campaign_id: campaign.id })).status).toBe(404);
    expect((await post(intruder, '', { ...base, template_id: template.id })).status).toBe(404);
  });

  it("when another user's schedule is used with any method, then 404 and nothing changes", async () => {
    const owner = newUserId();
    const intruder = newUserId();
    const created = (await post(owner, '', { name: 'mine', schedule_type: 'daily', scheduled_at: inHours(1) })).body;
    const as = (r: request.Test) => r.set('Authorization', t.auth(intruder));
    const id = created.id;
    expect((await as(request(t.app).get(`/api/v1/schedule/${id}`))).status).toBe(404);
    expect((await as(request(t.app).get(`/api/v1/schedule/${id}/preview`))).status).toBe(404);
    expect((await as(request(t.app).get(`/api/v1/schedule/${id}/runs`))).status).toBe(404);
    expect((await as(request(t.app).put(`/api/v1/schedule/${id}`)).send({ name: 'stolen' })).status).toBe(404);
    expect((await as(request(t.app).post(`/api/v1/schedule/${id}/pause`))).status).toBe(404);
    expect((await as(request(t.app).post(`/api/v1/schedule/${id}/resume`))).status).toBe(404);
    expect((await as(request(t.app).delete(`/api/v1/schedule/${id}`))).status).toBe(404);
    const still = await get(owner, `/${id}`);
    expect(still.body).toMatchObject({ name: 'mine', status: 'active', version: 1 });
  });

  it('pause removes the scheduler and clears next_run_at; resume only from paused, else 409', async () => {
    const user = newUserId();
    const created = (await post(user, '', { name: 'p', schedule_type: 'daily', scheduled_at: inHours(1) })).body;
    expect((await post(user, `/${created.id}/resume`)).status).toBe(409);
    const paused = await post(user, `/${created.id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ status: 'paused', next_run_at: null, version: 2 });
    expect(await t.deps.occurrenceQueues.of(created.id).getJobScheduler(created.id)).toBeUndefined();
    expect((await post(user, `/${created.id}/pause`)).status).toBe(409);
    const resumed = await post(user, `/${created.id}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ status: 'active', next_run_at: created.next_run_at, version: 3 });
    const scheduler = await t.deps.occurrenceQueues.of(created.id).getJobScheduler(created.id);
    expect(scheduler?.template?.data).toEqual({ schedule_id: created.id, version: 3 });
  });

  it('an update of the rule bumps version, recomputes next_run_at and rewrites the scheduler; a rename does not bump', async () => {
    const user = newUserId();
    const created = (
      await post(user, '', {
        name: 'w',
        schedule_type: 'weekly',
        recurrence_pattern: 'weekly:monday',
        scheduled_at: '2099-01-05T09:00:00Z',
      })
    ).body;
    const renamed = await request(t.app).put(`/api/v1/schedule/${created.id}`).set('Authorization', t.auth(user)).send({ name: 'renamed' });
    expect(renamed.body).toMatchObject({ name: 'renamed', version: 1 });
    const changed = await request(t.app)
      .put(`/api/v1/schedule/${created.id}`)
      .set('Authorization', t.auth(user))
      .send({ recurrence_pattern: 'weekly:friday' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ recurrence_pattern: 'weekly:friday', version: 2, next_run_at: '2099-01-09T09:00:00.000Z' });
    const scheduler = await t.deps.occurrenceQueues.of(created.id).getJobScheduler(created.id);
    expect(scheduler?.next).toBe(Date.parse('2099-01-09T09:00:00Z'));
    expect(scheduler?.template?.data).toEqual({ schedule_id: created.id, version: 2 });
    const past = await request(t.app)
      .put(`/api/v1/schedule/${created.id}`)
      .set('Authorization', t.auth(user))
      .send({ scheduled_at: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(422);
    const unknown = await request(t.app)
      .put(`/api/v1/schedule/${created.id}`)
      .set('Authorization', t.auth(user))
      .send({ status: 'active' });
    expect(unknown.status).toBe(422);
  });

  it('delete removes the row and its scheduler', async () => {
    const user = newUserId();
    const created = (await post(user, '', { name: 'd', schedule_type: 'daily', scheduled_at: inHours(1) })).body;
    const res = await request(t.app).delete(`/api/v1/schedule/${created.id}`).set('Authorization', t.auth(user));
    expect(res.status).toBe(204);
    expect((await get(user, `/${created.id}`)).status).toBe(404);
    expect(await t.deps.occurrenceQueues.of(created.id).getJobScheduler(created.id)).toBeUndefined();
  });

  it('lists soonest first with filters and upcoming_only; upcoming embeds the campaign', async () => {
    const user = newUserId();
    const campaign = await createCampaign(t, user, { name: 'c', color: '#FF5733' });
    const later = (await post(user, '', { name: 'later', schedule_type: 'once', scheduled_at: inHours(30) })).body;
    const soon = (await post(user, '', { name: 'soon', campaign_id: campaign.id, schedule_type: 'daily', scheduled_at: inHours(1) })).body;
    const paused = (await post(user, '', { name: 'paused', schedule_type: 'daily', scheduled_at: inHours(2) })).body;
    await post(user, `/${paused.id}/pause`);

    const all = await get(user, '');
    expect(all.headers['x-total-count']).toBe('3');
    expect(all.body.map((s: { name: string }) => s.name)).toEqual(['soon', 'later', 'paused']);
    const upcomingOnly = await get(user, '?upcoming_only=true');
    expect(upcomingOnly.body.map((s: { name: string }) => s.name)).toEqual(['soon', 'later']);
    const byCampaign = await get(user, `?campaign_id=${campaign.id}`);
    expect(byCampaign.body.map((s: { id: string }) => s.id)).toEqual([soon.id]);
    const byStatus = await get(user, '?status_filter=paused');
    expect(byStatus.body.map((s: { id: string }) => s.id)).toEqual([paused.id]);

    const upcoming = await get(user, '/upcoming?hours=24');
    expect(upcoming.status).toBe(200);
    expect(upcoming.body).toMatchObject({ time_window_hours: 24, upcoming_count: 1 });
    expect(upcoming.body.jobs[0]).toMatchObject({ id: soon.id, campaign: { id: campaign.id, name: 'c', color: '#FF5733' } });
    const week = await get(user, '/upcoming?hours=168');
    expect(week.body.upcoming_count).toBe(2);
    expect(week.body.jobs[1]).toMatchObject({ id: later.id, campaign: null });
    expect((await get(user, '/upcoming?hours=0')).status).toBe(422);
    expect((await get(user, '/upcoming?hours=8761')).status).toBe(422);
  });

  it('preview of a body gives UTC and local instants, flagging a DST-shifted one', async () => {
    const user = newUserId();
    const res = await post(user, '/preview?count=3', {
      name: 'gap',
      schedule_type: 'daily',
      scheduled_at: '2027-03-13T02:30:00',
      timezone: 'America/New_York',
    });
    expect(res.status).toBe(200);
    expect(res.body.timezone).toBe('America/New_York');
    expect(res.body.occurrences).toEqual([
      { at: '2027-03-13T07:30:00.000Z', local: '2027-03-13T02:30:00-05:00', dst_adjusted: false },
      { at: '2027-03-14T07:30:00.000Z', local: '2027-03-14T03:30:00-04:00', dst_adjusted: true },
      { at: '2027-03-15T06:30:00.000Z', local: '2027-03-15T02:30:00-04:00', dst_adjusted: false },
    ]);
    expect(
      (await post(user, '/preview?count=101', { name: 'x', schedule_type: 'daily', scheduled_at: '2027-01-01T00:00:00Z' })).status,
    ).toBe(422);
    expect(
      (
        await post(user, '/preview', {
          name: 'x',
          schedule_type: 'weekly',
          recurrence_pattern: 'monthly:1',
          scheduled_at: '2027-01-01T00:00:00Z',
        })
      ).status,
    ).toBe(422);
  });

  it('preview of a stored schedule defaults to 10 occurrences from now', async () => {
    const user = newUserId();
    const created = (await post(user, '', { name: 'daily', schedule_type: 'daily', scheduled_at: inHours(1), max_runs: 4 })).body;
    const res = await get(user, `/${created.id}/preview`);
    expect(res.status).toBe(200);
    expect(res.body.occurrences).toHaveLength(4); // max_runs caps what is left
    expect(res.body.occurrences[0].at).toBe(created.next_run_at);
  });

  it('job_config keeps job inputs beyond the generation settings', async () => {
    const res = await post(newUserId(), '', {
      name: 'inputs',
      schedule_type: 'daily',
      scheduled_at: inHours(1),
      job_config: { publisher_domain: 'forbes.com', country: 'US', target_url: 'https://example.com/a', anchor_text: 'widgets' },
    });
    expect(res.status).toBe(201);
    expect(res.body.job_config).toEqual({
      publisher_domain: 'forbes.com',
      country: 'US',
      target_url: 'https://example.com/a',
      anchor_text: 'widgets',
    });
  });

  it("preview of a stored schedule lists only runs inside its campaign's dates", async () => {
    const user = newUserId();
    const start = new Date(Math.floor(Date.now() / DAY) * DAY + 10 * DAY); // a midnight 10 days ahead
    const campaign = await createCampaign(t, user, {
      name: 'window',
      start_date: start.toISOString(),
      end_date: new Date(start.getTime() + 3 * DAY - 1000).toISOString(),
    });
    const created = (await post(user, '', { name: 'd', campaign_id: campaign.id, schedule_type: 'daily', scheduled_at: inHours(1) })).body;
    const at9 = (d: number) => new Date(start.getTime() + d * DAY + (Date.parse(created.scheduled_at) % DAY)).toISOString();
    expect(created.next_run_at).toBe(at9(0));
    const res = await get(user, `/${created.id}/preview?count=10`);
    expect(res.body.occurrences.map((o: { at: string }) => o.at)).toEqual([at9(0), at9(1), at9(2)]);
  });

  it('runs lists the run history newest first', async () => {
    const user = newUserId();
    const created = (await post(user, '', { name: 'r', schedule_type: 'daily', scheduled_at: inHours(1) })).body;
    const runs = t.deps.dataSource.getRepository(ScheduleRun);
    await runs.save([
      runs.create({
        scheduledJobId: created.id,
        userId: user,
        workspaceId: `user:${user}`,
        occurrenceAt: new Date('2026-01-01T09:00:00Z'),
        outcome: 'missed',
        reason: 'late',
      }),
      runs.create({
        scheduledJobId: created.id,
        userId: user,
        workspaceId: `user:${user}`,
        occurrenceAt: new Date('2026-01-02T09:00:00Z'),
        outcome: 'skipped',
        reason: 'campaign paused',
      }),
    ]);
    const res = await get(user, `/${created.id}/runs`);
    expect(res.status).toBe(200);
    expect(res.headers['x-total-count']).toBe('2');
    expect(res.body.map((r: { outcome: string }) => r.outcome)).toEqual(['skipped', 'missed']);
    expect(res.body[0]).toMatchObject({ occurrence_at: '2026-01-02T09:00:00.000Z', reason: 'campaign paused', job_id: null });
  });

  it('status reports schedulers and active schedules', async () => {
    const user = newUserId();
    expect((await post(user, '', { name: 's', schedule_type: 'daily', scheduled_at: inHours(1) })).status).toBe(201);
    const res = await get(user, '/status');
    expect(res.status).toBe(200);
    expect(res.body).toHaveProperty('workers_seen');
    expect(res.body.schedulers_in_redis).toBeGreaterThan(0);
    expect(res.body.active_schedules).toBeGreaterThan(0);
  });

  it('when catchup_policy is left out it is latest; a create or PUT that sends one stores it for the worker; an unknown one is a 422', async () => {
    const user = newUserId();
    const base = { name: 'catch-up', schedule_type: 'daily', scheduled_at: inHours(2) };
    expect((await post(user, '', base)).body).toMatchObject({ catchup_policy: 'latest', misfire_grace_seconds: 3600 });
    const created = await post(user, '', { ...base, catchup_policy: 'all' });
    expect(created.status).toBe(201);
    expect(created.body.catchup_policy).toBe('all');
    const updated = await request(t.app)
      .put(`/api/v1/schedule/${created.body.id}`)
      .set('Authorization', t.auth(user))
      .send({ catchup_policy: 'none' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ catchup_policy: 'none', version: 1 });
    const row = await t.deps.dataSource.getRepository(ScheduledJob).findOneByOrFail({ id: created.body.id as string });
    expect(row.catchupPolicy).toBe('none');
    expectProblem(await post(user, '', { ...base, catchup_policy: 'sometimes' }), 422, { fields: ['catchup_policy'] });
  });
});

describe('a schedule whose first run falls in a DST gap', () => {
  const t = useTestApp();

  it('when stored, then later runs keep the requested wall-clock time (02:30), not the shifted one', async () => {
    const user = newUserId();
    const created = await request(t.app)
      .post('/api/v1/schedule')
      .set('Authorization', t.auth(user))
      .send({ name: 'gap', schedule_type: 'daily', scheduled_at: '2027-03-14T02:30:00', timezone: 'America/New_York' });
    expect(created.status).toBe(201);
    expect(created.body.next_run_at).toBe('2027-03-14T07:30:00.000Z'); // 03:30 EDT, shifted by the gap
    const preview = await request(t.app).get(`/api/v1/schedule/${created.body.id}/preview?count=2`).set('Authorization', t.auth(user));
    expect(preview.body.occurrences.map((o: { local: string }) => o.local)).toEqual([
      '2027-03-14T03:30:00-04:00',
      '2027-03-15T02:30:00-04:00',
    ]);
    // A change elsewhere in the rule is compiled from the stored rule's own start.
    const renamed = await request(t.app)
      .put(`/api/v1/schedule/${created.body.id}`)
      .set('Authorization', t.auth(user))
      .send({ max_runs: 10 });
    expect(renamed.status).toBe(200);
    const again = await request(t.app).get(`/api/v1/schedule/${created.body.id}/preview?count=2`).set('Authorization', t.auth(user));
    expect(again.body.occurrences[1].local).toBe('2027-03-15T02:30:00-04:00');
  });
});

describe('a schedule stopped in error', () => {
  const t = useTestApp();

  it('when its job_config is fixed with PUT, then it is active again with a scheduler and a fresh consecutive count', async () => {
    const user = newUserId();
    const at = new Date(wholeSecondNow() + HOUR).toISOString();
    const created = await createSchedule(t, user, { name: 'e', schedule_type: 'daily', scheduled_at: at });
    // What the worker leaves after five failed runs in a row.
    await t.deps.dataSource
      .getRepository(ScheduledJob)
      .update(
        { id: created.id },
        { status: 'error', nextRunAt: null, consecutiveErrors: 5, errorCount: 5, lastError: 'no publisher_domain' },
      );
    await t.deps.occurrenceQueues.of(created.id).removeJobScheduler(created.id);
    const renamed = await request(t.app).put(`/api/v1/schedule/${created.id}`).set('Authorization', t.auth(user)).send({ name: 'renamed' });
    expect(renamed.body.status).toBe('error');
    const fixed = await request(t.app)
      .put(`/api/v1/schedule/${created.id}`)
      .set('Authorization', t.auth(user))
      .send({ job_config: { publisher_domain: 'forbes.com' } });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toMatchObject({ status: 'active', next_run_at: at, error_count: 5 });
    expect((await t.deps.dataSource.getRepository(ScheduledJob).findOneByOrFail({ id: created.id })).consecutiveErrors).toBe(0);
    expect(await t.deps.occurrenceQueues.of(created.id).getJobScheduler(created.id)).toBeDefined();
  });
});
