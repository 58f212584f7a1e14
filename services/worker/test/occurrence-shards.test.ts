import { loadConfig } from '@scheduler/config';
import { Job } from '@scheduler/entities';
import { occurrenceShardOf } from '@scheduler/queue';
import { createLogger } from '@scheduler/telemetry';
import { createSchedule, newUserId, pollUntil, TEST_DATABASE_URL, TEST_REDIS_URL, uniqueName, wholeSecondAhead } from '@scheduler/testkit';
import { RunningWorker, startWorker } from '../src/main';
import { startTestApp, TestApp } from '../../api/test/helpers';

/** One worker process with `OCCURRENCE_SHARDS=3` consumes every shard (one BullMQ worker each). */
describe('a worker with three occurrence shards', () => {
  let api: TestApp;
  let worker: RunningWorker;
  beforeAll(async () => {
    const prefix = uniqueName('test');
    api = await startTestApp({ QUEUE_PREFIX: prefix, OCCURRENCE_SHARDS: '3' });
    const config = loadConfig({
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      OCCURRENCE_SHARDS: '3',
      JWT_SECRET: 'unused-by-the-worker-but-set',
      WORKER_PORT: '0',
      LOG_LEVEL: 'silent',
    });
    worker = await startWorker(config, createLogger('silent', 'test'));
  });
  afterAll(async () => {
    await worker.stop();
    await api.close();
  });

  it('when schedules of every shard are due, then each fires once, and /metrics shows each shard as its own queue', async () => {
    const user = newUserId();
    const at = wholeSecondAhead(2500);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const body = { name: `s${i}`, schedule_type: 'once', scheduled_at: at.toISOString(), job_config: { publisher_domain: 'forbes.com' } };
      ids.push(String((await createSchedule(api, user, body)).id));
    }
    expect(new Set(ids.map((id) => occurrenceShardOf(id, 3))).size).toBe(3);
    const jobs = await pollUntil(
      () => api.deps.dataSource.getRepository(Job).find({ where: { userId: user } }),
      (found) => found.length >= ids.length,
      15_000,
      200,
    );
    expect(jobs.map((j) => j.scheduledJobId).sort()).toEqual([...ids].sort());
    expect(jobs.every((j) => j.scheduledFor?.getTime() === at.getTime())).toBe(true);

    const metrics = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
    for (const queue of ['schedule-occurrences', 'schedule-occurrences-1', 'schedule-occurrences-2']) {
      expect(metrics).toMatch(new RegExp(`scheduler_queue_depth\\{[^}]*queue="${queue}"`));
    }
  });
});
