import { createLogger } from '@scheduler/telemetry';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Job, ruleOf } from '@scheduler/entities';
import { ContentJobPayload, createRedis, OccurrencePayload, statusKeys, syncScheduler } from '@scheduler/queue';
import {
  insertJob,
  insertSchedule,
  newUserId,
  obliterateQueues,
  openDataSource,
  openQueues,
  PrefixQueues,
  TEST_REDIS_URL,
  uniqueName,
} from '@scheduler/testkit';
import { Reconciler } from '../src/reconciler';

const silent = createLogger('silent', 'test');

describe('the reconciler', () => {
  let ds: DataSource;
  let redis: Redis;
  let queue: Queue<OccurrencePayload>;
  let contentQueue: Queue<ContentJobPayload>;
  let queues: PrefixQueues;
  beforeAll(async () => {
    ds = await openDataSource();
    redis = createRedis(TEST_REDIS_URL);
  });
  beforeEach(() => {
    queues = openQueues(redis, uniqueName('test'));
    ({ queue, contentQueue } = queues);
  });
  afterEach(async () => {
    await obliterateQueues(queues);
    await redis.del(statusKeys(queues.prefix).reconcileToken);
  });
  afterAll(async () => {
    await redis.quit();
    await ds.destroy();
  });

  it('when Idempotency-Keys are older than 24 hours, then the pass deletes them and keeps the younger ones', async () => {
    const workspace = `user:${newUserId()}`;
    const now = new Date();
    const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
    for (const [key, age] of [
      ['old-1', 25],
      ['old-2', 24.01],
      ['young', 23.9],
    ] as const) {
      await ds.query(
        `INSERT INTO idempotency_keys (workspace_id, key, operation, target_id, resource_id, created_at)
         VALUES ($1, $2, 'schedule.run', $3, $4, $5)`,
        [workspace, key, randomUUID(), randomUUID(), hoursAgo(age)],
      );
    }
    const reconciler = new Reconciler(ds, queue, contentQueue, silent, undefined, () => now);
    expect(await reconciler.deleteExpiredIdempotencyKeys()).toBeGreaterThanOrEqual(2);
    const left = await ds.query<{ key: string }[]>('SELECT key FROM idempotency_keys WHERE workspace_id = $1 ORDER BY key', [workspace]);
    expect(left.map((r) => r.key)).toEqual(['young']);
  });

  it('when Redis lost every scheduler, then one pass re-creates them with the right rule and version, and queues the overdue occurrence', async () => {
    const userId = newUserId();
    const soon = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
    const overdue = new Date(Math.floor(Date.now() / 1000) * 1000 - 120_000);
    const a = await insertSchedule(ds, { userId, scheduledAt: soon, nextRunAt: soon, version: 4 });
    const b = await insertSchedule(ds, { userId, scheduledAt: overdue, nextRunAt: overdue });
    const report = await new Reconciler(ds, queue, contentQueue, silent).reconcile();
    expect(report.created).toBeGreaterThanOrEqual(2);
    const schedulerA = await queue.getJobScheduler(a.id);
    expect(schedulerA?.template?.data).toEqual({ schedule_id: a.id, version: 4 });
    expect(schedulerA?.next).toBe(soon.getTime());
    expect(await queue.getJobScheduler(b.id)).toBeDefined();
    const catchUp = await queue.getJob(`catchup:${b.id}:${overdue.getTime()}`);
    expect(catchUp?.data).toEqual({ schedule_id: b.id, version: 1, occurrence_at: overdue.toISOString() });
    expect(report.recreated_overdue).toBeGreaterThanOrEqual(1);
  });

  it('when a scheduler carries an old version or rule, then it is rewritten; when it has no active schedule, it is removed', async () => {
    const userId = newUserId();
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
    const stale = await insertSchedule(ds, { userId, scheduledAt: at, nextRunAt: at, version: 2 });
    await syncScheduler(queue, { id: stale.id, version: 1, rule: ruleOf(stale) });
    const paused = await insertSchedule(ds, { userId, scheduledAt: at, nextRunAt: null, status: 'paused' });
    await syncScheduler(queue, { id: paused.id, version: 1, rule: ruleOf(paused) });
    const deletedId = randomUUID();
    await syncScheduler(queue, { id: deletedId, version: 1, rule: ruleOf(stale) });

    const report = await new Reconciler(ds, queue, contentQueue, silent).reconcile();
    expect((await queue.getJobScheduler(stale.id))?.template?.data).toEqual({ schedule_id: stale.id, version: 2 });
    expect(await queue.getJobScheduler(paused.id)).toBeUndefined();
    expect(await queue.getJobScheduler(deletedId)).toBeUndefined();
    expect(report.updated).toBeGreaterThanOrEqual(1);
    expect(report.removed).toBeGreaterThanOrEqual(2);
  });

  it('when everything is in step, then a second pass changes nothing for those schedules', async () => {
    const userId = newUserId();
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
    const s = await insertSchedule(ds, { userId, scheduledAt: at, nextRunAt: at });
    // An overdue `once` has no scheduler to write (only its catch-up): not a fix to count again.
    const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    await insertSchedule(ds, { userId, scheduleType: 'once', scheduledAt: past, nextRunAt: past });
    const reconciler = new Reconciler(ds, queue, contentQueue, silent);
    await reconciler.reconcile();
    const before = await queue.getJobScheduler(s.id);
    const second = await reconciler.reconcile();
    expect(second.created).toBe(0);
    expect(second.updated).toBe(0);
    expect(second.removed).toBe(0);
    expect(await queue.getJobScheduler(s.id)).toEqual(before);
  });

  it('when a pending Job was never handed to the content queue, then the reconciler hands it over once', async () => {
    const userId = newUserId();
    const jobs = ds.getRepository(Job);
    const old = new Date(Date.now() - 120_000);
    const lost = await insertJob(ds, { userId, queuedAt: null, createdAt: old });
    const handed = await insertJob(ds, { userId, queuedAt: old, createdAt: old });
    const fresh = await insertJob(ds, { userId, queuedAt: null });
    const report = await new Reconciler(ds, queue, contentQueue, silent).reconcile();
    expect(report.jobs_handed_over).toBeGreaterThanOrEqual(1);
    expect((await contentQueue.getJob(lost.id))?.data).toEqual({
      job_id: lost.id,
      user_id: userId,
      workspace_id: `user:${userId}`,
      scheduled_job_id: null,
      campaign_id: null,
    });
    expect((await jobs.findOneByOrFail({ id: lost.id })).queuedAt).not.toBeNull();
    expect(await contentQueue.getJob(handed.id)).toBeUndefined();
    expect(await contentQueue.getJob(fresh.id)).toBeUndefined(); // too new: its own hand-over may still be under way
  });

  it('when two reconcilers race, then only one takes the leader lock', async () => {
    const a = new Reconciler(ds, queue, contentQueue, silent);
    const b = new Reconciler(ds, queue, contentQueue, silent);
    const results = await Promise.all([a.runIfLeader(), b.runIfLeader()]);
    expect(results.filter((r) => r !== null).length).toBeGreaterThanOrEqual(1);
    // Holding the lock on another session blocks both.
    const runner = ds.createQueryRunner();
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock(827364002)');
    try {
      expect(await a.runIfLeader()).toBeNull();
    } finally {
      await runner.query('SELECT pg_advisory_unlock(827364002)');
      await runner.release();
    }
  });
});
