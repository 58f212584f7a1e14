import type { DataSource } from 'typeorm';
import { Job, ScheduledJob } from '@scheduler/entities';
import { insertSchedule, newUserId, openDataSource } from '@scheduler/testkit';
import { MaterializeService } from '../src/materialize.service';

const T0 = new Date('2030-01-01T09:00:00Z');

describe("a materialized Job keeps its schedule's id and name", () => {
  let ds: DataSource;
  beforeAll(async () => {
    ds = await openDataSource();
  });
  afterAll(async () => {
    await ds.destroy();
  });

  it("when an occurrence makes a Job, then the Job carries the schedule's name; after the schedule is deleted it keeps both", async () => {
    const userId = newUserId();
    const schedule = await insertSchedule(ds, { userId, name: 'Daily Forbes' });
    const result = await new MaterializeService(ds, () => new Date(T0.getTime() + 1000)).materialize(schedule.id, 1, T0);
    expect(result.outcome).toBe('materialized');
    await ds.getRepository(ScheduledJob).update({ id: schedule.id }, { name: 'renamed' });
    await ds.getRepository(ScheduledJob).delete({ id: schedule.id });
    const job = await ds.getRepository(Job).findOneByOrFail({ id: result.job!.id });
    expect(job).toMatchObject({ scheduledJobId: schedule.id, scheduledJobName: 'Daily Forbes' });
  });
});
