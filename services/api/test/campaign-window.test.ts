import { Campaign, ScheduledJob, ScheduledJobStatus } from '@scheduler/entities';
import { apiAs, newUserId, PinnedClock } from '@scheduler/testkit';
import { useTestApp } from './helpers';

/**
 * A campaign's dates stop the schedules that have no run inside them; widening the dates again
 * brings back those the window stopped (and only those), as editing a schedule's own rule does.
 */
describe('campaign dates and the schedules they stopped', () => {
  const clock = new PinnedClock();
  const t = useTestApp({}, { now: clock.now });
  beforeEach(() => clock.pin('2030-01-01T08:00:00Z'));
  afterEach(() => clock.reset());

  const schedules = () => t.deps.dataSource.getRepository(ScheduledJob);

  /** A campaign ending 2030-01-20 and a daily 09:00 UTC schedule in it from 2030-01-01. */
  async function campaignWithSchedule(user: string, schedule: object = {}) {
    const campaign = await apiAs(t, user).post('/campaigns', { name: 'Q1', end_date: '2030-01-20T00:00:00Z' });
    expect(campaign.status).toBe(201);
    const created = await apiAs(t, user).post('/schedule', {
      name: 'daily',
      campaign_id: campaign.body.id,
      schedule_type: 'daily',
      scheduled_at: '2030-01-01T09:00:00Z',
      timezone: 'UTC',
      job_config: { publisher_domain: 'forbes.com' },
      ...schedule,
    });
    expect(created.status).toBe(201);
    return { campaignId: campaign.body.id as string, scheduleId: created.body.id as string };
  }

  it('when a narrowed end date expired a schedule and a later end date gives it runs again, then it is active with its next run and its scheduler is written', async () => {
    const user = newUserId();
    const { campaignId, scheduleId } = await campaignWithSchedule(user);
    expect((await apiAs(t, user).put(`/campaigns/${campaignId}`, { end_date: '2030-01-01T08:30:00Z' })).status).toBe(200);
    const stopped = await apiAs(t, user).get(`/schedule/${scheduleId}`);
    expect(stopped.body).toMatchObject({ status: 'expired', next_run_at: null, version: 2 });
    expect(await t.deps.occurrenceQueues.of(scheduleId).getJobScheduler(scheduleId)).toBeUndefined();

    expect((await apiAs(t, user).put(`/campaigns/${campaignId}`, { end_date: '2030-02-01T00:00:00Z' })).status).toBe(200);
    const back = await apiAs(t, user).get(`/schedule/${scheduleId}`);
    expect(back.body).toMatchObject({ status: 'active', next_run_at: '2030-01-01T09:00:00.000Z', version: 3 });
    const scheduler = await t.deps.occurrenceQueues.of(scheduleId).getJobScheduler(scheduleId);
    expect(scheduler?.template?.data).toEqual({ schedule_id: scheduleId, version: 3 });
    expect(scheduler?.next).toBe(Date.parse('2030-01-01T09:00:00Z'));
  });

  it('when a later start date opens a window the old one had closed, then the schedule comes back at the first run inside it', async () => {
    const user = newUserId();
    const { campaignId, scheduleId } = await campaignWithSchedule(user);
    expect((await apiAs(t, user).put(`/campaigns/${campaignId}`, { end_date: '2030-01-01T08:30:00Z' })).status).toBe(200);
    const res = await apiAs(t, user).put(`/campaigns/${campaignId}`, {
      start_date: '2030-01-05T12:00:00Z',
      end_date: '2030-01-10T00:00:00Z',
    });
    expect(res.status).toBe(200);
    expect((await apiAs(t, user).get(`/schedule/${scheduleId}`)).body).toMatchObject({
      status: 'active',
      next_run_at: '2030-01-06T09:00:00.000Z',
    });
  });

  it('when the worker completed a schedule because the window closed right after a run, then a later end date brings it back too', async () => {
    const user = newUserId();
    const { campaignId, scheduleId } = await campaignWithSchedule(user, { max_runs: 10 });
    // As the worker leaves it after firing on 2030-01-01 with the campaign ending that day.
    await t.deps.dataSource.getRepository(Campaign).update({ id: campaignId }, { endDate: new Date('2030-01-01T12:00:00Z') });
    await schedules().update(
      { id: scheduleId },
      { status: 'completed', nextRunAt: null, runCount: 1, lastRunAt: new Date('2030-01-01T09:00:00Z') },
    );
    clock.pin('2030-01-01T10:00:00Z');
    expect((await apiAs(t, user).put(`/campaigns/${campaignId}`, { end_date: '2030-01-31T00:00:00Z' })).status).toBe(200);
    expect((await apiAs(t, user).get(`/schedule/${scheduleId}`)).body).toMatchObject({
      status: 'active',
      next_run_at: '2030-01-02T09:00:00.000Z',
      run_count: 1,
    });
  });

  it.each<[string, { status: ScheduledJobStatus; runCount?: number }, object]>([
    ['its own end date has passed', { status: 'expired' }, { recurrence_end_date: '2030-01-02T12:00:00Z' }],
    ['max_runs is used up', { status: 'completed', runCount: 2 }, { max_runs: 2 }],
  ])('when %s, then a wider window leaves it stopped', async (_label, row, schedule) => {
    const user = newUserId();
    const { campaignId, scheduleId } = await campaignWithSchedule(user, schedule);
    await t.deps.dataSource.getRepository(Campaign).update({ id: campaignId }, { endDate: new Date('2030-01-01T08:30:00Z') });
    // As the worker leaves it: stopped, and its scheduler gone.
    await schedules().update({ id: scheduleId }, { ...row, nextRunAt: null });
    await t.deps.occurrenceQueues.of(scheduleId).removeJobScheduler(scheduleId);
    clock.pin('2030-01-03T08:00:00Z');
    expect((await apiAs(t, user).put(`/campaigns/${campaignId}`, { end_date: '2030-02-01T00:00:00Z' })).status).toBe(200);
    expect((await apiAs(t, user).get(`/schedule/${scheduleId}`)).body).toMatchObject({ status: row.status, next_run_at: null, version: 1 });
    expect(await t.deps.occurrenceQueues.of(scheduleId).getJobScheduler(scheduleId)).toBeUndefined();
  });

  it('when an archived campaign had expired the schedule while its window still held runs, then changing the dates does not bring it back', async () => {
    const user = newUserId();
    const { campaignId, scheduleId } = await campaignWithSchedule(user);
    // As the worker leaves it on an occurrence of an archived campaign; the campaign is active again.
    await schedules().update({ id: scheduleId }, { status: 'expired', nextRunAt: null });
    const res = await apiAs(t, user).put(`/campaigns/${campaignId}`, {
      start_date: '2029-12-01T00:00:00Z',
      end_date: '2030-03-01T00:00:00Z',
    });
    expect(res.status).toBe(200);
    expect((await apiAs(t, user).get(`/schedule/${scheduleId}`)).body).toMatchObject({ status: 'expired', next_run_at: null });
  });

  it('when the campaign is archived in the same change, then a wider window brings nothing back', async () => {
    const user = newUserId();
    const { campaignId, scheduleId } = await campaignWithSchedule(user);
    expect((await apiAs(t, user).put(`/campaigns/${campaignId}`, { end_date: '2030-01-01T08:30:00Z' })).status).toBe(200);
    expect((await apiAs(t, user).put(`/campaigns/${campaignId}`, { status: 'archived', end_date: '2030-02-01T00:00:00Z' })).status).toBe(
      200,
    );
    expect((await apiAs(t, user).get(`/schedule/${scheduleId}`)).body).toMatchObject({ status: 'expired' });
  });
});
