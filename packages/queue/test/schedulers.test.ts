import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { parseSchedule, RecurrenceRule } from '@scheduler/recurrence';
import {
  AfterCommitReport,
  AfterCommitWrite,
  CONTENT_JOB_NAME,
  ContentJobPayload,
  createContentQueue,
  createOccurrenceQueue,
  createRedis,
  dequeueContentJob,
  enqueueContentJob,
  enqueueContentJobs,
  handOverAfterCommit,
  OccurrencePayload,
  removeScheduler,
  syncSchedulerAfterCommit,
  syncSchedulersAfterCommit,
} from '../src';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function daily(): RecurrenceRule {
  const parsed = parseSchedule({ schedule_type: 'daily', scheduled_at: '2099-01-01T09:00:00Z' });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.rule;
}

/** A report that keeps what it is told. */
function recorder() {
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const counted: AfterCommitWrite[] = [];
  const report: AfterCommitReport = {
    logger: { warn: (fields, message) => void warnings.push({ fields, message }) },
    syncFailures: { inc: ({ operation }) => void counted.push(operation) },
  };
  return { report, warnings, counted };
}

describe('scheduler writes after a PostgreSQL commit', () => {
  let redis: Redis;
  let queue: Queue<OccurrencePayload>;
  beforeAll(() => {
    redis = createRedis(REDIS_URL);
    queue = createOccurrenceQueue({ connection: redis, prefix: `test-${randomUUID().slice(0, 8)}` });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await redis.quit();
  });

  it('when Redis works, then the scheduler is upserted and removed, and nothing is logged or counted', async () => {
    const { report, warnings, counted } = recorder();
    const id = randomUUID();
    expect(await syncSchedulerAfterCommit(queue, { id, version: 1, rule: daily() }, report)).toBe(true);
    expect((await queue.getJobScheduler(id))?.template?.data).toEqual({ schedule_id: id, version: 1 });
    expect(await removeScheduler(queue, id, report)).toBe(true);
    expect(await queue.getJobScheduler(id)).toBeUndefined();
    expect(await syncSchedulerAfterCommit(queue, { id, version: 2, rule: null }, report)).toBe(true);
    expect(warnings).toEqual([]);
    expect(counted).toEqual([]);
  });

  it('when many schedules are synced at once, then every scheduler is written (a pool smaller than the list), removals too, and none failed', async () => {
    const { report, warnings, counted } = recorder();
    const ids = Array.from({ length: 23 }, () => randomUUID());
    await syncSchedulerAfterCommit(queue, { id: ids[22], version: 1, rule: daily() }, report);
    // The last one must not fire: its scheduler goes.
    const specs = ids.map((id, i) => ({ id, version: 2, rule: i === 22 ? null : daily() }));
    expect(await syncSchedulersAfterCommit(queue, specs, report, 4)).toBe(0);
    for (const id of ids.slice(0, 22)) expect((await queue.getJobScheduler(id))?.template?.data).toEqual({ schedule_id: id, version: 2 });
    expect(await queue.getJobScheduler(ids[22])).toBeUndefined();
    expect([warnings, counted]).toEqual([[], []]);
    expect(await syncSchedulersAfterCommit(queue, [], report)).toBe(0);
  });

  it('when Redis fails during a bulk sync, then it does not throw: the failures are counted, each logged with its schedule id', async () => {
    const connection = createRedis(REDIS_URL);
    const broken = createOccurrenceQueue({ connection, prefix: `test-${randomUUID().slice(0, 8)}` });
    broken.on('error', () => undefined);
    await broken.waitUntilReady();
    connection.disconnect();
    try {
      const { report, warnings, counted } = recorder();
      const ids = Array.from({ length: 5 }, () => randomUUID());
      expect(
        await syncSchedulersAfterCommit(
          broken,
          ids.map((id) => ({ id, version: 1, rule: daily() })),
          report,
          2,
        ),
      ).toBe(5);
      expect(counted).toEqual(Array(5).fill('upsert'));
      expect(warnings.map((w) => w.fields.schedule_id).sort()).toEqual([...ids].sort());
    } finally {
      await broken.close().catch(() => undefined);
    }
  });

  it('when Redis fails, then nothing throws: each failure is logged with the schedule id and counted by operation', async () => {
    const connection = createRedis(REDIS_URL);
    const broken = createOccurrenceQueue({ connection, prefix: `test-${randomUUID().slice(0, 8)}` });
    broken.on('error', () => undefined);
    await broken.waitUntilReady();
    connection.disconnect();
    try {
      const { report, warnings, counted } = recorder();
      const id = randomUUID();
      expect(await removeScheduler(broken, id, report)).toBe(false);
      expect(await syncSchedulerAfterCommit(broken, { id, version: 1, rule: daily() }, report)).toBe(false);
      expect(await syncSchedulerAfterCommit(broken, { id, version: 2, rule: null }, report)).toBe(false);
      expect(counted).toEqual(['remove', 'upsert', 'remove']);
      expect(warnings.map((w) => w.fields)).toEqual([
        expect.objectContaining({ schedule_id: id, operation: 'remove' }),
        expect.objectContaining({ schedule_id: id, operation: 'upsert' }),
        expect.objectContaining({ schedule_id: id, operation: 'remove' }),
      ]);
      expect(warnings[0].message).toMatch(/reconciler/);
    } finally {
      await broken.close().catch(() => undefined);
    }
  });
});

describe('dequeueContentJob: a cancelled Job leaves the content queue unless a pipeline took it', () => {
  let redis: Redis;
  let queue: Queue<ContentJobPayload>;
  beforeAll(() => {
    redis = createRedis(REDIS_URL);
    queue = createContentQueue({ connection: redis, prefix: `test-${randomUUID().slice(0, 8)}` });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await redis.quit();
  });

  const payload = (jobId: string): ContentJobPayload => ({
    job_id: jobId,
    user_id: 'u',
    workspace_id: 'user:u',
    scheduled_job_id: null,
    campaign_id: null,
  });

  it('when several Jobs are handed over in bulk, then each is on the content queue under its Job id, and a repeat adds none', async () => {
    const ids: string[] = [randomUUID(), randomUUID(), randomUUID()];
    await enqueueContentJobs(queue, ids.map(payload));
    await enqueueContentJobs(queue, [payload(ids[0]), payload(ids[2])]);
    await enqueueContentJobs(queue, []);
    const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
    expect(jobs.map((j) => [j?.id, j?.name, j?.data.job_id])).toEqual(ids.map((id) => [id, CONTENT_JOB_NAME, id]));
    expect((await queue.getJobs(['waiting'])).filter((j) => ids.includes(j.id!))).toHaveLength(3);
  });

  it('when the job is waiting or delayed, then it is removed (true); when it is not there, then false; nothing is logged', async () => {
    const { report, warnings, counted } = recorder();
    const waiting = randomUUID();
    const delayed = randomUUID();
    await enqueueContentJob(queue, payload(waiting));
    await queue.add(CONTENT_JOB_NAME, payload(delayed), { jobId: delayed, delay: 60_000 });
    expect(await dequeueContentJob(queue, waiting, report)).toBe(true);
    expect(await dequeueContentJob(queue, delayed, report)).toBe(true);
    expect([await queue.getJob(waiting), await queue.getJob(delayed)]).toEqual([undefined, undefined]);
    expect(await dequeueContentJob(queue, randomUUID(), report)).toBe(false);
    expect([warnings, counted]).toEqual([[], []]);
  });

  it('when Redis fails, then nothing throws: false, logged with the Job id and counted as a dequeue', async () => {
    const connection = createRedis(REDIS_URL);
    const broken = createContentQueue({ connection, prefix: `test-${randomUUID().slice(0, 8)}` });
    broken.on('error', () => undefined);
    await broken.waitUntilReady();
    connection.disconnect();
    try {
      const { report, warnings, counted } = recorder();
      const id = randomUUID();
      expect(await dequeueContentJob(broken, id, report)).toBe(false);
      expect(counted).toEqual(['dequeue']);
      expect(warnings.map((w) => w.fields)).toEqual([expect.objectContaining({ job_id: id, operation: 'dequeue' })]);
      expect(warnings[0].message).toMatch(/cancelled Job stays on the content queue/);
    } finally {
      await broken.close().catch(() => undefined);
    }
  });

  it('when a committed Job is handed over, then it is on the content queue and marked; when Redis fails, then false, counted hand_over, unmarked', async () => {
    const marked: string[] = [];
    const markQueued = (jobId: string) => Promise.resolve(void marked.push(jobId));
    const ok = recorder();
    const id = randomUUID();
    expect(await handOverAfterCommit(queue, { payload: payload(id), markQueued }, ok.report)).toBe(true);
    expect((await queue.getJob(id))?.data).toEqual(payload(id));
    expect([marked, ok.warnings, ok.counted]).toEqual([[id], [], []]);

    const connection = createRedis(REDIS_URL);
    const broken = createContentQueue({ connection, prefix: `test-${randomUUID().slice(0, 8)}` });
    broken.on('error', () => undefined);
    await broken.waitUntilReady();
    connection.disconnect();
    try {
      const failed = recorder();
      const lost = randomUUID();
      expect(await handOverAfterCommit(broken, { payload: payload(lost), markQueued }, failed.report)).toBe(false);
      expect(marked).toEqual([id]);
      expect(failed.counted).toEqual(['hand_over']);
      expect(failed.warnings.map((w) => w.fields)).toEqual([expect.objectContaining({ job_id: lost, operation: 'hand_over' })]);
      expect(failed.warnings[0].message).toMatch(/reconciler hands it over/);
    } finally {
      await broken.close().catch(() => undefined);
    }
  });
});
