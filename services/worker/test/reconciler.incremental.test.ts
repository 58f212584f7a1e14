import { createLogger } from '@scheduler/telemetry';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { recordSchedulersSyncedAt, ruleOf, ScheduledJob, schedulerSyncLedger } from '@scheduler/entities';
import {
  AfterCommitReport,
  ContentJobPayload,
  createRedis,
  OccurrencePayload,
  statusKeys,
  syncScheduler,
  syncSchedulerAfterCommit,
  syncSchedulersAfterCommit,
} from '@scheduler/queue';
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
import { Reconciler } from '../src/reconciler';

const silent = createLogger('silent', 'test');
const inAnHour = () => new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);

/** The row's change and synced sequences (bigint, as text). */
async function seqs(ds: DataSource, id: string): Promise<{ change: string; synced: string }> {
  const [row] = await ds.query<{ change: string; synced: string }[]>(
    'SELECT scheduler_change_seq AS change, scheduler_synced_seq AS synced FROM scheduled_jobs WHERE id = $1',
    [id],
  );
  return row;
}
const inStep = async (ds: DataSource, id: string) => {
  const { change, synced } = await seqs(ds, id);
  return change === synced;
};

/** An occurrence queue whose scheduler writes fail, as when Redis is away. */
const downQueue = {
  upsertJobScheduler: () => Promise.reject(new Error('connect ECONNREFUSED')),
  removeJobScheduler: () => Promise.reject(new Error('connect ECONNREFUSED')),
  add: () => Promise.reject(new Error('connect ECONNREFUSED')),
} as unknown as Queue<OccurrencePayload>;

describe('the reconciler reads what changed', () => {
  let ds: DataSource;
  let redis: Redis;
  let queue: Queue<OccurrencePayload>;
  let contentQueue: Queue<ContentJobPayload>;
  let queues: PrefixQueues;
  let afterCommit: AfterCommitReport;
  beforeAll(async () => {
    ds = await openDataSource();
    redis = createRedis(TEST_REDIS_URL);
  });
  beforeEach(() => {
    queues = openQueues(redis, uniqueName('test'));
    ({ queue, contentQueue } = queues);
    afterCommit = { logger: silent, syncFailures: { inc: () => undefined }, ledger: schedulerSyncLedger(ds) };
  });
  afterEach(async () => {
    await obliterateQueues(queues);
    await redis.del(statusKeys(queues.prefix).reconcileToken);
  });
  afterAll(async () => {
    await redis.quit();
    await ds.destroy();
  });

  it('when a schedule is inserted or its rule, version, status or firing changes, then PostgreSQL marks it out of step; a run advancing next_run_at does not', async () => {
    const at = inAnHour();
    const s = await insertSchedule(ds, { userId: newUserId(), scheduledAt: at, nextRunAt: at });
    expect(await inStep(ds, s.id)).toBe(false);
    await syncSchedulerAfterCommit(queue, { id: s.id, version: s.version, rule: ruleOf(s), nextRunAt: at }, afterCommit);
    expect(await inStep(ds, s.id)).toBe(true);

    const repo = ds.getRepository(ScheduledJob);
    await repo.update(s.id, { nextRunAt: new Date(at.getTime() + 86_400_000), runCount: 1 });
    expect(await inStep(ds, s.id)).toBe(true);
    for (const change of [
      { version: 2 },
      { recurrencePattern: null, scheduleType: 'weekly' },
      { status: 'paused' as const },
      { nextRunAt: null },
    ]) {
      const before = await seqs(ds, s.id);
      await repo.update(s.id, change);
      const after = await seqs(ds, s.id);
      expect(BigInt(after.change)).toBe(BigInt(before.change) + 1n);
    }
  });

  it('when the after-commit write fails, then the schedule stays out of step and the next incremental pass writes it without reading Redis', async () => {
    const at = inAnHour();
    const s = await insertSchedule(ds, { userId: newUserId(), scheduledAt: at, nextRunAt: at, version: 1 });
    const reconciler = new Reconciler(ds, queue, contentQueue, silent);
    expect((await reconciler.reconcile()).kind).toBe('full');
    expect(await inStep(ds, s.id)).toBe(true);

    await ds.getRepository(ScheduledJob).update(s.id, { version: 2 });
    const failures: string[] = [];
    const failing = { ...afterCommit, syncFailures: { inc: ({ operation }: { operation: string }) => void failures.push(operation) } };
    expect(await syncSchedulerAfterCommit(downQueue, { id: s.id, version: 2, rule: ruleOf(s) }, failing)).toBe(false);
    expect(failures).toEqual(['upsert']);
    expect(await inStep(ds, s.id)).toBe(false);
    expect((await queue.getJobScheduler(s.id))?.template?.data).toEqual({ schedule_id: s.id, version: 1 });

    const reads = jest.spyOn(queue, 'getJobScheduler');
    const report = await reconciler.reconcile();
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
    expect(report).toMatchObject({ kind: 'incremental', full_sweep_reason: null });
    expect(report.updated).toBeGreaterThanOrEqual(1);
    expect((await queue.getJobScheduler(s.id))?.template?.data).toEqual({ schedule_id: s.id, version: 2 });
    expect(await inStep(ds, s.id)).toBe(true);
  });

  it('when a write that changes only next_run_at (a shift) fails, then the failure itself marks the schedule out of step and the next pass queues the shifted run', async () => {
    const at = inAnHour();
    const s = await insertSchedule(ds, { userId: newUserId(), scheduledAt: at, nextRunAt: at });
    const reconciler = new Reconciler(ds, queue, contentQueue, silent);
    expect((await reconciler.reconcile()).kind).toBe('full');
    expect(await inStep(ds, s.id)).toBe(true);

    const shifted = new Date(at.getTime() + 1_800_000);
    await ds.getRepository(ScheduledJob).update(s.id, { nextRunAt: shifted });
    expect(await inStep(ds, s.id)).toBe(true); // the trigger does not see a shift
    await syncSchedulerAfterCommit(downQueue, { id: s.id, version: s.version, rule: ruleOf(s), nextRunAt: shifted }, afterCommit);
    expect(await inStep(ds, s.id)).toBe(false);

    expect((await reconciler.reconcile()).kind).toBe('incremental');
    expect((await queue.getJob(`repeat:${s.id}:${shifted.getTime()}`))?.data).toMatchObject({ schedule_id: s.id, shifted: true });
    expect(await inStep(ds, s.id)).toBe(true);
  });

  it('when a schedule in step has a shifted next run due soon whose delayed job is gone, then an incremental pass queues it before it is due', async () => {
    const reconciler = new Reconciler(ds, queue, contentQueue, silent);
    await reconciler.reconcile();
    // Daily at 09:00 UTC; its next run shifted to a minute from now (off the rule) and a month away.
    const soon = new Date(Math.floor(Date.now() / 1000) * 1000 + 61_000);
    const later = new Date(soon.getTime() + 30 * 86_400_000);
    const near = await insertSchedule(ds, { userId: newUserId(), nextRunAt: soon });
    const far = await insertSchedule(ds, { userId: newUserId(), nextRunAt: later });
    await ds.query('UPDATE scheduled_jobs SET scheduler_synced_seq = scheduler_change_seq WHERE id = ANY($1)', [[near.id, far.id]]);
    const report = await reconciler.reconcile();
    expect(report.kind).toBe('incremental');
    expect((await queue.getJob(`repeat:${near.id}:${soon.getTime()}`))?.data).toMatchObject({ schedule_id: near.id, shifted: true });
    expect(await queue.getJob(`repeat:${far.id}:${later.getTime()}`)).toBeUndefined(); // beyond the look-ahead: a later pass
  });

  it('when a bulk sync finishes, then its successes are recorded in one UPDATE and its failures in one more', async () => {
    const at = inAnHour();
    const rows = await Promise.all([1, 2, 3].map(() => insertSchedule(ds, { userId: newUserId(), scheduledAt: at, nextRunAt: at })));
    const statements: string[] = [];
    const counting = schedulerSyncLedger({ query: (sql, params) => (statements.push(sql), ds.query(sql, params)) });
    const specs = rows.map((r) => ({ id: r.id, version: r.version, rule: ruleOf(r) }));
    expect(await syncSchedulersAfterCommit(queue, specs, { ...afterCommit, ledger: counting })).toBe(0);
    expect(statements).toHaveLength(1);
    for (const r of rows) expect(await inStep(ds, r.id)).toBe(true);

    statements.length = 0;
    expect(await syncSchedulersAfterCommit(downQueue, specs, { ...afterCommit, ledger: counting })).toBe(3);
    expect(statements).toHaveLength(1);
    for (const r of rows) expect(await inStep(ds, r.id)).toBe(false);
  });

  it('when the row changed after the write was made from it, then the write does not mark it in step', async () => {
    const at = inAnHour();
    const s = await insertSchedule(ds, { userId: newUserId(), scheduledAt: at, nextRunAt: at, version: 3 });
    await ds.getRepository(ScheduledJob).update(s.id, { version: 4 });
    // A write of version 3 (made before the edit committed) succeeds late.
    await syncSchedulerAfterCommit(queue, { id: s.id, version: 3, rule: ruleOf(s) }, afterCommit);
    expect(await inStep(ds, s.id)).toBe(false);
    // A removal while the row still fires is not in step either.
    await ds.query('UPDATE scheduled_jobs SET scheduler_synced_seq = scheduler_change_seq WHERE id = $1', [s.id]);
    await ds.getRepository(ScheduledJob).update(s.id, { version: 5 });
    await syncSchedulerAfterCommit(queue, { id: s.id, version: 5, rule: null }, afterCommit);
    expect(await inStep(ds, s.id)).toBe(false);
  });

  it('when a row changed between the reconciler reading it and recording its write, then it stays out of step (the older write may have overtaken the newer one)', async () => {
    const at = inAnHour();
    const changed = await insertSchedule(ds, { userId: newUserId(), scheduledAt: at, nextRunAt: at });
    const unchanged = await insertSchedule(ds, { userId: newUserId(), scheduledAt: at, nextRunAt: at });
    const read = [await seqs(ds, changed.id), await seqs(ds, unchanged.id)];
    await ds.getRepository(ScheduledJob).update(changed.id, { version: 2 });
    await recordSchedulersSyncedAt(ds, [
      { id: changed.id, seq: read[0].change },
      { id: unchanged.id, seq: read[1].change },
    ]);
    expect(await inStep(ds, unchanged.id)).toBe(true);
    expect(await inStep(ds, changed.id)).toBe(false);
    // Bumped by the edit (the trigger) and once more by the reconciler's record.
    expect(BigInt((await seqs(ds, changed.id)).change)).toBe(BigInt(read[0].change) + 2n);
  });

  it('when Redis lost the prefix (a flush), then the next pass finds the token gone, sweeps everything and re-creates the schedulers', async () => {
    const at = inAnHour();
    const s = await insertSchedule(ds, { userId: newUserId(), scheduledAt: at, nextRunAt: at, version: 7 });
    const reconciler = new Reconciler(ds, queue, contentQueue, silent);
    expect((await reconciler.reconcile()).full_sweep_reason).toBe('no-state');
    expect((await reconciler.reconcile()).kind).toBe('incremental');
    expect(await queue.getJobScheduler(s.id)).toBeDefined();

    await deleteKeysUnder(redis, queues.prefix);
    expect(await reconciler.fullSweepReason()).toBe('redis-token');
    const report = await reconciler.reconcile();
    expect(report).toMatchObject({ kind: 'full', full_sweep_reason: 'redis-token' });
    expect(report.created).toBeGreaterThanOrEqual(1);
    expect(report.examined).toBeGreaterThanOrEqual(report.active_schedules);
    expect((await queue.getJobScheduler(s.id))?.template?.data).toEqual({ schedule_id: s.id, version: 7 });
    expect(await reconciler.fullSweepReason()).toBeNull();
  });

  it('when an orphan scheduler appears, then incremental passes leave it and the full sweep, due after RECONCILE_FULL_SWEEP_HOURS, removes it', async () => {
    let now = new Date();
    const reconciler = new Reconciler(ds, queue, contentQueue, silent, undefined, () => now, { fullSweepHours: 2 });
    await reconciler.reconcile();
    const orphan = randomUUID();
    await syncScheduler(queue, { id: orphan, version: 1, rule: ruleOf({ ...(await insertSchedule(ds, { userId: newUserId() })) }) });
    now = new Date(now.getTime() + 3_600_000);
    expect((await reconciler.reconcile()).kind).toBe('incremental');
    expect(await queue.getJobScheduler(orphan)).toBeDefined();
    now = new Date(now.getTime() + 3_600_000);
    const report = await reconciler.reconcile();
    expect(report).toMatchObject({ kind: 'full', full_sweep_reason: 'due' });
    expect(report.removed).toBeGreaterThanOrEqual(1);
    expect(await queue.getJobScheduler(orphan)).toBeUndefined();
  });

  it('when an active schedule is overdue with nothing queued, then an incremental pass queues its catch-up', async () => {
    const reconciler = new Reconciler(ds, queue, contentQueue, silent);
    await reconciler.reconcile();
    const overdue = new Date(Math.floor(Date.now() / 1000) * 1000 - 120_000);
    const s = await insertSchedule(ds, { userId: newUserId(), scheduledAt: overdue, nextRunAt: overdue });
    await ds.query('UPDATE scheduled_jobs SET scheduler_synced_seq = scheduler_change_seq WHERE id = $1', [s.id]);
    const report = await reconciler.reconcile();
    expect(report.kind).toBe('incremental');
    expect(report.recreated_overdue).toBeGreaterThanOrEqual(1);
    expect((await queue.getJob(`catchup:${s.id}:${overdue.getTime()}`))?.data).toMatchObject({ schedule_id: s.id });
  });
});
