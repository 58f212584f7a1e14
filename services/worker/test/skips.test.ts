/**
 * The user's skips in the materializer: a skipped occurrence writes a `skipped` run (reason
 * `skipped`), makes no Job and counts no run, and the schedule goes on to its next run past any
 * skipped ones; in a catch-up backlog a skipped occurrence never fires and is recorded skipped.
 */
import type { DataSource } from 'typeorm';
import { Job, ScheduledJob, ScheduleRun, ScheduleSkip } from '@scheduler/entities';
import { MaterializeService } from '../src/materialize.service';
import { insertSchedule, newUserId, openDataSource } from './helpers';

const T0 = new Date('2030-01-01T09:00:00Z');
const DAY = 86_400_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

describe('materializing a skipped occurrence', () => {
  let ds: DataSource;
  let clock: Date;
  let service: MaterializeService;
  beforeAll(async () => {
    ds = await openDataSource();
    service = new MaterializeService(ds, () => clock);
  });
  afterAll(async () => {
    await ds.destroy();
  });

  const reload = (id: string) => ds.getRepository(ScheduledJob).findOneByOrFail({ id });
  const runsOf = (id: string) => ds.getRepository(ScheduleRun).find({ where: { scheduledJobId: id }, order: { occurrenceAt: 'ASC' } });
  const jobsOf = (id: string) => ds.getRepository(Job).find({ where: { scheduledJobId: id } });
  const skip = (schedule: ScheduledJob, ...instants: Date[]) =>
    ds.getRepository(ScheduleSkip).insert(
      instants.map((occurrenceAt) => ({
        scheduledJobId: schedule.id,
        occurrenceAt,
        workspaceId: schedule.workspaceId,
        createdBy: schedule.userId,
      })),
    );
  const runs = async (id: string) => (await runsOf(id)).map((r) => [r.occurrenceAt.getTime() - T0.getTime(), r.outcome, r.reason]);

  it('when the occurrence is skipped, then a skipped run (reason skipped), no Job, no run counted, and next_run_at is the next one', async () => {
    const schedule = await insertSchedule(ds, { userId: newUserId() });
    await skip(schedule, T0);
    clock = at(1500);
    const result = await service.materialize(schedule.id, 1, T0);
    expect(result).toMatchObject({ outcome: 'skipped', reason: 'skipped', removeScheduler: false });
    expect(result.job).toBeUndefined();
    expect(await jobsOf(schedule.id)).toEqual([]);
    expect(await runs(schedule.id)).toEqual([[0, 'skipped', 'skipped']]);
    const after = await reload(schedule.id);
    expect(after).toMatchObject({ runCount: 0, status: 'active', lastRunAt: null });
    expect(after.nextRunAt?.toISOString()).toBe(at(DAY).toISOString());
  });

  it('when the next occurrences are skipped, then a fired occurrence moves next_run_at past them', async () => {
    const schedule = await insertSchedule(ds, { userId: newUserId() });
    await skip(schedule, at(DAY), at(2 * DAY));
    clock = at(1500);
    expect((await service.materialize(schedule.id, 1, T0)).outcome).toBe('materialized');
    expect((await reload(schedule.id)).nextRunAt?.toISOString()).toBe(at(3 * DAY).toISOString());
  });

  it('when a skipped occurrence is in a catch-up backlog (all), then it is recorded skipped and the others fire', async () => {
    const schedule = await insertSchedule(ds, { userId: newUserId(), catchupPolicy: 'all', misfireGraceSeconds: 3 * 86_400 });
    await skip(schedule, at(DAY));
    clock = at(2 * DAY + 1500);
    const result = await service.materialize(schedule.id, 1, at(2 * DAY));
    expect(result.outcome).toBe('materialized');
    expect(await runs(schedule.id)).toEqual([
      [0, 'materialized', null],
      [DAY, 'skipped', 'skipped'],
      [2 * DAY, 'materialized', null],
    ]);
    expect(await jobsOf(schedule.id)).toHaveLength(2);
    expect(await reload(schedule.id)).toMatchObject({ runCount: 2 });
  });

  it('when the latest occurrence of a backlog is skipped (latest), then the one before it fires and the processed one is skipped', async () => {
    const schedule = await insertSchedule(ds, { userId: newUserId(), catchupPolicy: 'latest', misfireGraceSeconds: 2 * 86_400 });
    await skip(schedule, at(DAY));
    clock = at(DAY + 1500);
    const result = await service.materialize(schedule.id, 1, at(DAY));
    expect(result).toMatchObject({ outcome: 'skipped', reason: 'skipped' });
    expect(await runs(schedule.id)).toEqual([
      [0, 'materialized', null],
      [DAY, 'skipped', 'skipped'],
    ]);
    const after = await reload(schedule.id);
    expect(after).toMatchObject({ runCount: 1 });
    expect(after.nextRunAt?.toISOString()).toBe(at(2 * DAY).toISOString());
  });
});
