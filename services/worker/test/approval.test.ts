/**
 * The approval gate in the worker. In process: a gated occurrence writes its Job
 * `awaiting_approval` with its deadline and hands nothing to `content-jobs` (nor on a
 * redelivery, nor for catch-up Jobs); the reconciler's re-hand-over takes only pending Jobs (so
 * an approval whose hand-over failed is repaired, an awaiting Job never); the timeout sweep.
 * With real processes: three workers fire gated schedules (one awaiting Job per occurrence,
 * nothing on the real queue), a real API approves them all twice over (each handed over once),
 * and the sweep cancels the timed-out ones exactly once while three workers run.
 *
 * Needs the build (`npm run -s build`): the workers and the API run their `dist/main.js`.
 */
import type { ChildProcess } from 'node:child_process';
import type { Job as QueueJob, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import type { DataSource } from 'typeorm';
import { Campaign, Job, ScheduledJob } from '@scheduler/entities';
import { ContentJobPayload, createRedis, OccurrencePayload } from '@scheduler/queue';
import { createLogger, createRegistry, workerMetrics } from '@scheduler/telemetry';
import { MaterializeService } from '../src/materialize.service';
import { createOccurrenceProcessor } from '../src/occurrence.processor';
import { Reconciler } from '../src/reconciler';
import {
  cleanUpUsers,
  deleteKeysUnder,
  insertCampaign,
  insertJob,
  insertSchedule,
  insertSchedules,
  newUserId,
  obliterateQueues,
  openDataSource,
  openQueues,
  pollUntil,
  PrefixQueues,
  sleep,
  spawnApi,
  syncAll,
  TEST_JWT_SECRET,
  TEST_REDIS_URL,
  uniqueName,
  untilListening,
  waitUntilUp,
  wholeSecondAhead,
  WorkerProcesses,
} from '@scheduler/testkit';

const HOUR = 3_600_000;
const silent = createLogger('silent', 'test');
const T0 = new Date('2030-01-01T09:00:00Z');

let ds: DataSource;
let redis: Redis;
let users: string[] = [];
let prefixes: PrefixQueues[] = [];

beforeAll(async () => {
  ds = await openDataSource();
  redis = createRedis(TEST_REDIS_URL);
});
afterEach(async () => {
  for (const queues of prefixes) {
    await obliterateQueues(queues);
    await deleteKeysUnder(redis, queues.prefix);
  }
  prefixes = [];
  await cleanUpUsers(ds, users);
  users = [];
});
afterAll(async () => {
  await redis.quit();
  await ds.destroy();
});

function newUser(): string {
  const id = newUserId();
  users.push(id);
  return id;
}
function newQueues(): PrefixQueues {
  const queues = openQueues(redis, uniqueName('approval'));
  prefixes.push(queues);
  return queues;
}

/**
 * Content-jobs entries in any state, of `user` when given. (The reconciler of a worker process
 * hands over every pending unqueued Job in the database, so other suites' Jobs running at the
 * same time can land on this prefix's queue.)
 */
const contentEntries = async (contentQueue: Queue<ContentJobPayload>, user?: string) =>
  (await contentQueue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed'])).filter(
    (e) => user === undefined || e.data.user_id === user,
  );

describe('the gate in the materializer and the processor (in process)', () => {
  let queues: PrefixQueues;
  let clock: Date;
  const metrics = () => workerMetrics(createRegistry('worker'));
  beforeEach(() => {
    queues = newQueues();
  });

  const processor = (service: MaterializeService) =>
    createOccurrenceProcessor({
      materialize: service,
      occurrenceQueue: queues.queue,
      contentQueue: queues.contentQueue,
      logger: silent,
      metrics: metrics(),
      now: () => clock,
    });
  const delivery = (scheduleId: string, at: Date) =>
    ({ id: `repeat:${scheduleId}:${at.getTime()}`, data: { schedule_id: scheduleId, version: 1 } }) as QueueJob<OccurrencePayload>;
  const daily = (userId: string, fields: Partial<ScheduledJob> = {}) => ({
    userId,
    scheduleType: 'daily',
    scheduledAt: T0,
    nextRunAt: T0,
    jobConfig: { publisher_domain: 'example.com' },
    ...fields,
  });

  it.each([
    ['the schedule requires approval', { requiresApproval: true, approvalTimeoutHours: 6 }, {}, 6],
    ['its campaign requires approval', {}, { requiresApproval: true, approvalTimeoutHours: 12 }, 12],
    [
      "both do: the schedule's timeout wins",
      { requiresApproval: true, approvalTimeoutHours: 2 },
      { requiresApproval: true, approvalTimeoutHours: 12 },
      2,
    ],
    [
      "the campaign does and the schedule sets no timeout: the campaign's",
      { requiresApproval: false },
      { requiresApproval: true, approvalTimeoutHours: 3 },
      3,
    ],
    ['the schedule does, without any timeout', { requiresApproval: true }, {}, null],
  ] as [string, Partial<ScheduledJob>, Partial<Campaign>, number | null][])(
    'when %s, then the Job awaits approval with that deadline, is not handed over, and the run is recorded',
    async (_case, scheduleFields, campaignFields, hours) => {
      const user = newUser();
      const campaign = await insertCampaign(ds, { userId: user, ...campaignFields });
      const schedule = await insertSchedule(ds, daily(user, { campaignId: campaign.id, ...scheduleFields }));
      clock = new Date(T0.getTime() + 1000);
      const service = new MaterializeService(ds, () => clock);
      await expect(processor(service)(delivery(schedule.id, T0))).resolves.toBe('materialized');
      const [job] = await ds.getRepository(Job).findBy({ scheduledJobId: schedule.id });
      expect(job).toMatchObject({ status: 'awaiting_approval', queuedAt: null, decidedBy: null });
      if (hours === null) expect(job.approvalDeadline).toBeNull();
      else expect(job.approvalDeadline!.getTime() - job.createdAt.getTime()).toBe(hours * HOUR);
      const [run] = await ds.query('SELECT outcome, job_id FROM schedule_runs WHERE scheduled_job_id = $1', [schedule.id]);
      expect(run).toEqual({ outcome: 'materialized', job_id: job.id });
      expect(await ds.getRepository(ScheduledJob).findOneByOrFail({ id: schedule.id })).toMatchObject({ runCount: 1 });
      // A redelivery of the same occurrence finds the Job and still hands nothing over.
      await expect(processor(service)(delivery(schedule.id, T0))).resolves.toBe('materialized');
      expect(await ds.getRepository(Job).countBy({ scheduledJobId: schedule.id })).toBe(1);
      expect(await contentEntries(queues.contentQueue, user)).toEqual([]);
    },
  );

  it('when neither requires approval, then the Job is pending and handed over as before', async () => {
    const user = newUser();
    const schedule = await insertSchedule(ds, daily(user));
    clock = new Date(T0.getTime() + 1000);
    await processor(new MaterializeService(ds, () => clock))(delivery(schedule.id, T0));
    const [job] = await ds.getRepository(Job).findBy({ scheduledJobId: schedule.id });
    expect(job).toMatchObject({ status: 'pending', approvalDeadline: null });
    expect(job.queuedAt).not.toBeNull();
    expect((await contentEntries(queues.contentQueue, user)).map((e) => e.id)).toEqual([job.id]);
  });

  it('when a gated schedule catches up several missed occurrences (policy all), then each awaits approval and none is handed over', async () => {
    const user = newUser();
    const everySecond = {
      scheduleType: 'cron',
      recurrencePattern: '* * * * * *',
      misfireGraceSeconds: 5,
      catchupPolicy: 'all' as const,
      runCount: 1,
      lastRunAt: T0,
      nextRunAt: new Date(T0.getTime() + 1000),
    };
    const schedule = await insertSchedule(ds, daily(user, { ...everySecond, requiresApproval: true }));
    clock = new Date(T0.getTime() + 4_059);
    await processor(new MaterializeService(ds, () => clock))(delivery(schedule.id, new Date(T0.getTime() + 1000)));
    const jobs = await ds.getRepository(Job).findBy({ scheduledJobId: schedule.id });
    expect(jobs.length).toBeGreaterThanOrEqual(3);
    expect(jobs.every((j) => j.status === 'awaiting_approval' && j.queuedAt === null)).toBe(true);
    expect(await contentEntries(queues.contentQueue, user)).toEqual([]);
  });

  it("when a redelivery finds the occurrence's Job rejected or timed out, then it hands nothing over; an approved one is handed on", async () => {
    const user = newUser();
    const service = new MaterializeService(ds, () => clock);
    clock = new Date(T0.getTime() + 1000);
    const ids: Record<string, string> = {};
    for (const status of ['cancelled', 'pending'] as const) {
      const schedule = await insertSchedule(ds, daily(user, { requiresApproval: true }));
      await processor(service)(delivery(schedule.id, T0));
      const [job] = await ds.getRepository(Job).findBy({ scheduledJobId: schedule.id });
      await ds.getRepository(Job).update({ id: job.id }, { status });
      await processor(service)(delivery(schedule.id, T0));
      ids[status] = job.id;
    }
    expect((await contentEntries(queues.contentQueue, user)).map((e) => e.id)).toEqual([ids.pending]);
  });

  it('when the reconciler hands over unqueued Jobs, then it takes the pending ones (an approval whose hand-over failed), never awaiting ones', async () => {
    const user = newUser();
    const longAgo = new Date(Date.now() - HOUR);
    const awaiting = await insertJob(ds, { userId: user, status: 'awaiting_approval', createdAt: longAgo });
    const approved = await insertJob(ds, { userId: user, status: 'pending', decidedBy: user, decidedAt: new Date(), createdAt: longAgo });
    const later = () => new Date(Date.now() + 60_000);
    await new Reconciler(ds, queues.queue, queues.contentQueue, silent, undefined, later).reconcile();
    const handed = (await contentEntries(queues.contentQueue)).map((e) => e.id);
    expect(handed).toContain(approved.id);
    expect(handed).not.toContain(awaiting.id);
    expect((await ds.getRepository(Job).findOneByOrFail({ id: awaiting.id })).queuedAt).toBeNull();
    expect((await ds.getRepository(Job).findOneByOrFail({ id: approved.id })).queuedAt).not.toBeNull();
  });

  it('when awaiting Jobs pass their deadline, then the sweep cancels them with the reason, in chunks, and leaves the rest', async () => {
    const user = newUser();
    const now = Date.now();
    // 1 100 overdue (three chunks of 500), created 6 h before a deadline that passed an hour ago.
    await ds.query(
      `INSERT INTO jobs (user_id, workspace_id, status, created_at, approval_deadline)
       SELECT $1, 'user:' || $1, 'awaiting_approval', $2::timestamptz - interval '6 hours', $2 FROM generate_series(1, 1100)`,
      [user, new Date(now - HOUR)],
    );
    const future = await insertJob(ds, { userId: user, status: 'awaiting_approval', approvalDeadline: new Date(now + HOUR) });
    const never = await insertJob(ds, { userId: user, status: 'awaiting_approval' });
    const approved = await insertJob(ds, { userId: user, status: 'pending', approvalDeadline: new Date(now - HOUR) });
    const reconciler = new Reconciler(ds, queues.queue, queues.contentQueue, silent);
    expect(await reconciler.cancelTimedOutApprovals()).toBeGreaterThanOrEqual(1100);
    const counts: { status: string; status_reason: string | null; completed: boolean; n: number }[] = await ds.query(
      `SELECT status, status_reason, completed_at IS NOT NULL AS completed, count(*)::int AS n FROM jobs WHERE user_id = $1
        GROUP BY 1, 2, 3 ORDER BY 1, 4`,
      [user],
    );
    expect(counts).toEqual([
      { status: 'awaiting_approval', status_reason: null, completed: false, n: 2 },
      { status: 'cancelled', status_reason: 'approval timed out after 6 h', completed: true, n: 1100 },
      { status: 'pending', status_reason: null, completed: false, n: 1 },
    ]);
    const stillWaiting = await ds.getRepository(Job).findBy({ userId: user, status: 'awaiting_approval' });
    expect(stillWaiting.map((j) => j.id).sort()).toEqual([future.id, never.id].sort());
    expect((await ds.getRepository(Job).findOneByOrFail({ id: approved.id })).status).toBe('pending');
    expect(await reconciler.cancelTimedOutApprovals()).toBe(0);
  });
});

describe('gated schedules under three worker processes, approved through a real API', () => {
  const procs = new WorkerProcesses();
  let api: ChildProcess | null = null;
  afterEach(async () => {
    await procs.killAll();
    api?.kill('SIGKILL');
    api = null;
  });
  afterAll(() => procs.dispose());

  async function startApi(prefix: string): Promise<number> {
    api = spawnApi({
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      RATE_LIMIT_WRITES: '1000000',
      RATE_LIMIT_READS: '1000000',
      RATE_LIMIT_LISTS: '1000000',
    });
    return (await untilListening(api, 30_000)).port;
  }

  const startWorkers = async (prefix: string) => {
    const env = { QUEUE_PREFIX: prefix, LOG_LEVEL: 'debug', WORKER_CONCURRENCY: '10', RECONCILE_INTERVAL_SECONDS: '1' };
    const workers = ['w1', 'w2', 'w3'].map((name) => procs.spawn(name, env));
    await Promise.all(workers.map((w) => waitUntilUp(redis, prefix, w)));
    return workers;
  };

  it('when 60 gated schedules fire at once under 3 workers, then each makes one awaiting Job and nothing reaches content-jobs; approving each twice at once hands each over once', async () => {
    const { prefix, queue, contentQueue } = newQueues();
    const user = newUser();
    const workers = await startWorkers(prefix);
    const port = await startApi(prefix);

    const dueAt = wholeSecondAhead(3_000);
    const schedules = await insertSchedules(ds, user, 60, 'once', dueAt);
    // Half gated by their own flag (with a timeout), half by their campaign's.
    const campaign = await insertCampaign(ds, { userId: user, requiresApproval: true });
    const ids = schedules.map((s) => s.id);
    await ds.query('UPDATE scheduled_jobs SET requires_approval = true, approval_timeout_hours = 24 WHERE id = ANY($1)', [
      ids.slice(0, 30),
    ]);
    await ds.query('UPDATE scheduled_jobs SET campaign_id = $1 WHERE id = ANY($2)', [campaign.id, ids.slice(30)]);
    await syncAll(queue, schedules);

    const made = async () => (await ds.query('SELECT count(*)::int AS n FROM schedule_runs WHERE user_id = $1', [user]))[0].n as number;
    await pollUntil(made, (n) => n >= 60, dueAt.getTime() - Date.now() + 20_000);
    await sleep(2_500); // room for a duplicate, or a hand-over by a reconciler pass, to land were there one
    const jobs: { id: string; scheduled_job_id: string; status: string; deadline_h: number | null; queued: boolean }[] = await ds.query(
      `SELECT id, scheduled_job_id, status, extract(epoch FROM approval_deadline - created_at) / 3600 AS deadline_h,
              queued_at IS NOT NULL AS queued
         FROM jobs WHERE user_id = $1`,
      [user],
    );
    expect(jobs).toHaveLength(60);
    expect(new Set(jobs.map((j) => j.scheduled_job_id)).size).toBe(60);
    expect(jobs.filter((j) => j.status !== 'awaiting_approval' || j.queued)).toEqual([]);
    const deadlineOf = new Map(jobs.map((j) => [j.scheduled_job_id, j.deadline_h === null ? null : Number(j.deadline_h)]));
    expect(ids.slice(0, 30).map((id) => deadlineOf.get(id))).toEqual(Array(30).fill(24));
    expect(ids.slice(30).map((id) => deadlineOf.get(id))).toEqual(Array(30).fill(null));
    const runs: { outcome: string; with_job: boolean; n: number }[] = await ds.query(
      'SELECT outcome, job_id IS NOT NULL AS with_job, count(*)::int AS n FROM schedule_runs WHERE user_id = $1 GROUP BY 1, 2',
      [user],
    );
    expect(runs).toEqual([{ outcome: 'materialized', with_job: true, n: 60 }]);
    expect(await contentEntries(contentQueue, user)).toEqual([]);
    // The occurrences were really raced for by the three processes.
    const processedBy = workers.map((w) => w.lines.filter((l) => l.includes('"msg":"occurrence processed"')).length);
    expect(processedBy.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);

    // Every Job approved twice at the same time, as an approver.
    const token = jwt.sign({ roles: ['approver'] }, TEST_JWT_SECRET, { algorithm: 'HS256', subject: user, expiresIn: 600 });
    const approve = (id: string) =>
      fetch(`http://127.0.0.1:${port}/api/v1/jobs/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const statuses = await Promise.all(jobs.flatMap((j) => [approve(j.id), approve(j.id)]).map(async (r) => (await r).status));
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    expect(statuses.filter((s) => s === 409)).toHaveLength(60);
    await sleep(2_500); // reconciler passes of the three workers meanwhile
    const entries = await contentEntries(contentQueue, user);
    expect(entries.map((e) => e.id).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(entries.every((e) => jobs.some((j) => j.id === e.data.job_id))).toBe(true);
    const after: { status: string; queued: boolean; decided_by: string; n: number }[] = await ds.query(
      `SELECT status, queued_at IS NOT NULL AS queued, decided_by, count(*)::int AS n FROM jobs WHERE user_id = $1 GROUP BY 1, 2, 3`,
      [user],
    );
    expect(after).toEqual([{ status: 'pending', queued: true, decided_by: user, n: 60 }]);
  }, 90_000);

  it('when awaiting Jobs pass their deadline while 3 workers run, then each is cancelled once with the reason, and nothing else changes', async () => {
    const { prefix, contentQueue } = newQueues();
    const user = newUser();
    const now = Date.now();
    // 1 200 awaiting Jobs whose 2 h deadline passed a minute ago, and some that must stay.
    await ds.query(
      `INSERT INTO jobs (user_id, workspace_id, status, created_at, approval_deadline)
       SELECT $1, 'user:' || $1, 'awaiting_approval', $2::timestamptz - interval '2 hours', $2 FROM generate_series(1, 1200)`,
      [user, new Date(now - 60_000)],
    );
    const future = await insertJob(ds, { userId: user, status: 'awaiting_approval', approvalDeadline: new Date(now + HOUR) });
    const never = await insertJob(ds, { userId: user, status: 'awaiting_approval' });
    const workers = await startWorkers(prefix);

    const cancelled = async () =>
      (await ds.query(`SELECT count(*)::int AS n FROM jobs WHERE user_id = $1 AND status = 'cancelled'`, [user]))[0].n as number;
    expect(await pollUntil(cancelled, (n) => n >= 1200, 30_000)).toBe(1200);
    await sleep(2_500); // more passes by the three workers
    const rows: { status: string; status_reason: string | null; n: number }[] = await ds.query(
      'SELECT status, status_reason, count(*)::int AS n FROM jobs WHERE user_id = $1 GROUP BY 1, 2 ORDER BY 1',
      [user],
    );
    expect(rows).toEqual([
      { status: 'awaiting_approval', status_reason: null, n: 2 },
      { status: 'cancelled', status_reason: 'approval timed out after 2 h', n: 1200 },
    ]);
    expect((await ds.getRepository(Job).findOneByOrFail({ id: future.id })).status).toBe('awaiting_approval');
    expect((await ds.getRepository(Job).findOneByOrFail({ id: never.id })).status).toBe('awaiting_approval');
    // Once: the passes of all three workers together cancelled exactly the 1 200 (no suite leaves
    // other overdue awaiting Jobs in the test database; one would only add to this count).
    const reported = workers.flatMap((w) =>
      w.lines
        .filter((l) => l.includes('past their deadline cancelled'))
        .map((l) => (JSON.parse(l) as { approvals_timed_out: number }).approvals_timed_out),
    );
    expect(reported.reduce((a, b) => a + b, 0)).toBe(1200);
    expect(await contentEntries(contentQueue, user)).toEqual([]);
  }, 60_000);
});
