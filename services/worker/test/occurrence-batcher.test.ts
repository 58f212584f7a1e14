import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { In, type DataSource } from 'typeorm';
import { Job } from '@scheduler/entities';
import { createContentQueue, createRedis, ContentJobPayload } from '@scheduler/queue';
import { createLogger, createRegistry, workerMetrics, type WorkerMetrics } from '@scheduler/telemetry';
import { MaterializeService, OccurrenceItem } from '../src/materialize.service';
import { BatchOptions, OccurrenceBatcher } from '../src/occurrence.batcher';
import { pollUntil, sleep } from '@scheduler/testkit';
import { insertSchedule, newUserId, openDataSource, TEST_REDIS_URL } from './helpers';

const T0 = new Date('2030-01-01T09:00:00Z');
const DAY = 86_400_000;

describe('the occurrence batcher', () => {
  let ds: DataSource;
  let redis: Redis;
  let contentQueue: Queue<ContentJobPayload>;
  let service: MaterializeService;
  let metrics: WorkerMetrics;
  beforeAll(async () => {
    ds = await openDataSource();
    redis = createRedis(TEST_REDIS_URL);
    contentQueue = createContentQueue({ connection: redis, prefix: `test-${randomUUID().slice(0, 8)}` });
    service = new MaterializeService(ds, () => new Date(T0.getTime() + 1500));
  });
  afterAll(async () => {
    await contentQueue.obliterate({ force: true });
    await contentQueue.close();
    await redis.quit();
    await ds.destroy();
  });
  beforeEach(() => {
    metrics = workerMetrics(createRegistry('worker'));
  });
  afterEach(() => jest.restoreAllMocks());

  const batcherWith = (options: BatchOptions) =>
    new OccurrenceBatcher({ materialize: service, contentQueue, logger: createLogger('silent', 'test'), metrics }, options);
  const schedules = (n: number, fields: Record<string, unknown> = {}) =>
    Promise.all(Array.from({ length: n }, async () => (await insertSchedule(ds, { userId: newUserId(), ...fields })).id));
  const itemsOf = (ids: string[], occurrence = T0): OccurrenceItem[] => ids.map((scheduleId) => ({ scheduleId, version: 1, occurrence }));
  const batchSizes = async () => {
    const values = (await metrics.occurrenceBatchSize.get()).values;
    return {
      count: values.find((v) => v.metricName === 'scheduler_occurrence_batch_size_count')?.value,
      sum: values.find((v) => v.metricName === 'scheduler_occurrence_batch_size_sum')?.value,
    };
  };

  it('when as many occurrences as the batch size arrive, then they are materialized together at once, without waiting', async () => {
    const ids = await schedules(5);
    const batch = jest.spyOn(service, 'materializeBatch');
    const batcher = batcherWith({ size: 5, waitMs: 10_000 });
    const startedAt = Date.now();
    const results = await Promise.all(itemsOf(ids).map((item) => batcher.submit(item)));
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(results.map((r) => r.outcome)).toEqual(ids.map(() => 'materialized'));
    expect(batch).toHaveBeenCalledTimes(1);
    expect(batch.mock.calls[0][0]).toHaveLength(5);
    // Each Job is on the content queue under its id.
    for (const r of results) expect(await contentQueue.getJob(r.job!.id)).toBeDefined();
    expect(await batchSizes()).toEqual({ count: 1, sum: 5 });
  });

  it('when a lone occurrence arrives, then it waits no longer than the wait for others', async () => {
    const [id] = await schedules(1);
    const batcher = batcherWith({ size: 50, waitMs: 40 });
    const startedAt = Date.now();
    const result = await batcher.submit(itemsOf([id])[0]);
    const took = Date.now() - startedAt;
    expect(result.outcome).toBe('materialized');
    expect(took).toBeGreaterThanOrEqual(39);
    expect(took).toBeLessThan(2_000);
    expect(await batchSizes()).toEqual({ count: 1, sum: 1 });
  });

  it('when more occurrences arrive than the batch size, then they go in batches of at most that size', async () => {
    const ids = await schedules(7);
    const batch = jest.spyOn(service, 'materializeBatch');
    const one = jest.spyOn(service, 'materialize');
    const batcher = batcherWith({ size: 3, waitMs: 20 });
    const results = await Promise.all(itemsOf(ids).map((item) => batcher.submit(item)));
    expect(results.map((r) => r.outcome)).toEqual(ids.map(() => 'materialized'));
    // The last one, alone, takes the single path (a batch of one).
    expect(batch.mock.calls.map((c) => c[0].length)).toEqual([3, 3, 1]);
    expect(one).toHaveBeenCalledTimes(1);
    expect(await batchSizes()).toEqual({ count: 3, sum: 7 });
  });

  it('when one occurrence makes the batch fail, then each is retried alone: the others materialize and only it fails', async () => {
    const good = await schedules(3);
    // A publisher_domain longer than the Job column takes: its write fails, in a batch or alone.
    const [bad] = await schedules(1, { jobConfig: { publisher_domain: `${'x'.repeat(300)}.com` } });
    const batcher = batcherWith({ size: 4, waitMs: 1_000 });
    const settled = await Promise.allSettled(itemsOf([good[0], bad, good[1], good[2]]).map((item) => batcher.submit(item)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/too long/);
    for (const id of good) expect(await ds.getRepository(Job).countBy({ scheduledJobId: id })).toBe(1);
    expect(await ds.getRepository(Job).countBy({ scheduledJobId: bad })).toBe(0);
  });

  it('when two occurrences of one schedule arrive together, then both materialize, each its own Job', async () => {
    const [id] = await schedules(1);
    const batcher = batcherWith({ size: 2, waitMs: 1_000 });
    const [later, earlier] = await Promise.all([
      batcher.submit({ scheduleId: id, version: 1, occurrence: new Date(T0.getTime() + DAY) }),
      batcher.submit({ scheduleId: id, version: 1, occurrence: T0 }),
    ]);
    expect([earlier.outcome, later.outcome]).toEqual(['materialized', 'materialized']);
    const jobs = await ds.getRepository(Job).find({ where: { scheduledJobId: id }, order: { scheduledFor: 'ASC' } });
    expect(jobs.map((j) => j.id)).toEqual([earlier.job!.id, later.job!.id]);
  });

  it('when the hand-over is slow, then no occurrence is acknowledged before its Job is on the content queue', async () => {
    const ids = await schedules(2);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const addBulk = contentQueue.addBulk.bind(contentQueue);
    jest.spyOn(contentQueue, 'addBulk').mockImplementation(async (jobs) => {
      await gate;
      return addBulk(jobs);
    });
    const batcher = batcherWith({ size: 2, waitMs: 1_000 });
    let acknowledged = 0;
    const done = Promise.all(itemsOf(ids).map((item) => batcher.submit(item).then((r) => ((acknowledged += 1), r))));
    // Committed, but not handed over yet: nothing is acknowledged.
    const committed = await pollUntil(
      () => ds.getRepository(Job).countBy({ scheduledJobId: In(ids) }),
      (n) => n === 2,
      5_000,
      20,
    );
    await sleep(100);
    expect(committed).toBe(2);
    expect(acknowledged).toBe(0);
    release();
    const results = await done;
    expect(acknowledged).toBe(2);
    for (const r of results) expect(await contentQueue.getJob(r.job!.id)).toBeDefined();
  });

  it('when the hand-over fails, then the occurrences throw, and their retry hands the same Jobs over (the duplicate path)', async () => {
    const ids = await schedules(3);
    const batcher = batcherWith({ size: 3, waitMs: 1_000 });
    jest.spyOn(contentQueue, 'addBulk').mockRejectedValueOnce(new Error('Redis away'));
    const settled = await Promise.allSettled(itemsOf(ids).map((item) => batcher.submit(item)));
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const jobs = await Promise.all(ids.map((id) => ds.getRepository(Job).findOneByOrFail({ scheduledJobId: id })));
    for (const j of jobs) expect(await contentQueue.getJob(j.id)).toBeUndefined();

    const retried = await Promise.all(itemsOf(ids).map((item) => batcher.submit(item)));
    expect(retried.map((r) => r.duplicate)).toEqual([true, true, true]);
    expect(retried.map((r) => r.job!.id)).toEqual(jobs.map((j) => j.id));
    for (const j of jobs) expect(await contentQueue.getJob(j.id)).toBeDefined();
    for (const id of ids) expect(await ds.getRepository(Job).countBy({ scheduledJobId: id })).toBe(1);
  });

  it('when a Job awaits approval, then it is not handed over, and the occurrence is acknowledged after the commit', async () => {
    const [gated] = await schedules(1, { requiresApproval: true });
    const [plain] = await schedules(1);
    const batcher = batcherWith({ size: 2, waitMs: 1_000 });
    const [a, b] = await Promise.all(itemsOf([gated, plain]).map((item) => batcher.submit(item)));
    expect(a.job?.withheld).toBe(true);
    expect(await contentQueue.getJob(a.job!.id)).toBeUndefined();
    expect(await contentQueue.getJob(b.job!.id)).toBeDefined();
  });
});
