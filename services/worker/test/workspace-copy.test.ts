import type { DataSource } from 'typeorm';
import { Job, ScheduleRun } from '@scheduler/entities';
import { MaterializeService } from '../src/materialize.service';
import { insertCampaign, insertSchedule, newUserId, openDataSource } from './helpers';

const T0 = new Date('2030-01-01T09:00:00Z');
const DAY = 86_400_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

/**
 * A team schedule's occurrences (issue #17): the worker writes its Jobs and run rows into the
 * schedule's workspace, with the schedule's creator as `user_id` (materialized, missed by a
 * catch-up, skipped: every statement that writes a row).
 */
describe("the worker copies the schedule's workspace onto its Jobs and runs", () => {
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

  const workspace = () => `team:workers-${newUserId()}`;
  const ownersOf = async (scheduleId: string) => ({
    jobs: (await ds.getRepository(Job).find({ where: { scheduledJobId: scheduleId } })).map((j) => [j.userId, j.workspaceId]),
    runs: (await ds.getRepository(ScheduleRun).find({ where: { scheduledJobId: scheduleId }, order: { occurrenceAt: 'ASC' } })).map((r) => [
      r.outcome,
      r.userId,
      r.workspaceId,
    ]),
  });

  it('when a team schedule fires after days away, then its Job and every run row (missed, materialized) are in the workspace, by its creator', async () => {
    const creator = newUserId();
    const team = workspace();
    const schedule = await insertSchedule(ds, { userId: creator, workspaceId: team, misfireGraceSeconds: 3600 });
    clock = at(2 * DAY + 1000);
    const result = await service.materialize(schedule.id, 1, at(2 * DAY));
    expect(result).toMatchObject({ outcome: 'materialized', missedRecorded: 2 });
    expect(result.job?.userId).toBe(creator);
    expect(await ownersOf(schedule.id)).toEqual({
      jobs: [[creator, team]],
      runs: [
        ['missed', creator, team],
        ['missed', creator, team],
        ['materialized', creator, team],
      ],
    });
  });

  it("when a team schedule's campaign is paused, then the skipped run is in the workspace", async () => {
    const creator = newUserId();
    const team = workspace();
    const campaign = await insertCampaign(ds, { userId: creator, workspaceId: team, status: 'paused' });
    const schedule = await insertSchedule(ds, { userId: creator, workspaceId: team, campaignId: campaign.id });
    clock = at(1000);
    expect((await service.materialize(schedule.id, 1, T0)).outcome).toBe('skipped');
    expect(await ownersOf(schedule.id)).toEqual({ jobs: [], runs: [['skipped', creator, team]] });
  });
});
