import { randomUUID } from 'node:crypto';
import type { Job as QueueJob, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { createContentQueue, createOccurrenceQueue, createRedis, ContentJobPayload, OccurrencePayload } from '@scheduler/queue';
import { createLogger, createRegistry, workerMetrics } from '@scheduler/telemetry';
import { MaterializeService } from '../src/materialize.service';
import { createOccurrenceProcessor } from '../src/occurrence.processor';
import { insertSchedule, newUserId, openDataSource, TEST_REDIS_URL } from './helpers';

const T0 = new Date('2030-01-01T09:00:00Z');

describe('the occurrence processor when Redis fails after the commit', () => {
  let ds: DataSource;
  let redis: Redis;
  let contentQueue: Queue<ContentJobPayload>;
  let prefix: string;
  beforeAll(async () => {
    ds = await openDataSource();
    redis = createRedis(TEST_REDIS_URL);
    prefix = `test-${randomUUID().slice(0, 8)}`;
    contentQueue = createContentQueue({ connection: redis, prefix });
  });
  afterAll(async () => {
    await contentQueue.obliterate({ force: true });
    await contentQueue.close();
    await redis.quit();
    await ds.destroy();
  });

  it('when the last run of a schedule materialized but removing its scheduler fails, then the occurrence still completes, logged and counted', async () => {
    const connection = createRedis(TEST_REDIS_URL);
    const occurrenceQueue = createOccurrenceQueue({ connection, prefix });
    occurrenceQueue.on('error', () => undefined);
    await occurrenceQueue.waitUntilReady();
    connection.disconnect();
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger('warn', 'worker', { write: (line: string) => void lines.push(JSON.parse(line)) });
    const metrics = workerMetrics(createRegistry('worker'));
    try {
      const schedule = await insertSchedule(ds, { userId: newUserId(), scheduleType: 'once' });
      const process = createOccurrenceProcessor({
        materialize: new MaterializeService(ds, () => new Date(T0.getTime() + 1000)),
        occurrenceQueue,
        contentQueue,
        logger,
        metrics,
      });
      const job = { id: `repeat:${schedule.id}:${T0.getTime()}`, data: { schedule_id: schedule.id, version: 1 } };

      await expect(process(job as QueueJob<OccurrencePayload>)).resolves.toBe('materialized');

      expect((await metrics.syncFailures.get()).values).toEqual([expect.objectContaining({ labels: { operation: 'remove' }, value: 1 })]);
      expect(lines).toEqual([expect.objectContaining({ level: 'warn', schedule_id: schedule.id, operation: 'remove' })]);
      // The Job was handed over all the same.
      expect(await contentQueue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    } finally {
      await occurrenceQueue.close().catch(() => undefined);
    }
  });
});
