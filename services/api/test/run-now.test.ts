/**
 * Run now (`POST /schedule/{id}/run`): one Job at once from the schedule's merged config, its
 * run row `trigger: manual`, on the real `content-jobs` queue; `Idempotency-Key` retries return
 * the same Job; run_count and next_run_at untouched; closed campaigns, bad keys and configs
 * without a publisher refused with nothing written; gated schedules' Jobs await approval.
 */
import { IdempotencyKey, Job, ScheduledJob, ScheduleRun } from '@scheduler/entities';
import { apiAs, createCampaign, createSchedule, createTemplate, expectProblem, newUserId } from '@scheduler/testkit';
import { useTestApp } from './helpers';

describe('run now', () => {
  const t = useTestApp();
  const jobs = () => t.deps.dataSource.getRepository(Job);
  const runs = () => t.deps.dataSource.getRepository(ScheduleRun);
  const keys = () => t.deps.dataSource.getRepository(IdempotencyKey);

  /** The content-jobs entries of this Job id (BullMQ keeps one per id, so 0 or 1). */
  const onContentQueue = async (jobId: string): Promise<string[]> => {
    const entries = await t.deps.contentQueue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
    return entries.filter((e) => e.id === jobId).map((e) => e.id as string);
  };

  /** A user with a template and a daily schedule using it (with a job_config override). */
  async function scheduleWithTemplate(body: object = {}) {
    const user = newUserId();
    const template = await createTemplate(t, user, { publisher_domain: 'forbes.com', llm_provider: 'anthropic', country: 'us' });
    const schedule = await createSchedule(t, user, {
      template_id: template.id,
      job_config: { country: 'gb', target_url: 'https://example.com/a' },
      max_runs: 3,
      ...body,
    });
    return { user, api: apiAs(t, user), template, schedule };
  }

  const stateOf = (id: string) => t.deps.dataSource.getRepository(ScheduledJob).findOneByOrFail({ id });

  it('when run, then 201 with a pending Job of the merged config, handed to content-jobs, a manual run row, and the schedule untouched', async () => {
    const { api, template, schedule } = await scheduleWithTemplate();
    const before = await stateOf(schedule.id);
    const res = await api.post(`/schedule/${schedule.id}/run`);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'pending',
      scheduled_job_id: schedule.id,
      scheduled_job_name: schedule.name,
      scheduled_for: null,
      template_id: template.id,
      publisher_domain: 'forbes.com',
      country: 'gb',
      config: expect.objectContaining({
        publisher_domain: 'forbes.com',
        llm_provider: 'anthropic',
        country: 'gb',
        target_url: 'https://example.com/a',
      }),
    });
    expect(await onContentQueue(res.body.id)).toEqual([res.body.id]);
    expect((await jobs().findOneByOrFail({ id: res.body.id })).queuedAt).not.toBeNull();

    const history = await api.get(`/schedule/${schedule.id}/runs`);
    expect(history.body).toEqual([
      expect.objectContaining({ outcome: 'materialized', job_id: res.body.id, trigger: 'manual', reason: null }),
    ]);
    const occurrence = new Date(history.body[0].occurrence_at).getTime();
    expect(occurrence % 1000).not.toBe(0); // never on a whole second, where the schedule's own occurrences fall

    const after = await stateOf(schedule.id);
    expect(after).toMatchObject({ runCount: 0, nextRunAt: before.nextRunAt, lastRunAt: null, version: before.version, status: 'active' });
  });

  it('when run twice with the same Idempotency-Key, then the same Job both times (201), one run row, one entry on content-jobs', async () => {
    const { api, schedule } = await scheduleWithTemplate();
    const first = await api.post(`/schedule/${schedule.id}/run`).set('Idempotency-Key', 'retry-me-1');
    const second = await api.post(`/schedule/${schedule.id}/run`).set('Idempotency-Key', 'retry-me-1');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(await jobs().countBy({ scheduledJobId: schedule.id })).toBe(1);
    expect(await runs().countBy({ scheduledJobId: schedule.id, trigger: 'manual' })).toBe(1);
    expect(await onContentQueue(first.body.id)).toEqual([first.body.id]);
    // A new key is a new run.
    const third = await api.post(`/schedule/${schedule.id}/run`).set('Idempotency-Key', 'retry-me-2');
    expect(third.status).toBe(201);
    expect(third.body.id).not.toBe(first.body.id);
    expect(await jobs().countBy({ scheduledJobId: schedule.id })).toBe(2);
  });

  it('when the same key is sent concurrently, then one Job', async () => {
    const { api, schedule } = await scheduleWithTemplate();
    const results = await Promise.all([1, 2, 3].map(() => api.post(`/schedule/${schedule.id}/run`).set('Idempotency-Key', 'burst')));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await jobs().countBy({ scheduledJobId: schedule.id })).toBe(1);
  });

  it('when a key is reused for another schedule of the workspace, then 422 naming the header, and nothing written', async () => {
    const { user, api, schedule } = await scheduleWithTemplate();
    const other = await createSchedule(t, user, { job_config: { publisher_domain: 'example.com' } });
    expect((await api.post(`/schedule/${schedule.id}/run`).set('Idempotency-Key', 'one-key')).status).toBe(201);
    const res = await api.post(`/schedule/${other.id}/run`).set('Idempotency-Key', 'one-key');
    expectProblem(res, 422, { fields: ['Idempotency-Key'] });
    expect(await jobs().countBy({ scheduledJobId: other.id })).toBe(0);
    expect(await runs().countBy({ scheduledJobId: other.id })).toBe(0);
  });

  it('when the key is older than 24 h, then it is a new request (a new Job) and the key is taken over', async () => {
    const { api, schedule } = await scheduleWithTemplate();
    const first = await api.post(`/schedule/${schedule.id}/run`).set('Idempotency-Key', 'old-key');
    await t.deps.dataSource.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old-key'`);
    const again = await api.post(`/schedule/${schedule.id}/run`).set('Idempotency-Key', 'old-key');
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(first.body.id);
    expect((await keys().findOneByOrFail({ key: 'old-key', workspaceId: `user:${schedule.user_id}` })).resourceId).toBe(again.body.id);
  });

  it('when two workspaces send the same key, then each gets its own Job (keys are per workspace)', async () => {
    const a = await scheduleWithTemplate();
    const b = await scheduleWithTemplate();
    const first = await a.api.post(`/schedule/${a.schedule.id}/run`).set('Idempotency-Key', 'shared-key');
    const second = await b.api.post(`/schedule/${b.schedule.id}/run`).set('Idempotency-Key', 'shared-key');
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.scheduled_job_id).toBe(b.schedule.id);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['not printable', 'tab\there'],
    ['not ASCII', 'clé'],
  ])('when the Idempotency-Key is %s, then 422 naming the header, and nothing written', async (_what, key) => {
    const { api, schedule } = await scheduleWithTemplate();
    const res = await api.post(`/schedule/${schedule.id}/run`).set('Idempotency-Key', key);
    expectProblem(res, 422, { fields: ['Idempotency-Key'] });
    expect(await jobs().countBy({ scheduledJobId: schedule.id })).toBe(0);
    expect(await runs().countBy({ scheduledJobId: schedule.id })).toBe(0);
  });

  it('when the key is 255 printable characters, then it is accepted', async () => {
    const { api, schedule } = await scheduleWithTemplate();
    expect((await api.post(`/schedule/${schedule.id}/run`).set('Idempotency-Key', `${'~ '.repeat(127)}x`)).status).toBe(201);
  });

  it("when the schedule's merged config has no publisher_domain, then 422 naming it, and nothing written", async () => {
    const user = newUserId();
    const schedule = await createSchedule(t, user, { job_config: { country: 'us' } });
    const res = await apiAs(t, user).post(`/schedule/${schedule.id}/run`);
    expectProblem(res, 422, { fields: ['publisher_domain'] });
    expect(await jobs().countBy({ scheduledJobId: schedule.id })).toBe(0);
  });

  it('when the schedule is paused or has used up max_runs, then it still runs now; run_count stays', async () => {
    const { api, schedule } = await scheduleWithTemplate({ max_runs: 1 });
    expect((await api.post(`/schedule/${schedule.id}/pause`)).status).toBe(200);
    expect((await api.post(`/schedule/${schedule.id}/run`)).status).toBe(201);
    await t.deps.dataSource.getRepository(ScheduledJob).update({ id: schedule.id }, { status: 'completed', runCount: 1, nextRunAt: null });
    expect((await api.post(`/schedule/${schedule.id}/run`)).status).toBe(201);
    expect(await stateOf(schedule.id)).toMatchObject({ status: 'completed', runCount: 1, nextRunAt: null });
  });

  it('when its campaign is completed, then 409, and nothing written', async () => {
    const user = newUserId();
    const campaign = await createCampaign(t, user);
    const schedule = await createSchedule(t, user, { campaign_id: campaign.id, job_config: { publisher_domain: 'example.com' } });
    expect((await apiAs(t, user).put(`/campaigns/${campaign.id}`, { status: 'completed' })).status).toBe(200);
    const res = await apiAs(t, user).post(`/schedule/${schedule.id}/run`).set('Idempotency-Key', 'closed');
    expectProblem(res, 409);
    expect(await jobs().countBy({ scheduledJobId: schedule.id })).toBe(0);
    expect(await keys().countBy({ key: 'closed' })).toBe(0);
  });

  it('when the schedule requires approval, then the Job awaits approval and is not handed over', async () => {
    const { api, schedule } = await scheduleWithTemplate({ requires_approval: true, approval_timeout_hours: 2 });
    const res = await api.post(`/schedule/${schedule.id}/run`);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'awaiting_approval', approval_deadline: expect.any(String) });
    expect(await onContentQueue(res.body.id)).toEqual([]);
  });

  it("when another workspace's schedule (or a missing one) is run, then 404, and nothing written", async () => {
    const { schedule } = await scheduleWithTemplate();
    const res = await apiAs(t, newUserId()).post(`/schedule/${schedule.id}/run`).set('Idempotency-Key', 'intruder');
    expectProblem(res, 404);
    expect(await jobs().countBy({ scheduledJobId: schedule.id })).toBe(0);
    expect(await keys().countBy({ key: 'intruder' })).toBe(0);
  });

  it('when a body field is sent, then 422 (run now takes no body)', async () => {
    const { api, schedule } = await scheduleWithTemplate();
    expectProblem(await api.post(`/schedule/${schedule.id}/run`, { publisher_domain: 'x.com' }), 422, { fields: ['publisher_domain'] });
  });
});
