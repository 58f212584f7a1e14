import { ScheduledJob } from '@scheduler/entities';
import { apiAs, newUserId, PinnedClock } from '@scheduler/testkit';
import { useTestApp } from './helpers';

/**
 * While its campaign is paused a schedule advertises no runs (the worker would only skip them):
 * `next_run_at` is null, `not_running_reason` says `campaign_paused`, its preview is empty, and
 * `/schedule/upcoming` and the campaign's `upcoming_runs` leave it out. When the campaign is
 * active again it goes on from its next run, and its history says what it did not make.
 */
describe('the schedules of a paused campaign', () => {
  const clock = new PinnedClock();
  const t = useTestApp({}, { now: clock.now });
  beforeEach(() => clock.pin('2030-01-01T08:00:00Z'));
  afterEach(() => clock.reset());

  const campaignOf = async (user: string, body: object = {}) => {
    const res = await apiAs(t, user).post('/campaigns', { name: 'c', ...body });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const dailyIn = async (user: string, campaignId: string) => {
    const res = await apiAs(t, user).post('/schedule', {
      name: 'daily',
      campaign_id: campaignId,
      schedule_type: 'daily',
      scheduled_at: '2030-01-01T09:00:00Z',
      timezone: 'UTC',
      job_config: { publisher_domain: 'forbes.com' },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; status: string; next_run_at: string | null; not_running_reason: string | null };
  };
  const setStatus = async (user: string, campaignId: string, status: string) => {
    const res = await apiAs(t, user).put(`/campaigns/${campaignId}`, { status });
    expect(res.status).toBe(200);
  };
  const scheduleOf = async (user: string, id: string) => (await apiAs(t, user).get(`/schedule/${id}`)).body;
  const scheduler = (id: string) => t.deps.occurrenceQueues.of(id).getJobScheduler(id);

  it('when the campaign is paused, then its schedule stays active with no next run, says why, and loses its scheduler', async () => {
    const user = newUserId();
    const campaign = await campaignOf(user);
    const schedule = await dailyIn(user, campaign);
    expect(schedule).toMatchObject({ next_run_at: '2030-01-01T09:00:00.000Z', not_running_reason: null });
    expect(await scheduler(schedule.id)).toBeDefined();

    await setStatus(user, campaign, 'paused');

    expect(await scheduleOf(user, schedule.id)).toMatchObject({
      status: 'active',
      next_run_at: null,
      not_running_reason: 'campaign_paused',
    });
    expect(await scheduler(schedule.id)).toBeUndefined();
  });

  it('when the campaign is paused, then the preview is empty and says why', async () => {
    const user = newUserId();
    const campaign = await campaignOf(user);
    const schedule = await dailyIn(user, campaign);
    await setStatus(user, campaign, 'paused');

    const res = await apiAs(t, user).get(`/schedule/${schedule.id}/preview?count=5`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ timezone: 'UTC', occurrences: [], not_running_reason: 'campaign_paused' });
  });

  it('when the campaign is paused, then /schedule/upcoming, upcoming_only and the stats upcoming_runs leave its schedules out', async () => {
    const user = newUserId();
    const campaign = await campaignOf(user);
    const schedule = await dailyIn(user, campaign);
    const upcoming = async () => (await apiAs(t, user).get('/schedule/upcoming?hours=72')).body;
    const stats = async () => (await apiAs(t, user).get(`/campaigns/${campaign}/stats`)).body;
    expect((await upcoming()).jobs.map((s: { id: string }) => s.id)).toEqual([schedule.id]);
    expect((await stats()).upcoming_runs).toHaveLength(5);

    await setStatus(user, campaign, 'paused');

    expect(await upcoming()).toMatchObject({ upcoming_count: 0, jobs: [] });
    expect((await stats()).upcoming_runs).toEqual([]);
    expect((await apiAs(t, user).get('/schedule?upcoming_only=true')).body).toEqual([]);
  });

  it('when a schedule is created in a paused campaign, then it is active with no next run until the campaign is', async () => {
    const user = newUserId();
    const campaign = await campaignOf(user, { status: 'paused' });
    const schedule = await dailyIn(user, campaign);
    expect(schedule).toMatchObject({ status: 'active', next_run_at: null, not_running_reason: 'campaign_paused' });
    expect(await scheduler(schedule.id)).toBeUndefined();
  });

  it('when the campaign is active again, then the schedule goes on from its next run with its scheduler, and the days it did not run are skipped', async () => {
    const user = newUserId();
    const campaign = await campaignOf(user);
    const schedule = await dailyIn(user, campaign);
    await setStatus(user, campaign, 'paused');

    clock.pin('2030-01-03T12:00:00Z');
    await setStatus(user, campaign, 'active');

    expect(await scheduleOf(user, schedule.id)).toMatchObject({
      status: 'active',
      next_run_at: '2030-01-04T09:00:00.000Z',
      not_running_reason: null,
    });
    expect(await scheduler(schedule.id)).toBeDefined();
    const runs = (await apiAs(t, user).get(`/schedule/${schedule.id}/runs`)).body;
    expect(runs.map((r: { occurrence_at: string; outcome: string; reason: string }) => [r.occurrence_at, r.outcome, r.reason])).toEqual([
      ['2030-01-03T09:00:00.000Z', 'skipped', 'campaign paused'],
      ['2030-01-02T09:00:00.000Z', 'skipped', 'campaign paused'],
      ['2030-01-01T09:00:00.000Z', 'skipped', 'campaign paused'],
    ]);
  });

  it('when a once schedule’s time passes while its campaign is paused, then the campaign’s resume expires it with the occurrence skipped', async () => {
    const user = newUserId();
    const campaign = await campaignOf(user);
    const res = await apiAs(t, user).post('/schedule', {
      name: 'once',
      campaign_id: campaign,
      schedule_type: 'once',
      scheduled_at: '2030-01-01T09:00:00Z',
      job_config: { publisher_domain: 'forbes.com' },
    });
    await setStatus(user, campaign, 'paused');
    clock.pin('2030-01-01T10:00:00Z');
    await setStatus(user, campaign, 'active');
    expect(await scheduleOf(user, res.body.id)).toMatchObject({ status: 'expired', next_run_at: null });
    const runs = (await apiAs(t, user).get(`/schedule/${res.body.id}/runs`)).body;
    expect(runs).toEqual([
      expect.objectContaining({ occurrence_at: '2030-01-01T09:00:00.000Z', outcome: 'skipped', reason: 'campaign paused' }),
    ]);
  });

  it('when a schedule of a paused campaign is paused and resumed, then it stays held by the campaign', async () => {
    const user = newUserId();
    const campaign = await campaignOf(user);
    const schedule = await dailyIn(user, campaign);
    await setStatus(user, campaign, 'paused');
    expect((await apiAs(t, user).post(`/schedule/${schedule.id}/pause`)).body).toMatchObject({ not_running_reason: 'schedule_paused' });
    const resumed = await apiAs(t, user).post(`/schedule/${schedule.id}/resume`);
    expect(resumed.body).toMatchObject({ status: 'active', next_run_at: null, not_running_reason: 'campaign_paused' });
    expect(await scheduler(schedule.id)).toBeUndefined();
  });

  it('when a schedule of a paused campaign is edited, then it stays held by the campaign', async () => {
    const user = newUserId();
    const campaign = await campaignOf(user);
    const schedule = await dailyIn(user, campaign);
    await setStatus(user, campaign, 'paused');
    const res = await apiAs(t, user).put(`/schedule/${schedule.id}`, { scheduled_at: '2030-01-01T10:00:00Z' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'active', next_run_at: null, not_running_reason: 'campaign_paused' });
  });

  it.each(['completed', 'archived'])('when the campaign becomes %s, then its active schedules expire at once', async (status) => {
    const user = newUserId();
    const campaign = await campaignOf(user);
    const schedule = await dailyIn(user, campaign);
    await setStatus(user, campaign, status);
    expect(await scheduleOf(user, schedule.id)).toMatchObject({
      status: 'expired',
      next_run_at: null,
      not_running_reason: 'schedule_expired',
    });
    expect(await scheduler(schedule.id)).toBeUndefined();
  });
});

describe('the preview of a schedule that will not run', () => {
  const t = useTestApp();

  const create = async (user: string) => {
    const res = await apiAs(t, user).post('/schedule', {
      name: 's',
      schedule_type: 'daily',
      scheduled_at: new Date(Date.now() + 3_600_000).toISOString(),
      job_config: { publisher_domain: 'forbes.com' },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  it('when the schedule is paused, then its preview lists nothing and says it is paused', async () => {
    const user = newUserId();
    const id = await create(user);
    await apiAs(t, user).post(`/schedule/${id}/pause`);
    const res = await apiAs(t, user).get(`/schedule/${id}/preview`);
    expect(res.body).toMatchObject({ occurrences: [], not_running_reason: 'schedule_paused' });
  });

  it('when the schedule is in error, then its preview lists nothing and says so', async () => {
    const user = newUserId();
    const id = await create(user);
    await t.deps.dataSource.getRepository(ScheduledJob).update({ id }, { status: 'error', nextRunAt: null });
    const res = await apiAs(t, user).get(`/schedule/${id}/preview`);
    expect(res.body).toMatchObject({ occurrences: [], not_running_reason: 'schedule_error' });
    expect((await apiAs(t, user).get(`/schedule/${id}`)).body).toMatchObject({ not_running_reason: 'schedule_error' });
  });

  it('when the schedule runs, then its preview lists its runs and no reason', async () => {
    const user = newUserId();
    const id = await create(user);
    const res = await apiAs(t, user).get(`/schedule/${id}/preview?count=3`);
    expect(res.body.occurrences).toHaveLength(3);
    expect(res.body.not_running_reason).toBeNull();
  });
});
