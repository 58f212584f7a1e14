import { createLogger } from '@scheduler/telemetry';
import { loadConfig } from '@scheduler/config';
import { Job, ScheduledJob } from '@scheduler/entities';
import {
  createSchedule,
  newUserId,
  pollUntil,
  sleep,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueName,
  wholeSecondAhead,
} from '@scheduler/testkit';
import { startWorker, RunningWorker } from '../src/main';
import { startTestApp, TestApp } from '../../api/test/helpers';

const silent = createLogger('silent', 'test');

/** Polls every 200 ms until `done` holds or `timeoutMs` passes. */
const waitFor = <T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number) => pollUntil(probe, done, timeoutMs, 200);

describe('a worker firing schedules end to end', () => {
  let api: TestApp;
  let worker: RunningWorker;
  beforeAll(async () => {
    const prefix = uniqueName('test');
    api = await startTestApp({ QUEUE_PREFIX: prefix });
    const config = loadConfig({
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      JWT_SECRET: 'unused-by-the-worker-but-set',
      WORKER_PORT: '0',
      LOG_LEVEL: 'silent',
    });
    worker = await startWorker(config, silent);
  });
  afterAll(async () => {
    await worker.stop();
    await api.close();
  });

  const jobsOf = (id: string) => api.deps.dataSource.getRepository(Job).find({ where: { scheduledJobId: id } });

  it('when a once schedule is due in two seconds, then exactly one Job appears at its time and goes to the content queue', async () => {
    const user = newUserId();
    const at = wholeSecondAhead(2000);
    const created = await createSchedule(api, user, {
      name: 'once',
      schedule_type: 'once',
      scheduled_at: at.toISOString(),
      job_config: { publisher_domain: 'forbes.com' },
    });
    const jobs = await waitFor(
      () => jobsOf(created.id),
      (j) => j.length > 0,
      10_000,
    );
    expect(jobs).toHaveLength(1);
    expect(jobs[0].scheduledFor?.toISOString()).toBe(at.toISOString());
    expect(jobs[0].createdAt.getTime()).toBeGreaterThanOrEqual(at.getTime());
    const schedule = await waitFor(
      () => api.deps.dataSource.getRepository(ScheduledJob).findOneByOrFail({ id: created.id }),
      (s) => s.status === 'completed',
      5_000,
    );
    expect(schedule).toMatchObject({ status: 'completed', runCount: 1, nextRunAt: null });
    expect(await api.deps.contentQueue.getJob(jobs[0].id)).toBeDefined();
    const handedOver = await waitFor(
      () => api.deps.dataSource.getRepository(Job).findOneByOrFail({ id: jobs[0].id }),
      (j) => j.queuedAt !== null,
      5_000,
    );
    expect(handedOver.queuedAt).not.toBeNull();
    await sleep(1500);
    expect(await jobsOf(created.id)).toHaveLength(1);

    // The worker's own /metrics shows the firing.
    const metrics = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
    expect(Number(/^scheduler_fire_lag_seconds_count\{[^}]*\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^scheduler_jobs_materialized_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/scheduler_runs_total\{[^}]*outcome="materialized"/);
    expect(metrics).toMatch(/scheduler_schedulers_in_redis\{[^}]*\} \d+/);
    expect(metrics).toMatch(/scheduler_queue_depth\{[^}]*queue="content-jobs"/);
  });

  it('when a 6-field cron fires every 2 s with max_runs 3, then exactly three Jobs and the schedule completes', async () => {
    const user = newUserId();
    const created = await createSchedule(api, user, {
      name: 'every 2s',
      schedule_type: 'cron',
      recurrence_pattern: '*/2 * * * * *',
      scheduled_at: new Date(Date.now() + 500).toISOString(),
      max_runs: 3,
      job_config: { publisher_domain: 'forbes.com' },
    });
    const schedule = await waitFor(
      () => api.deps.dataSource.getRepository(ScheduledJob).findOneByOrFail({ id: created.id }),
      (s) => s.status === 'completed',
      15_000,
    );
    expect(schedule).toMatchObject({ status: 'completed', runCount: 3 });
    await sleep(2500);
    const jobs = await jobsOf(created.id);
    expect(jobs).toHaveLength(3);
    const instants = jobs.map((j) => j.scheduledFor!.getTime()).sort();
    expect(instants.every((ms) => ms % 2000 === 0)).toBe(true);
    expect(instants[1] - instants[0]).toBe(2000);
    expect(instants[2] - instants[1]).toBe(2000);
    expect(await api.deps.occurrenceQueues.of(created.id).getJobScheduler(created.id)).toBeUndefined();
  });
});
