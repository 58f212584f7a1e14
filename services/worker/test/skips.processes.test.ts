/**
 * Skip and run now end to end, with real processes: a real API (its `dist/main.js`) and two
 * worker processes on one queue prefix. A schedule firing every 2 s with one occurrence skipped
 * makes no Job for it and records it `skipped` (reason `skipped`), while the occurrences before
 * and after it fire once each; a run now makes its Job at once and, retried with the same
 * `Idempotency-Key`, no second one (one entry on `content-jobs`).
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
  sleep,
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
const queues = () => openQueues(redis, prefix);
const prefix = uniqueName('skips');

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
  await cleanUpUsers(ds, [user]);
  await redis.quit();
  await ds.destroy();
});

it('when one occurrence of an every-2-s schedule is skipped, then it makes no Job and a skipped run while the next one fires; run now retried with its key makes one Job', async () => {
  const env = { QUEUE_PREFIX: prefix, WORKER_CONCURRENCY: '5', RECONCILE_INTERVAL_SECONDS: '1' };
  const workers = ['w1', 'w2'].map((name) => procs.spawn(name, env));
  await Promise.all(workers.map((w) => waitUntilUp(redis, prefix, w)));
  const started = await startApiProcess({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix }, user);
  api = started.process;
  const { call } = started;

  const start = wholeSecondAhead(4_000);
  const created = await call('POST', '/schedule', {
    name: 'every 2 s',
    schedule_type: 'cron',
    recurrence_pattern: '*/2 * * * * *',
    scheduled_at: start.toISOString(),
    job_config: { publisher_domain: 'example.com' },
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  const first = new Date(created.body.next_run_at as string).getTime();
  const skipped = first + 4_000;
  const skip = await call('POST', `/schedule/${id}/skip`, { occurrence_at: new Date(skipped).toISOString() });
  expect(skip.status).toBe(200);

  // Run now, retried with the same key: one Job, at once.
  const runNow = () => call('POST', `/schedule/${id}/run`, undefined, { 'Idempotency-Key': `run-${id}` });
  const [manual, retried] = [await runNow(), await runNow()];
  expect([manual.status, retried.status]).toEqual([201, 201]);
  expect(retried.body.id).toBe(manual.body.id);
  expect(manual.body.scheduled_for).toBeNull();

  // Until the occurrence after the skipped one is settled.
  const runs = () =>
    ds.query<{ at: string; outcome: string; reason: string | null; trigger: string; job_id: string | null }[]>(
      `SELECT occurrence_at AS at, outcome, reason, trigger, job_id FROM schedule_runs WHERE scheduled_job_id = $1 ORDER BY occurrence_at`,
      [id],
    );
  await pollUntil(runs, (r) => r.some((x) => new Date(x.at).getTime() >= skipped + 2_000), skipped + 2_000 - Date.now() + 20_000, 200);
  await sleep(1_000); // room for a duplicate were there one
  await call('POST', `/schedule/${id}/pause`);

  const history = (await runs()).filter((r) => r.trigger === 'schedule' && new Date(r.at).getTime() <= skipped + 2_000);
  expect(history.map((r) => [new Date(r.at).getTime() - first, r.outcome, r.reason])).toEqual([
    [0, 'materialized', null],
    [2_000, 'materialized', null],
    [4_000, 'skipped', 'skipped'],
    [6_000, 'materialized', null],
  ]);
  const jobs = await ds.query<{ id: string; scheduled_for: Date | null }[]>(
    'SELECT id, scheduled_for FROM jobs WHERE scheduled_job_id = $1',
    [id],
  );
  expect(jobs.filter((j) => j.scheduled_for?.getTime() === skipped)).toEqual([]);
  expect(jobs.filter((j) => j.scheduled_for === null).map((j) => j.id)).toEqual([manual.body.id]);
  const manualRuns = (await runs()).filter((r) => r.trigger === 'manual');
  expect(manualRuns.map((r) => [r.outcome, r.job_id])).toEqual([['materialized', manual.body.id]]);
  const content = await queues().contentQueue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
  expect(content.filter((e) => e.id === manual.body.id)).toHaveLength(1);
  // The manual run counted no run: run_count is the schedule's own materialized occurrences.
  const [row] = await ds.query<{ run_count: number }[]>('SELECT run_count FROM scheduled_jobs WHERE id = $1', [id]);
  expect(row.run_count).toBe((await runs()).filter((r) => r.trigger === 'schedule' && r.outcome === 'materialized').length);
}, 90_000);
