import { MAX_MISSED_RECORDED, ScheduleRun } from '@scheduler/entities';
import { apiAs, newUserId, PinnedClock } from '@scheduler/testkit';
import { useTestApp } from './helpers';

/**
 * Resuming a paused schedule: it goes on from the next run after now, and its run history says
 * what became of the runs it did not make while paused (`skipped`, `schedule paused`).
 */
describe('resuming a paused schedule', () => {
  const clock = new PinnedClock();
  const t = useTestApp({}, { now: clock.now });
  beforeEach(() => clock.pin('2030-01-01T08:00:00Z'));
  afterEach(() => clock.reset());

  const create = async (user: string, body: object) => {
    const res = await apiAs(t, user).post('/schedule', {
      name: 's',
      timezone: 'UTC',
      job_config: { publisher_domain: 'forbes.com' },
      ...body,
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const history = async (user: string, id: string) => {
    const res = await apiAs(t, user).get(`/schedule/${id}/runs?limit=200`);
    expect(res.status).toBe(200);
    return (res.body as { occurrence_at: string; outcome: string; reason: string | null; job_id: string | null }[]).reverse();
  };
  const pauseAt = async (user: string, id: string, at: string) => {
    clock.pin(at);
    expect((await apiAs(t, user).post(`/schedule/${id}/pause`)).status).toBe(200);
  };
  const resumeAt = async (user: string, id: string, at: string) => {
    clock.pin(at);
    const res = await apiAs(t, user).post(`/schedule/${id}/resume`);
    expect(res.status).toBe(200);
    return res.body as { status: string; next_run_at: string | null };
  };

  it('when a once schedule is resumed after its time, then it is expired and its run history says the occurrence was skipped because it was paused', async () => {
    const user = newUserId();
    const id = await create(user, { schedule_type: 'once', scheduled_at: '2030-01-01T09:00:00Z' });
    await pauseAt(user, id, '2030-01-01T08:30:00Z');
    expect(await resumeAt(user, id, '2030-01-01T10:00:00Z')).toMatchObject({ status: 'expired', next_run_at: null });
    expect(await history(user, id)).toEqual([
      expect.objectContaining({ occurrence_at: '2030-01-01T09:00:00.000Z', outcome: 'skipped', reason: 'schedule paused', job_id: null }),
    ]);
  });

  it('when a once schedule is resumed before its time, then nothing is recorded and it is active again', async () => {
    const user = newUserId();
    const id = await create(user, { schedule_type: 'once', scheduled_at: '2030-01-01T09:00:00Z' });
    await pauseAt(user, id, '2030-01-01T08:10:00Z');
    expect(await resumeAt(user, id, '2030-01-01T08:20:00Z')).toMatchObject({ status: 'active', next_run_at: '2030-01-01T09:00:00.000Z' });
    expect(await history(user, id)).toEqual([]);
  });

  it('when a daily schedule is resumed days later, then each day it did not run is skipped and it goes on at its time of day', async () => {
    const user = newUserId();
    const id = await create(user, { schedule_type: 'daily', scheduled_at: '2030-01-01T09:00:00Z' });
    // It ran on the 1st (the worker's row), then was paused.
    const runs = t.deps.dataSource.getRepository(ScheduleRun);
    await runs.save(
      runs.create({
        scheduledJobId: id,
        userId: user,
        workspaceId: `user:${user}`,
        occurrenceAt: new Date('2030-01-01T09:00:00Z'),
        outcome: 'materialized',
      }),
    );
    await pauseAt(user, id, '2030-01-01T12:00:00Z');
    expect(await resumeAt(user, id, '2030-01-04T10:00:00Z')).toMatchObject({ status: 'active', next_run_at: '2030-01-05T09:00:00.000Z' });
    expect((await history(user, id)).map((r) => [r.occurrence_at.slice(0, 10), r.outcome])).toEqual([
      ['2030-01-01', 'materialized'],
      ['2030-01-02', 'skipped'],
      ['2030-01-03', 'skipped'],
      ['2030-01-04', 'skipped'],
    ]);

    // Paused and resumed again: only the runs of the second pause are added.
    await pauseAt(user, id, '2030-01-04T11:00:00Z');
    await resumeAt(user, id, '2030-01-06T10:00:00Z');
    expect((await history(user, id)).map((r) => r.occurrence_at.slice(0, 10))).toEqual([
      '2030-01-01',
      '2030-01-02',
      '2030-01-03',
      '2030-01-04',
      '2030-01-05',
      '2030-01-06',
    ]);
  });

  it('when max_runs allows fewer runs than the pause covered, then only the runs it would have made are recorded', async () => {
    const user = newUserId();
    const id = await create(user, { schedule_type: 'daily', scheduled_at: '2030-01-01T09:00:00Z', max_runs: 2 });
    await pauseAt(user, id, '2030-01-01T08:30:00Z');
    await resumeAt(user, id, '2030-01-05T10:00:00Z');
    expect((await history(user, id)).map((r) => r.occurrence_at.slice(0, 10))).toEqual(['2030-01-01', '2030-01-02']);
  });

  it(`when a schedule firing every second was paused for hours, then at most ${MAX_MISSED_RECORDED} skipped runs are recorded, the oldest first`, async () => {
    const user = newUserId();
    const id = await create(user, { schedule_type: 'cron', recurrence_pattern: '* * * * * *', scheduled_at: '2030-01-01T09:00:00Z' });
    await pauseAt(user, id, '2030-01-01T08:30:00Z');
    await resumeAt(user, id, '2030-01-01T11:00:00Z');
    const page = await apiAs(t, user).get(`/schedule/${id}/runs?limit=1`);
    expect(page.headers['x-total-count']).toBe(String(MAX_MISSED_RECORDED));
    expect(page.body[0].occurrence_at).toBe(new Date(Date.parse('2030-01-01T09:00:00Z') + (MAX_MISSED_RECORDED - 1) * 1000).toISOString());
  });
});
