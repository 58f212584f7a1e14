/**
 * Shifted runs after an outage and after a Redis flush (the real processor and reconciler, real
 * PostgreSQL and Redis, an injected clock). A weekly schedule on Tuesdays with `shift` blackouts on
 * two Tuesdays: each moves to the Wednesday, an instant the rule does not fire at (so no scheduler
 * delivers it, only its delayed job). After an outage spanning both, the backlog of the late
 * nominal occurrence holds the shifted runs too and the catch-up policy applies to them; a delayed
 * shifted job lost in a flush of this test's own prefix is queued again by the reconciler before
 * it is due, once, and fires once.
 */
import type { Job as QueueJob, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { Blackout, CatchupPolicy, Job, ScheduledJob, ScheduleRun } from '@scheduler/entities';
import { ContentJobPayload, createRedis, OccurrencePayload, shiftedOccurrenceJobId } from '@scheduler/queue';
import { createLogger, createRegistry, workerMetrics } from '@scheduler/telemetry';
import {
  deleteKeysUnder,
  insertSchedule,
  newUserId,
  obliterateQueues,
  openDataSource,
  openQueues,
  PrefixQueues,
  TEST_REDIS_URL,
  uniqueName,
} from '@scheduler/testkit';
import { MaterializeService } from '../src/materialize.service';
import { createOccurrenceProcessor } from '../src/occurrence.processor';
import { Reconciler } from '../src/reconciler';

const T0 = new Date('2030-01-01T09:00:00Z'); // a Tuesday
const DAY = 86_400_000;
const at = (ms: number) => new Date(T0.getTime() + ms);
const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
const silent = createLogger('silent', 'test');

describe('shifted runs in a catch-up and after a Redis flush', () => {
  let ds: DataSource;
  let redis: Redis;
  let queues: PrefixQueues;
  let queue: Queue<OccurrencePayload>;
  let contentQueue: Queue<ContentJobPayload>;
  let clock: Date;
  let process: (job: QueueJob<OccurrencePayload>) => Promise<string>;
  beforeAll(async () => {
    ds = await openDataSource();
    redis = createRedis(TEST_REDIS_URL);
  });
  beforeEach(() => {
    queues = openQueues(redis, uniqueName('test'));
    ({ queue, contentQueue } = queues);
    process = createOccurrenceProcessor({
      materialize: new MaterializeService(ds, () => clock),
      occurrenceQueue: queue,
      contentQueue,
      logger: silent,
      metrics: workerMetrics(createRegistry('worker')),
      now: () => clock,
    });
  });
  afterEach(async () => {
    await obliterateQueues(queues);
    await deleteKeysUnder(redis, queues.prefix);
  });
  afterAll(async () => {
    await redis.quit();
    await ds.destroy();
  });

  const weekly = async (fields: Partial<ScheduledJob> = {}) => {
    const schedule = await insertSchedule(ds, {
      userId: newUserId(),
      scheduleType: 'weekly',
      recurrencePattern: 'weekly:tuesday',
      ...fields,
    });
    for (const day of ['2030-01-01', '2030-01-08']) {
      await ds.getRepository(Blackout).save(
        ds.getRepository(Blackout).create({
          userId: schedule.userId,
          workspaceId: schedule.workspaceId,
          name: `Freeze ${day}`,
          startDate: day,
          endDate: day,
          timezone: 'UTC',
          policy: 'shift',
        }),
      );
    }
    return schedule;
  };
  const nominal = (schedule: ScheduledJob, instant: Date) =>
    ({
      id: `repeat:${schedule.id}:${instant.getTime()}`,
      data: { schedule_id: schedule.id, version: schedule.version },
    }) as QueueJob<OccurrencePayload>;
  const runs = async (id: string) =>
    (await ds.getRepository(ScheduleRun).find({ where: { scheduledJobId: id }, order: { occurrenceAt: 'ASC' } })).map((r) => [
      r.occurrenceAt.toISOString(),
      r.outcome,
      r.reason,
    ]);
  const jobsOf = async (id: string) =>
    (await ds.getRepository(Job).find({ where: { scheduledJobId: id }, order: { scheduledFor: 'ASC' } })).map((j) => iso(j.scheduledFor));
  const reload = (id: string) => ds.getRepository(ScheduledJob).findOneByOrFail({ id });

  const outage = async (policy: CatchupPolicy) => {
    // Down from before T0 to Thursday of the second week; grace covers the whole outage.
    const schedule = await weekly({ catchupPolicy: policy, misfireGraceSeconds: 30 * 86_400 });
    clock = at(9 * DAY);
    return { schedule, outcome: await process(nominal(schedule, T0)) };
  };

  it('when an outage spans two shifted runs and the policy is all, then both shifted runs fire, oldest first, and both nominal ones are recorded shifted', async () => {
    const { schedule, outcome } = await outage('all');
    expect(outcome).toBe('skipped');
    expect(await jobsOf(schedule.id)).toEqual([iso(at(DAY)), iso(at(8 * DAY))]);
    expect(await runs(schedule.id)).toEqual([
      [iso(T0), 'skipped', `shifted to ${iso(at(DAY))} (blackout: Freeze 2030-01-01)`],
      [iso(at(DAY)), 'materialized', null],
      [iso(at(7 * DAY)), 'skipped', `shifted to ${iso(at(8 * DAY))} (blackout: Freeze 2030-01-08)`],
      [iso(at(8 * DAY)), 'materialized', null],
    ]);
    const after = await reload(schedule.id);
    expect(after).toMatchObject({ status: 'active', runCount: 2 });
    expect(iso(after.nextRunAt)).toBe(iso(at(14 * DAY)));
  });

  it('when an outage spans two shifted runs and the policy is latest, then only the latest shifted run fires and the earlier one is missed', async () => {
    const { schedule } = await outage('latest');
    expect(await jobsOf(schedule.id)).toEqual([iso(at(8 * DAY))]);
    const recorded = await runs(schedule.id);
    expect(recorded.map((r) => [r[0], r[1]])).toEqual([
      [iso(T0), 'skipped'],
      [iso(at(DAY)), 'missed'],
      [iso(at(7 * DAY)), 'skipped'],
      [iso(at(8 * DAY)), 'materialized'],
    ]);
    // A late delayed job of the earlier shifted run makes no Job afterwards.
    expect(
      await process({
        id: shiftedOccurrenceJobId(schedule.id, at(DAY)),
        data: { schedule_id: schedule.id, version: 1, occurrence_at: iso(at(DAY))!, shifted: true },
      } as QueueJob<OccurrencePayload>),
    ).not.toBe('materialized');
    expect(await jobsOf(schedule.id)).toEqual([iso(at(8 * DAY))]);
  });

  it('when Redis loses the delayed job of a shifted next run, then the reconciler queues it again before it is due, once, and it fires once', async () => {
    const schedule = await weekly();
    clock = at(1000);
    expect(await process(nominal(schedule, T0))).toBe('skipped');
    const shifted = at(DAY);
    expect(iso((await reload(schedule.id)).nextRunAt)).toBe(iso(shifted));
    const jobId = shiftedOccurrenceJobId(schedule.id, shifted);
    expect(await (await queue.getJob(jobId))?.getState()).toBe('delayed');

    // A flush of this test's own prefix (never FLUSHALL: the Redis is shared).
    expect(await deleteKeysUnder(redis, queues.prefix)).toBeGreaterThan(0);
    expect(await queue.getJob(jobId)).toBeUndefined();

    clock = at(2 * 3_600_000); // hours before the shifted run is due
    const reconciler = new Reconciler(ds, queue, contentQueue, silent, undefined, () => clock);
    const first = await reconciler.reconcile();
    expect(first.created).toBeGreaterThanOrEqual(1);
    const requeued = await queue.getJob(jobId);
    expect(requeued?.data).toEqual({ schedule_id: schedule.id, version: 1, occurrence_at: iso(shifted), shifted: true });
    expect(await requeued?.getState()).toBe('delayed');
    expect(requeued?.opts.delay).toBe(DAY - 2 * 3_600_000);
    // Another pass finds it there and writes nothing for it.
    await reconciler.reconcile();
    const again = await queue.getJob(jobId);
    expect(again?.timestamp).toBe(requeued?.timestamp);
    expect(await queue.getDelayedCount()).toBeGreaterThanOrEqual(1);

    clock = at(DAY + 1000);
    expect(await process(again!)).toBe('materialized');
    expect(await process(again!)).toBe('materialized'); // a redelivery: the same Job
    expect(await jobsOf(schedule.id)).toEqual([iso(shifted)]);
  });
});
