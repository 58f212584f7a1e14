/**
 * Blackouts end to end, with real processes: a real API (its `dist/main.js`) and two worker
 * processes on one queue prefix. An every-2-s schedule under a `skip` blackout covering today
 * (yesterday to tomorrow, so no midnight can end it during the test) records each occurrence
 * `skipped` (reason `blackout: <name>`) and makes no Job, and nothing reaches `content-jobs`;
 * once the blackout is deleted it fires again.
 *
 * Needs the build (`npm run -s build`).
 */
import type { ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { createRedis } from '@scheduler/queue';
import {
  cleanUpUsers,
  deleteKeysUnder,
  newUserId,
  obliterateQueues,
  openDataSource,
  openQueues,
  pollUntil,
  startApiProcess,
  TEST_REDIS_URL,
  uniqueName,
  waitUntilUp,
  wholeSecondAhead,
  WorkerProcesses,
} from '@scheduler/testkit';

let ds: DataSource;
let redis: Redis;
const procs = new WorkerProcesses();
let api: ChildProcess | null = null;
const user = newUserId();
const prefix = uniqueName('blackouts');
const queues = () => openQueues(redis, prefix);
const DAY = 86_400_000;

beforeAll(async () => {
  ds = await openDataSource();
  redis = createRedis(TEST_REDIS_URL);
});
afterAll(async () => {
  await procs.killAll();
  procs.dispose();
  api?.kill('SIGKILL');
  await obliterateQueues(queues());
  await deleteKeysUnder(redis, prefix);
  await ds.query(`DELETE FROM blackouts WHERE user_id = $1`, [user]);
  await cleanUpUsers(ds, [user]);
  await redis.quit();
  await ds.destroy();
});

it('when a skip blackout covers today, then an every-2-s schedule records its occurrences skipped with the reason and makes no Job; deleted, it fires again', async () => {
  const env = { QUEUE_PREFIX: prefix, WORKER_CONCURRENCY: '5', RECONCILE_INTERVAL_SECONDS: '1' };
  const workers = ['w1', 'w2'].map((name) => procs.spawn(name, env));
  await Promise.all(workers.map((w) => waitUntilUp(redis, prefix, w)));
  const started = await startApiProcess({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix }, user);
  api = started.process;
  const { call } = started;

  const day = (n: number) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);
  const freeze = await call('POST', '/blackouts', {
    name: 'Freeze',
    start_date: day(-1),
    end_date: day(1),
    timezone: 'UTC',
    policy: 'skip',
  });
  expect(freeze.status).toBe(201);
  const created = await call('POST', '/schedule', {
    name: 'every 2 s',
    schedule_type: 'cron',
    recurrence_pattern: '*/2 * * * * *',
    scheduled_at: wholeSecondAhead(2_000).toISOString(),
    job_config: { publisher_domain: 'example.com' },
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  // Its next run is the first one after the blackout.
  expect(new Date(created.body.next_run_at as string).getTime()).toBeGreaterThan(Date.now() + DAY / 2);

  const runs = () =>
    ds.query<{ at: string; outcome: string; reason: string | null }[]>(
      `SELECT occurrence_at AS at, outcome, reason FROM schedule_runs WHERE scheduled_job_id = $1 ORDER BY occurrence_at`,
      [id],
    );
  const skippedRuns = await pollUntil(runs, (r) => r.length >= 3, 20_000, 200);
  const jobs = () => ds.query<{ id: string }[]>('SELECT id FROM jobs WHERE scheduled_job_id = $1', [id]);
  expect(skippedRuns.slice(0, 3).map((r) => [r.outcome, r.reason])).toEqual([
    ['skipped', 'blackout: Freeze'],
    ['skipped', 'blackout: Freeze'],
    ['skipped', 'blackout: Freeze'],
  ]);
  expect(await jobs()).toEqual([]);
  // (The reconciler hands over any database's unqueued Jobs: only this schedule's count here.)
  const handedOver = await queues().contentQueue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
  expect(handedOver.filter((j) => j.data.scheduled_job_id === id)).toEqual([]);

  // Deleted: the schedule's next run is back within seconds, and it fires again.
  expect((await call('DELETE', `/blackouts/${freeze.body.id as string}`)).status).toBe(204);
  const back = await call('GET', `/schedule/${id}`);
  expect(new Date(back.body.next_run_at as string).getTime()).toBeLessThan(Date.now() + 5_000);
  await pollUntil(jobs, (j) => j.length >= 1, 20_000, 200);
  await call('POST', `/schedule/${id}/pause`);
  const after = await runs();
  expect(after.filter((r) => r.outcome === 'materialized').length).toBeGreaterThanOrEqual(1);
  expect(after.filter((r) => r.outcome === 'skipped').every((r) => r.reason === 'blackout: Freeze')).toBe(true);
}, 90_000);
