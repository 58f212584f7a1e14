import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { Job, ScheduledJob, ScheduleRun } from '@scheduler/entities';
import { MaterializeService } from '../src/materialize.service';
import { insertCampaign, insertSchedule, insertTemplate, newUserId, openDataSource } from './helpers';

const T0 = new Date('2030-01-01T09:00:00Z');
const DAY = 86_400_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

describe('materializing an occurrence', () => {
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
  beforeEach(() => {
    clock = at(1500); // 1.5 s after the occurrence
  });

  const reload = (id: string) => ds.getRepository(ScheduledJob).findOneByOrFail({ id });
  const runsOf = (id: string) => ds.getRepository(ScheduleRun).find({ where: { scheduledJobId: id }, order: { occurrenceAt: 'ASC' } });
  const jobsOf = (id: string) => ds.getRepository(Job).find({ where: { scheduledJobId: id } });

  it('when a daily occurrence is due, then one Job is created with the template merged under job_config, and the counters advance', async () => {
    const userId = newUserId();
    const template = await insertTemplate(ds, {
      userId,
      publisherDomain: 'forbes.com',
      llmProvider: 'anthropic',
      writingStrategy: 'expert',
      country: 'us',
    });
    const schedule = await insertSchedule(ds, {
      userId,
      templateId: template.id,
      jobConfig: { country: 'gb', target_url: 'https://x.test' },
    });
    const result = await service.materialize(schedule.id, 1, T0);
    expect(result.outcome).toBe('materialized');
    expect(result.duplicate).toBeFalsy();
    const [job] = await jobsOf(schedule.id);
    expect(job).toMatchObject({
      id: result.job!.id,
      userId,
      templateId: template.id,
      status: 'pending',
      publisherDomain: 'forbes.com',
      llmProvider: 'anthropic',
      writingStrategy: 'expert',
      country: 'gb',
    });
    expect(job.scheduledFor?.toISOString()).toBe(T0.toISOString());
    expect(job.config).toMatchObject({ publisher_domain: 'forbes.com', country: 'gb', target_url: 'https://x.test' });
    const after = await reload(schedule.id);
    expect(after).toMatchObject({ runCount: 1, status: 'active', consecutiveErrors: 0 });
    expect(after.lastRunAt?.toISOString()).toBe(T0.toISOString());
    expect(after.nextRunAt?.toISOString()).toBe(at(DAY).toISOString());
    const runs = await runsOf(schedule.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ outcome: 'materialized', jobId: job.id });
  });

  it('when a daily occurrence without a template is due, then it costs five round trips: begin, lock-and-read, the skips and blackouts (read after the lock, in one statement), write (with its job.created outbox event), commit', async () => {
    const schedule = await insertSchedule(ds, { userId: newUserId() });
    const sent: string[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- applied below with the spied client as `this`
    const query = Client.prototype.query;
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      sent.push(
        String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text)
          .trim()
          .split(/\s+/)
          .slice(0, 3)
          .join(' '),
      );
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    });
    try {
      expect((await service.materialize(schedule.id, 1, T0)).outcome).toBe('materialized');
    } finally {
      spy.mockRestore();
    }
    // A single occurrence is a batch of one: the lock, the planning read and the write unnest one row each.
    expect(sent).toEqual(['START TRANSACTION', 'SELECT w.idx::integer AS', 'SELECT k.idx::integer AS', 'WITH v AS', 'COMMIT']);
    // The write carried the Job's event.
    const [job] = await jobsOf(schedule.id);
    const events = await ds.query(`SELECT type, payload FROM outbox_events WHERE workspace_id = $1`, [schedule.workspaceId]);
    expect(events).toEqual([
      {
        type: 'job.created',
        payload: { job_id: job.id, status: 'pending', schedule_id: schedule.id, campaign_id: null, scheduled_for: T0.toISOString() },
      },
    ]);
  });

  it('when the same occurrence is delivered again, then no second job.created is written', async () => {
    const schedule = await insertSchedule(ds, { userId: newUserId() });
    await service.materialize(schedule.id, 1, T0);
    await service.materialize(schedule.id, 1, T0);
    const events = await ds.query(`SELECT type FROM outbox_events WHERE workspace_id = $1`, [schedule.workspaceId]);
    expect(events).toEqual([{ type: 'job.created' }]);
  });

  it('when the same occurrence is delivered again, then no second Job is made and the same Job is handed on', async () => {
    const userId = newUserId();
    const schedule = await insertSchedule(ds, { userId });
    const first = await service.materialize(schedule.id, 1, T0);
    const second = await service.materialize(schedule.id, 1, T0);
    expect(second.duplicate).toBe(true);
    expect(second.job?.id).toBe(first.job?.id);
    expect(await jobsOf(schedule.id)).toHaveLength(1);
    expect((await reload(schedule.id)).runCount).toBe(1);
  });

  it('when many deliveries of one occurrence race, then exactly one Job exists', async () => {
    const userId = newUserId();
    const schedule = await insertSchedule(ds, { userId });
    await Promise.all(Array.from({ length: 8 }, () => service.materialize(schedule.id, 1, T0)));
    expect(await jobsOf(schedule.id)).toHaveLength(1);
    expect((await reload(schedule.id)).runCount).toBe(1);
  });

  it('when a once schedule fires, then it becomes completed with next_run_at null', async () => {
    const schedule = await insertSchedule(ds, { userId: newUserId(), scheduleType: 'once' });
    const result = await service.materialize(schedule.id, 1, T0);
    expect(result.outcome).toBe('materialized');
    expect(result.removeScheduler).toBe(true);
    expect(await reload(schedule.id)).toMatchObject({ status: 'completed', nextRunAt: null, runCount: 1 });
  });

  it('when the last of max_runs fires, then the schedule is completed', async () => {
    const schedule = await insertSchedule(ds, { userId: newUserId(), maxRuns: 2, runCount: 1 });
    const result = await service.materialize(schedule.id, 1, T0);
    expect(result.outcome).toBe('materialized');
    expect(await reload(schedule.id)).toMatchObject({ status: 'completed', nextRunAt: null, runCount: 2 });
  });

  it('when the run reaches the end date, then the schedule is completed; an occurrence past it expires the schedule', async () => {
    const ending = await insertSchedule(ds, { userId: newUserId(), recurrenceEndDate: at(DAY / 2) });
    await service.materialize(ending.id, 1, T0);
    expect(await reload(ending.id)).toMatchObject({ status: 'completed', nextRunAt: null });

    const late = await insertSchedule(ds, { userId: newUserId(), recurrenceEndDate: at(-1000), scheduledAt: at(-DAY) });
    clock = at(1000);
    const result = await service.materialize(late.id, 1, T0);
    expect(result.outcome).toBe('skipped');
    expect(await reload(late.id)).toMatchObject({ status: 'expired', nextRunAt: null });
    expect(await jobsOf(late.id)).toHaveLength(0);
  });

  it('when the occurrence is processed within grace, then it fires late, once', async () => {
    const schedule = await insertSchedule(ds, { userId: newUserId(), misfireGraceSeconds: 600 });
    clock = at(599_000);
    const result = await service.materialize(schedule.id, 1, T0);
    expect(result.outcome).toBe('materialized');
    expect((await reload(schedule.id)).nextRunAt?.toISOString()).toBe(at(DAY).toISOString());
  });

  it('when the occurrence is processed after grace, then it is recorded as missed and no Job is made; the time of day does not drift', async () => {
    const schedule = await insertSchedule(ds, { userId: newUserId(), misfireGraceSeconds: 600 });
    clock = at(601_000);
    const result = await service.materialize(schedule.id, 1, T0);
    expect(result.outcome).toBe('missed');
    expect(await jobsOf(schedule.id)).toHaveLength(0);
    const after = await reload(schedule.id);
    expect(after.runCount).toBe(0);
    expect(after.nextRunAt?.toISOString()).toBe(at(DAY).toISOString());
    expect((await runsOf(schedule.id)).map((r) => r.outcome)).toEqual(['missed']);
  });

  it('when the worker was away for days, then the occurrences in between are recorded as missed and the next run keeps its time of day', async () => {
    const schedule = await insertSchedule(ds, { userId: newUserId(), misfireGraceSeconds: 3600 });
    clock = at(3 * DAY + 1000); // three days later, one second after that day's occurrence
    const result = await service.materialize(schedule.id, 1, at(3 * DAY));
    expect(result.outcome).toBe('materialized');
    expect(result.missedRecorded).toBe(3);
    const runs = await runsOf(schedule.id);
    expect(runs.map((r) => r.outcome)).toEqual(['missed', 'missed', 'missed', 'materialized']);
    expect((await reload(schedule.id)).nextRunAt?.toISOString()).toBe(at(4 * DAY).toISOString());
  });

  it('when the campaign is paused, then the occurrence is skipped and the schedule stays active; when it is active again, runs resume', async () => {
    const userId = newUserId();
    const campaign = await insertCampaign(ds, { userId, status: 'paused' });
    const schedule = await insertSchedule(ds, { userId, campaignId: campaign.id });
    const skipped = await service.materialize(schedule.id, 1, T0);
    expect(skipped).toMatchObject({ outcome: 'skipped', reason: 'campaign paused' });
    expect(await jobsOf(schedule.id)).toHaveLength(0);
    expect(await reload(schedule.id)).toMatchObject({ status: 'active' });
    await ds.getRepository('Campaign').update({ id: campaign.id }, { status: 'active' });
    clock = at(DAY + 1000);
    expect((await service.materialize(schedule.id, 1, at(DAY))).outcome).toBe('materialized');
  });

  it('when the campaign is archived or its end date has passed, then the schedule expires', async () => {
    const userId = newUserId();
    const archived = await insertCampaign(ds, { userId, status: 'archived' });
    const s1 = await insertSchedule(ds, { userId, campaignId: archived.id });
    expect((await service.materialize(s1.id, 1, T0)).removeScheduler).toBe(true);
    expect(await reload(s1.id)).toMatchObject({ status: 'expired' });
    const ended = await insertCampaign(ds, { userId, endDate: at(-1000) });
    const s2 = await insertSchedule(ds, { userId, campaignId: ended.id });
    await service.materialize(s2.id, 1, T0);
    expect(await reload(s2.id)).toMatchObject({ status: 'expired', nextRunAt: null });
  });

  it('when an occurrence falls before the campaign start, then it is skipped', async () => {
    const userId = newUserId();
    const campaign = await insertCampaign(ds, { userId, startDate: at(DAY / 2) });
    const schedule = await insertSchedule(ds, { userId, campaignId: campaign.id });
    expect(await service.materialize(schedule.id, 1, T0)).toMatchObject({ outcome: 'skipped', reason: 'before campaign start_date' });
  });

  it('when the merged config lacks publisher_domain, then the run fails and counts; after 5 in a row the schedule is in error', async () => {
    const schedule = await insertSchedule(ds, { userId: newUserId(), jobConfig: { country: 'us' } });
    for (let i = 0; i < 4; i++) {
      clock = at(i * DAY + 1000);
      const result = await service.materialize(schedule.id, 1, at(i * DAY));
      expect(result.outcome).toBe('failed');
      expect(result.removeScheduler).toBe(false);
    }
    expect(await reload(schedule.id)).toMatchObject({ status: 'active', errorCount: 4, consecutiveErrors: 4 });
    clock = at(4 * DAY + 1000);
    const fifth = await service.materialize(schedule.id, 1, at(4 * DAY));
    expect(fifth.removeScheduler).toBe(true);
    const after = await reload(schedule.id);
    expect(after).toMatchObject({ status: 'error', errorCount: 5, nextRunAt: null });
    expect(after.lastError).toMatch(/publisher_domain/);
    expect((await runsOf(schedule.id)).every((r) => r.outcome === 'failed')).toBe(true);
  });

  it('when a run succeeds after failures, then the consecutive count resets but error_count stays', async () => {
    const schedule = await insertSchedule(ds, { userId: newUserId(), jobConfig: {} });
    await service.materialize(schedule.id, 1, T0);
    await ds.getRepository(ScheduledJob).update({ id: schedule.id }, { jobConfig: { publisher_domain: 'forbes.com' } });
    clock = at(DAY + 1000);
    expect((await service.materialize(schedule.id, 1, at(DAY))).outcome).toBe('materialized');
    expect(await reload(schedule.id)).toMatchObject({ errorCount: 1, consecutiveErrors: 0, runCount: 1 });
  });

  it('when the occurrence was written for an older rule that no longer fires then, then it is ignored', async () => {
    // The rule moved from 09:00 to 10:00; an old 09:00 occurrence arrives.
    const schedule = await insertSchedule(ds, { userId: newUserId(), version: 3, scheduledAt: at(3_600_000), nextRunAt: at(3_600_000) });
    expect((await service.materialize(schedule.id, 2, T0)).outcome).toBe('ignored');
    expect(await jobsOf(schedule.id)).toHaveLength(0);
  });

  it('when an older version arrives at an instant the current rule still fires (config change only), then it materializes with the current config', async () => {
    const schedule = await insertSchedule(ds, { userId: newUserId(), version: 3, jobConfig: { publisher_domain: 'new.example.com' } });
    const result = await service.materialize(schedule.id, 2, T0);
    expect(result.outcome).toBe('materialized');
    const [job] = await jobsOf(schedule.id);
    expect(job.publisherDomain).toBe('new.example.com');
  });

  it('when the schedule is paused or deleted, then nothing is materialized', async () => {
    const paused = await insertSchedule(ds, { userId: newUserId(), status: 'paused', nextRunAt: null });
    expect((await service.materialize(paused.id, 1, T0)).outcome).toBe('skipped');
    expect(await jobsOf(paused.id)).toHaveLength(0);
    const gone = await service.materialize('00000000-0000-4000-8000-000000000000', 1, T0);
    expect(gone).toMatchObject({ outcome: 'ignored', removeScheduler: true });
  });
});
