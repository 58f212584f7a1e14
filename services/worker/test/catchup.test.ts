/**
 * Misfire catch-up in the worker: the materializer with an injected clock (each catch-up policy,
 * redelivery, races, the hand-over of catch-up Jobs, the reconciler's catch-up), and the issue's
 * scenario end to end with a real worker process stopped and restarted.
 */
import { randomUUID } from 'node:crypto';
import type { Job as QueueJob, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { CatchupPolicy, Job, MISSED_REASONS, ScheduledJob, ScheduleRun } from '@scheduler/entities';
import {
  ContentJobPayload,
  createContentQueue,
  createOccurrenceQueue,
  createRedis,
  OccurrencePayload,
  syncScheduler,
} from '@scheduler/queue';
import { parseSchedule } from '@scheduler/recurrence';
import { createLogger, createRegistry, workerMetrics } from '@scheduler/telemetry';
import { MaterializeService } from '../src/materialize.service';
import { createOccurrenceProcessor } from '../src/occurrence.processor';
import { Reconciler } from '../src/reconciler';
import {
  deleteKeysUnder,
  insertSchedule,
  newUserId,
  openDataSource,
  pollUntil,
  signalAndWait,
  sleep,
  TEST_REDIS_URL,
  waitUntilUp,
  wholeSecondAhead,
  WorkerProcesses,
} from '@scheduler/testkit';

const SECOND = 1000;
const T0 = new Date('2030-01-01T09:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
const silent = createLogger('silent', 'test');

/** A cron schedule firing every second, that last ran at T0 and waits for T0 + 1 s. */
const everySecond = (userId: string, fields: Partial<ScheduledJob> = {}) => ({
  userId,
  scheduleType: 'cron',
  recurrencePattern: '* * * * * *',
  scheduledAt: T0,
  misfireGraceSeconds: 5,
  runCount: 1,
  lastRunAt: T0,
  nextRunAt: at(SECOND),
  ...fields,
});

describe('catching up an outage in the materializer (injected clock)', () => {
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
  const jobsOf = (id: string) => ds.getRepository(Job).find({ where: { scheduledJobId: id }, order: { scheduledFor: 'ASC' } });
  const seconds = (dates: (Date | null)[]) => dates.map((d) => (d!.getTime() - T0.getTime()) / SECOND);
  // The worker stopped after T0 and is back 9 s later: it takes the waiting T0 + 1 s at T0 + 10.059 s.
  const backAt = at(10 * SECOND + 59);

  it('when a schedule with the default policy is processed after a 9 s outage with 5 s grace, then the most recent occurrence within grace fires once and the rest are missed', async () => {
    const schedule = await insertSchedule(ds, everySecond(newUserId()));
    clock = backAt;
    const result = await service.materialize(schedule.id, 1, at(SECOND));
    expect(result).toMatchObject({ outcome: 'missed', missedRecorded: 8, removeScheduler: false });
    const jobs = await jobsOf(schedule.id);
    expect(seconds(jobs.map((j) => j.scheduledFor))).toEqual([10]);
    expect(result.caughtUp?.map((j) => j.id)).toEqual([jobs[0].id]);
    const runs = await runsOf(schedule.id);
    expect(runs.map((r) => [seconds([r.occurrenceAt])[0], r.outcome])).toEqual([
      [1, 'missed'],
      [2, 'missed'],
      [3, 'missed'],
      [4, 'missed'],
      [5, 'missed'],
      [6, 'missed'],
      [7, 'missed'],
      [8, 'missed'],
      [9, 'missed'],
      [10, 'materialized'],
    ]);
    expect(runs[0].reason).toBe('processed 9s late, grace is 5s');
    expect(runs[8].reason).toBe(MISSED_REASONS.superseded);
    expect(runs[9].jobId).toBe(jobs[0].id);
    const after = await reload(schedule.id);
    expect(after).toMatchObject({ status: 'active', runCount: 2, catchupPolicy: 'latest' });
    expect(iso(after.lastRunAt)).toBe(iso(at(10 * SECOND)));
    // The time of day does not drift: the next run is the rule's next second.
    expect(iso(after.nextRunAt)).toBe(iso(at(11 * SECOND)));
    // Not handed over yet: the processor does that after the commit, and marks it.
    expect(jobs[0].queuedAt).toBeNull();
  });

  it('when the policy is all, then every occurrence within grace becomes its own Job, in order, and those past grace are missed', async () => {
    const schedule = await insertSchedule(ds, everySecond(newUserId(), { catchupPolicy: 'all' }));
    clock = backAt;
    const result = await service.materialize(schedule.id, 1, at(SECOND));
    expect(result.outcome).toBe('missed');
    const jobs = await jobsOf(schedule.id);
    expect(seconds(jobs.map((j) => j.scheduledFor))).toEqual([6, 7, 8, 9, 10]);
    expect(result.caughtUp?.map((j) => iso(j.occurrence))).toEqual(jobs.map((j) => iso(j.scheduledFor)));
    const runs = await runsOf(schedule.id);
    expect(runs.filter((r) => r.outcome === 'missed').map((r) => seconds([r.occurrenceAt])[0])).toEqual([1, 2, 3, 4, 5]);
    expect(await reload(schedule.id)).toMatchObject({ runCount: 6 });
  });

  it('when the policy is none, then nothing of the outage fires and every occurrence is missed', async () => {
    const schedule = await insertSchedule(ds, everySecond(newUserId(), { catchupPolicy: 'none' }));
    clock = backAt;
    const result = await service.materialize(schedule.id, 1, at(SECOND));
    expect(result).toMatchObject({ outcome: 'missed', missedRecorded: 9 });
    expect(result.caughtUp).toBeUndefined();
    expect(await jobsOf(schedule.id)).toHaveLength(0);
    expect((await runsOf(schedule.id)).map((r) => r.outcome)).toEqual(Array(10).fill('missed'));
    expect(iso((await reload(schedule.id)).nextRunAt)).toBe(iso(at(11 * SECOND)));
  });

  it.each<CatchupPolicy>(['latest', 'all', 'none'])(
    'when the policy is %s and the next occurrence is processed on time after the catch-up, then it fires as usual',
    async (policy) => {
      const schedule = await insertSchedule(ds, everySecond(newUserId(), { catchupPolicy: policy }));
      clock = backAt;
      await service.materialize(schedule.id, 1, at(SECOND));
      clock = at(11 * SECOND + 20);
      const next = await service.materialize(schedule.id, 1, at(11 * SECOND));
      expect(next.outcome).toBe('materialized');
      expect(next.caughtUp).toBeUndefined();
    },
  );

  it('when the occurrence taken at restart is delivered again (a crash after the commit), then no Job is made twice and nothing older fires', async () => {
    const schedule = await insertSchedule(ds, everySecond(newUserId(), { catchupPolicy: 'all' }));
    clock = backAt;
    await service.materialize(schedule.id, 1, at(SECOND));
    const before = await jobsOf(schedule.id);
    clock = at(10 * SECOND + 800);
    const again = await service.materialize(schedule.id, 1, at(SECOND));
    expect(again).toMatchObject({ outcome: 'missed', reason: MISSED_REASONS.alreadyPast });
    expect(again.caughtUp).toBeUndefined();
    expect((await jobsOf(schedule.id)).map((j) => j.id)).toEqual(before.map((j) => j.id));
    expect(await reload(schedule.id)).toMatchObject({ runCount: 6 });
  });

  it('when many deliveries of the late occurrence race, then the catch-up happens once', async () => {
    const schedule = await insertSchedule(ds, everySecond(newUserId(), { catchupPolicy: 'all' }));
    clock = backAt;
    await Promise.all(Array.from({ length: 6 }, () => service.materialize(schedule.id, 1, at(SECOND))));
    expect(seconds((await jobsOf(schedule.id)).map((j) => j.scheduledFor))).toEqual([6, 7, 8, 9, 10]);
    expect(await reload(schedule.id)).toMatchObject({ runCount: 6 });
  });

  it('when the processed occurrence itself is the most recent within grace, then it is the Job (handed on by a redelivery) and the older ones are missed', async () => {
    const schedule = await insertSchedule(ds, everySecond(newUserId()));
    clock = at(3 * SECOND + 400);
    const result = await service.materialize(schedule.id, 1, at(3 * SECOND));
    expect(result).toMatchObject({ outcome: 'materialized', missedRecorded: 2 });
    expect(result.caughtUp).toBeUndefined();
    const [job] = await jobsOf(schedule.id);
    expect(job.id).toBe(result.job?.id);
    expect(job.queuedAt).not.toBeNull();
  });
});

describe('handing over catch-up Jobs, and the reconciler catching up', () => {
  let ds: DataSource;
  let redis: Redis;
  let prefix: string;
  let occurrenceQueue: Queue<OccurrencePayload>;
  let contentQueue: Queue<ContentJobPayload>;
  beforeAll(async () => {
    ds = await openDataSource();
    redis = createRedis(TEST_REDIS_URL);
  });
  beforeEach(() => {
    prefix = `test-${randomUUID().slice(0, 8)}`;
    occurrenceQueue = createOccurrenceQueue({ connection: redis, prefix });
    contentQueue = createContentQueue({ connection: redis, prefix });
  });
  afterEach(async () => {
    await occurrenceQueue.obliterate({ force: true });
    await contentQueue.obliterate({ force: true });
    await occurrenceQueue.close();
    await contentQueue.close();
  });
  afterAll(async () => {
    await redis.quit();
    await ds.destroy();
  });

  const processorAt = (clock: () => Date, content = contentQueue) =>
    createOccurrenceProcessor({
      materialize: new MaterializeService(ds, clock),
      occurrenceQueue,
      contentQueue: content,
      logger: silent,
      metrics: workerMetrics(createRegistry('worker')),
      now: clock,
    });
  const asJob = (schedule: ScheduledJob, occurrence: Date) =>
    ({
      id: `repeat:${schedule.id}:${occurrence.getTime()}`,
      data: { schedule_id: schedule.id, version: schedule.version },
    }) as QueueJob<OccurrencePayload>;

  it('when the catch-up fires other occurrences, then each Job is handed to the content queue (with its workspace) and marked queued', async () => {
    const schedule = await insertSchedule(ds, everySecond(newUserId(), { catchupPolicy: 'all' }));
    const process = processorAt(() => at(3 * SECOND + 100));
    await expect(process(asJob(schedule, at(SECOND)))).resolves.toBe('materialized');
    const jobs = await ds.getRepository(Job).find({ where: { scheduledJobId: schedule.id } });
    expect(jobs).toHaveLength(3);
    expect(jobs.every((j) => j.queuedAt !== null)).toBe(true);
    for (const job of jobs)
      expect((await contentQueue.getJob(job.id))?.data).toEqual({
        job_id: job.id,
        user_id: schedule.userId,
        workspace_id: schedule.workspaceId,
        scheduled_job_id: schedule.id,
        campaign_id: null,
      });
  });

  it('when handing over a catch-up Job fails after the commit, then the occurrence completes and the reconciler hands the Job over later', async () => {
    const connection = createRedis(TEST_REDIS_URL);
    const brokenContent = createContentQueue({ connection, prefix });
    brokenContent.on('error', () => undefined);
    await brokenContent.waitUntilReady();
    connection.disconnect();
    const schedule = await insertSchedule(ds, everySecond(newUserId()));
    try {
      await expect(processorAt(() => backAtClock(), brokenContent)(asJob(schedule, at(SECOND)))).resolves.toBe('missed');
    } finally {
      await brokenContent.close().catch(() => undefined);
    }
    const [job] = await ds.getRepository(Job).find({ where: { scheduledJobId: schedule.id } });
    expect(job.queuedAt).toBeNull();
    const report = await new Reconciler(
      ds,
      occurrenceQueue,
      contentQueue,
      silent,
      undefined,
      () => new Date(Date.now() + 60_000),
    ).reconcile();
    expect(report.jobs_handed_over).toBeGreaterThanOrEqual(1);
    expect((await contentQueue.getJob(job.id))?.data.job_id).toBe(job.id);
    expect((await ds.getRepository(Job).findOneByOrFail({ id: job.id })).queuedAt).not.toBeNull();
  });
  const backAtClock = () => at(10 * SECOND + 59);

  it.each<[CatchupPolicy, number[]]>([
    ['latest', [20]],
    ['all', [16, 17, 18, 19, 20]],
    ['none', []],
  ])(
    "when Redis lost an overdue occurrence and the policy is %s, then the reconciler's catch-up fires what the policy says",
    async (policy, fired) => {
      const schedule = await insertSchedule(ds, everySecond(newUserId(), { catchupPolicy: policy }));
      const rule = parseSchedule({ schedule_type: 'cron', recurrence_pattern: '* * * * * *', scheduled_at: T0, timezone: 'UTC' });
      if (!rule.ok) throw new Error('rule');
      // The scheduler is there (as after a reconcile), but the occurrence PostgreSQL expects is gone.
      await syncScheduler(occurrenceQueue, { id: schedule.id, version: 1, rule: rule.rule });
      const clock = () => at(20 * SECOND + 300);
      const report = await new Reconciler(ds, occurrenceQueue, contentQueue, silent, undefined, clock).reconcile();
      expect(report.recreated_overdue).toBeGreaterThanOrEqual(1);
      const queued = await occurrenceQueue.getJob(`catchup:${schedule.id}:${at(SECOND).getTime()}`);
      expect(queued).toBeDefined();
      await processorAt(clock)(queued as QueueJob<OccurrencePayload>);
      const jobs = await ds.getRepository(Job).find({ where: { scheduledJobId: schedule.id }, order: { scheduledFor: 'ASC' } });
      expect(jobs.map((j) => (j.scheduledFor!.getTime() - T0.getTime()) / SECOND)).toEqual(fired);
      expect(iso((await ds.getRepository(ScheduledJob).findOneByOrFail({ id: schedule.id })).nextRunAt)).toBe(iso(at(21 * SECOND)));
    },
  );
});

describe('a real worker process stopped and restarted (cron every second, grace 3 s)', () => {
  const GRACE = 3;
  let ds: DataSource;
  let redis: Redis;
  const procs = new WorkerProcesses();
  const prefix = `faults-${randomUUID().slice(0, 8)}`;
  let userId: string;
  let queue: Queue<OccurrencePayload>;
  beforeAll(async () => {
    ds = await openDataSource();
    redis = createRedis(TEST_REDIS_URL);
    queue = createOccurrenceQueue({ connection: redis, prefix });
  });
  afterAll(async () => {
    await procs.killAll();
    procs.dispose();
    if (userId) {
      await ds.query('DELETE FROM jobs WHERE user_id = $1', [userId]);
      await ds.query('DELETE FROM scheduled_jobs WHERE user_id = $1', [userId]);
    }
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
    await ds.destroy();
  });

  it('when the worker is away longer than grace, then on its return each schedule fires what its catch-up policy says of the outage, once, and goes on firing every second', async () => {
    userId = newUserId();
    const env = { QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', RECONCILE_INTERVAL_SECONDS: '60' };
    const first = procs.spawn('before', env);
    await waitUntilUp(redis, prefix, first);

    const start = wholeSecondAhead(1_000);
    const parsed = parseSchedule({ schedule_type: 'cron', recurrence_pattern: '* * * * * *', scheduled_at: start, timezone: 'UTC' });
    if (!parsed.ok) throw new Error('rule');
    const policies: CatchupPolicy[] = ['latest', 'all', 'none'];
    const schedules = new Map<CatchupPolicy, ScheduledJob>();
    for (const policy of policies) {
      const s = await insertSchedule(ds, {
        userId,
        name: `catch-up ${policy}`,
        scheduleType: 'cron',
        recurrencePattern: '* * * * * *',
        scheduledAt: start,
        recurrenceRule: parsed.rule,
        misfireGraceSeconds: GRACE,
        catchupPolicy: policy,
        nextRunAt: start,
      });
      await syncScheduler(queue, { id: s.id, version: s.version, rule: parsed.rule });
      schedules.set(policy, s);
    }
    const jobCount = async () => (await ds.query('SELECT count(*)::int AS n FROM jobs WHERE user_id = $1', [userId]))[0].n as number;
    await pollUntil(jobCount, (n) => n >= 6, 10_000);

    // Away for about twice the grace: the scheduler's next occurrence waits in Redis meanwhile.
    expect((await signalAndWait(first, 'SIGTERM', 10_000))?.code).toBe(0);
    const stoppedAt = Date.now();
    await sleep(2 * GRACE * SECOND);
    const second = procs.spawn('after', env);
    await waitUntilUp(redis, prefix, second);
    await sleep(3_000);
    expect((await signalAndWait(second, 'SIGTERM', 10_000))?.code).toBe(0);

    for (const policy of policies) {
      const id = schedules.get(policy)!.id;
      const runs: { at: Date; outcome: string; processed: Date; reason: string | null }[] = (
        await ds.query(
          'SELECT occurrence_at AS at, outcome, processed_at AS processed, reason FROM schedule_runs WHERE scheduled_job_id = $1 ORDER BY occurrence_at',
          [id],
        )
      ).map((r: { at: Date; outcome: string; processed: Date; reason: string | null }) => r);
      const jobs: { at: Date; n: number }[] = await ds.query(
        'SELECT scheduled_for AS at, count(*)::int AS n FROM jobs WHERE scheduled_job_id = $1 GROUP BY 1 ORDER BY 1',
        [id],
      );
      // Never two Jobs for one occurrence; every occurrence of the run is in the history once.
      expect(jobs.filter((j) => j.n > 1)).toEqual([]);
      for (let i = 1; i < runs.length; i++) expect(runs[i].at.getTime() - runs[i - 1].at.getTime()).toBe(SECOND);
      // The outage: the first occurrence after the last one fired before the stop. The worker
      // took it on its return and settled the backlog in that one transaction (same processed_at).
      const lastBefore = Math.max(
        ...runs.filter((r) => r.outcome === 'materialized' && r.at.getTime() < stoppedAt).map((r) => r.at.getTime()),
      );
      const first = runs.find((r) => r.at.getTime() > lastBefore)!;
      const backlog = runs.filter((r) => r.processed.getTime() === first.processed.getTime());
      const late = (r: { at: Date }) => (first.processed.getTime() - r.at.getTime()) / SECOND;
      const fired = backlog.filter((r) => r.outcome === 'materialized');
      const summary = `${policy}: backlog ${backlog.length} (${backlog.map((r) => `${late(r).toFixed(1)}s ${r.outcome}`).join(', ')})`;
      process.stdout.write(`[catchup] ${summary}\n`);
      expect(late(first)).toBeGreaterThan(GRACE);
      const withinGrace = backlog.filter((r) => late(r) <= GRACE);
      expect(withinGrace.length).toBeGreaterThanOrEqual(2);
      if (policy === 'latest') expect(fired.map((r) => iso(r.at))).toEqual([iso(backlog[backlog.length - 1].at)]);
      if (policy === 'all') expect(fired.map((r) => iso(r.at))).toEqual(withinGrace.map((r) => iso(r.at)));
      if (policy === 'none') expect(fired).toEqual([]);
      expect(backlog.filter((r) => r.outcome !== 'materialized').every((r) => r.outcome === 'missed')).toBe(true);
      // And then on time again: occurrences after the backlog were fired by the restarted worker.
      const after = runs.filter((r) => r.at.getTime() > backlog[backlog.length - 1].at.getTime());
      expect(after.filter((r) => r.outcome === 'materialized').length).toBeGreaterThanOrEqual(1);
    }
  }, 60_000);
});
