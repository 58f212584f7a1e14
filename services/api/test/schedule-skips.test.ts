/**
 * Skip and un-skip (`POST /schedule/{id}/skip`, `GET /schedule/{id}/skips`,
 * `DELETE /schedule/{id}/skips/{occurrence_at}`): only a future occurrence of the schedule can
 * be skipped; skipping the next run moves `next_run_at` (and bumps `version`), un-skipping
 * brings it back; previews leave skipped runs out; max_runs is not consumed by a skip; 4xx write
 * nothing.
 */
import { ScheduledJob, ScheduleSkip } from '@scheduler/entities';
import { apiAs, createSchedule, expectProblem, newUserId, PinnedClock } from '@scheduler/testkit';
import { useTestApp } from './helpers';

const DAY = 86_400_000;
const clock = new PinnedClock();

describe('skip and un-skip an occurrence', () => {
  const t = useTestApp({}, { now: clock.now });
  afterEach(() => clock.reset());
  const skipRows = (scheduleId: string) => t.deps.dataSource.getRepository(ScheduleSkip).countBy({ scheduledJobId: scheduleId });
  const row = (id: string) => t.deps.dataSource.getRepository(ScheduledJob).findOneByOrFail({ id });

  /** A daily schedule whose first run is in an hour (at a whole second), its api, and its runs. */
  async function daily(body: object = {}) {
    const user = newUserId();
    const first = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
    const schedule = await createSchedule(t, user, { scheduled_at: first.toISOString(), ...body });
    const day = (n: number) => new Date(first.getTime() + n * DAY).toISOString();
    return { user, api: apiAs(t, user), schedule, day };
  }

  it('when the next run is skipped, then 200, next_run_at moves to the one after and version goes up; un-skip brings it back', async () => {
    const { api, schedule, day } = await daily();
    expect(schedule.next_run_at).toBe(day(0));
    const res = await api.post(`/schedule/${schedule.id}/skip`, { occurrence_at: day(0) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      schedule_id: schedule.id,
      occurrence_at: day(0),
      created_by: schedule.user_id,
      created_at: expect.any(String),
    });
    const skipped = (await api.get(`/schedule/${schedule.id}`)).body;
    expect(skipped.next_run_at).toBe(day(1));
    expect(skipped.version).toBe(schedule.version + 1);
    // The scheduler is rewritten with the new version, as other edits do.
    const scheduler = await t.deps.occurrenceQueues.of(schedule.id).getJobScheduler(schedule.id);
    expect(scheduler?.template?.data).toEqual({ schedule_id: schedule.id, version: schedule.version + 1 });
    const preview = await api.get(`/schedule/${schedule.id}/preview?count=3`);
    expect(preview.body.occurrences.map((o: { at: string }) => o.at)).toEqual([day(1), day(2), day(3)]);

    const list = await api.get(`/schedule/${schedule.id}/skips`);
    expect(list.status).toBe(200);
    expect(list.headers['x-total-count']).toBe('1');
    expect(list.body.map((s: { occurrence_at: string }) => s.occurrence_at)).toEqual([day(0)]);

    const un = await api.delete(`/schedule/${schedule.id}/skips/${encodeURIComponent(day(0))}`);
    expect(un.status).toBe(204);
    const back = (await api.get(`/schedule/${schedule.id}`)).body;
    expect(back.next_run_at).toBe(day(0));
    expect(back.version).toBe(schedule.version + 2);
    expect(await skipRows(schedule.id)).toBe(0);
  });

  it('when a later occurrence is skipped, then next_run_at stays, previews leave it out, and skips list soonest first', async () => {
    const { api, schedule, day } = await daily();
    expect((await api.post(`/schedule/${schedule.id}/skip`, { occurrence_at: day(3) })).status).toBe(200);
    expect((await api.post(`/schedule/${schedule.id}/skip`, { occurrence_at: day(1) })).status).toBe(200);
    expect((await api.get(`/schedule/${schedule.id}`)).body.next_run_at).toBe(day(0));
    const preview = await api.get(`/schedule/${schedule.id}/preview?count=3`);
    expect(preview.body.occurrences.map((o: { at: string }) => o.at)).toEqual([day(0), day(2), day(4)]);
    const list = await api.get(`/schedule/${schedule.id}/skips?limit=1`);
    expect(list.headers['x-total-count']).toBe('2');
    expect(list.body.map((s: { occurrence_at: string }) => s.occurrence_at)).toEqual([day(1)]);
  });

  it('when the same occurrence is skipped twice (another offset for the same instant), then 200 both times, one row, one version bump', async () => {
    const { api, schedule, day } = await daily();
    expect((await api.post(`/schedule/${schedule.id}/skip`, { occurrence_at: day(0) })).status).toBe(200);
    const instant = new Date(day(0));
    const offset = new Date(instant.getTime() + 2 * 3_600_000).toISOString().replace('.000Z', '+02:00');
    const again = await api.post(`/schedule/${schedule.id}/skip`, { occurrence_at: offset });
    expect(again.status).toBe(200);
    expect(again.body.occurrence_at).toBe(day(0));
    expect(await skipRows(schedule.id)).toBe(1);
    expect((await row(schedule.id)).version).toBe(schedule.version + 1);
  });

  it('when max_runs is 2 and the first run is skipped, then the runs are the 2nd and 3rd occurrences (a skip consumes no run)', async () => {
    const { api, schedule, day } = await daily({ max_runs: 2 });
    expect((await api.post(`/schedule/${schedule.id}/skip`, { occurrence_at: day(0) })).status).toBe(200);
    const preview = await api.get(`/schedule/${schedule.id}/preview?count=5`);
    expect(preview.body.occurrences.map((o: { at: string }) => o.at)).toEqual([day(1), day(2)]);
  });

  it.each([
    ['not an occurrence (an hour off)', (day: (n: number) => string) => new Date(new Date(day(1)).getTime() + 3_600_000).toISOString()],
    ['in the past', () => new Date(Date.now() - DAY).toISOString()],
    ['beyond the end date', (day: (n: number) => string) => day(10)],
    ['the last run', (day: (n: number) => string) => day(4)],
    ['not an instant', () => '2030-02-30T09:00:00Z'],
    ['a wall-clock time without offset', () => '2030-01-01T09:00:00'],
    ['not a string', () => 12345],
  ])('when occurrence_at is %s, then 422 naming it, and nothing written', async (_what, value) => {
    const { api, schedule, day } = await daily();
    await api.put(`/schedule/${schedule.id}`, { recurrence_end_date: new Date(new Date(day(4)).getTime() + 1000).toISOString() });
    const before = await row(schedule.id);
    const res = await api.post(`/schedule/${schedule.id}/skip`, { occurrence_at: value(day) });
    expectProblem(res, 422, { fields: ['occurrence_at'] });
    expect(await skipRows(schedule.id)).toBe(0);
    expect(await row(schedule.id)).toEqual(before);
  });

  it('when the body is missing occurrence_at or carries an unknown field, then 422', async () => {
    const { api, schedule, day } = await daily();
    expectProblem(await api.post(`/schedule/${schedule.id}/skip`, {}), 422, { fields: ['occurrence_at'] });
    expectProblem(await api.post(`/schedule/${schedule.id}/skip`, { occurrence_at: day(0), reason: 'x' }), 422, { fields: ['reason'] });
    expect(await skipRows(schedule.id)).toBe(0);
  });

  it('when un-skipping an occurrence that is not skipped, then 404; a path that is no instant: 422', async () => {
    const { api, schedule, day } = await daily();
    expectProblem(await api.delete(`/schedule/${schedule.id}/skips/${encodeURIComponent(day(0))}`), 404);
    expectProblem(await api.delete(`/schedule/${schedule.id}/skips/tomorrow`), 422, { fields: ['occurrence_at'] });
  });

  it("when another workspace's schedule is skipped, listed or un-skipped, then 404, and nothing written", async () => {
    const { api, schedule, day } = await daily();
    expect((await api.post(`/schedule/${schedule.id}/skip`, { occurrence_at: day(1) })).status).toBe(200);
    const intruder = apiAs(t, newUserId());
    expectProblem(await intruder.post(`/schedule/${schedule.id}/skip`, { occurrence_at: day(0) }), 404);
    expectProblem(await intruder.get(`/schedule/${schedule.id}/skips`), 404);
    expectProblem(await intruder.delete(`/schedule/${schedule.id}/skips/${encodeURIComponent(day(1))}`), 404);
    expect(await skipRows(schedule.id)).toBe(1);
    expect((await api.get(`/schedule/${schedule.id}`)).body.next_run_at).toBe(day(0));
  });

  it('when the rule is edited, then the skips stay and the new next run passes over them', async () => {
    const { api, schedule, day } = await daily();
    expect((await api.post(`/schedule/${schedule.id}/skip`, { occurrence_at: day(0) })).status).toBe(200);
    const edited = await api.put(`/schedule/${schedule.id}`, { max_runs: 10 });
    expect(edited.status).toBe(200);
    expect(edited.body.next_run_at).toBe(day(1));
  });

  it('when a paused schedule with a skipped next run is resumed, then next_run_at passes over it', async () => {
    const { api, schedule, day } = await daily();
    expect((await api.post(`/schedule/${schedule.id}/pause`)).status).toBe(200);
    expect((await api.post(`/schedule/${schedule.id}/skip`, { occurrence_at: day(0) })).status).toBe(200);
    expect((await api.get(`/schedule/${schedule.id}`)).body.next_run_at).toBeNull();
    expect((await api.post(`/schedule/${schedule.id}/resume`)).body.next_run_at).toBe(day(1));
  });
});
