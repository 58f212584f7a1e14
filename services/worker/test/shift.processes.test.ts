/**
 * A `shift` blackout end to end, with real processes: a real API (its `dist/main.js`) and two
 * worker processes on one queue prefix. A shifted occurrence fires once, on the next open day,
 * at the nominal local time.
 *
 * The trick: a shift moves an occurrence to the same local time on a later day, so the shifted
 * run is always about a day after its nominal instant. For it to fall a few seconds from now,
 * the nominal occurrence must be yesterday's, i.e. the schedule must have existed since then.
 * The processes read the real clock (no fake-time setting), and `POST /schedule` refuses a
 * `scheduled_at` in the past, so the test creates a weekly schedule through the API and then
 * back-dates its start by a week in the row (as if it had been created last week: `scheduled_at`
 * and the stored rule, compiled by the recurrence package), so that its previous occurrence is
 * yesterday at T − 24 h, T being a whole second ~12 s ahead. The zone is `Pacific/Kiritimati`
 * (UTC+14, no DST: a local day is exactly 24 h). The blackout is in another zone, `Etc/GMT+12`
 * (UTC−12): it covers the single local date that T − 24 h has there, which T (a day later) does
 * not have. Creating the blackout makes the API recompute the schedule's next run (T, not an
 * occurrence of its rule) and queue its delayed job; the workers make exactly one Job at T; its
 * next run is then next week's own occurrence, and yesterday's instant made nothing.
 *
 * Needs the build (`npm run -s build`).
 */
import type { ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { createRedis } from '@scheduler/queue';
import { parseSchedule } from '@scheduler/recurrence';
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
const prefix = uniqueName('shift');
const queues = () => openQueues(redis, prefix);
const DAY = 86_400_000;
const HOUR = 3_600_000;
const ZONE = 'Pacific/Kiritimati'; // UTC+14 all year
const BLACKOUT_ZONE = 'Etc/GMT+12'; // UTC-12 all year
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** The local date ('YYYY-MM-DD') and weekday of an instant in a fixed-offset zone. */
const localDate = (t: number, offsetHours: number) => new Date(t + offsetHours * HOUR).toISOString().slice(0, 10);
const localWeekday = (t: number, offsetHours: number) => WEEKDAYS[new Date(t + offsetHours * HOUR).getUTCDay()];

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

it('when a shift blackout covers yesterday’s occurrence, then it fires once today at the same local time, and yesterday’s instant makes no Job', async () => {
  const env = { QUEUE_PREFIX: prefix, WORKER_CONCURRENCY: '5', RECONCILE_INTERVAL_SECONDS: '1' };
  const workers = ['w1', 'w2'].map((name) => procs.spawn(name, env));
  await Promise.all(workers.map((w) => waitUntilUp(redis, prefix, w)));
  const started = await startApiProcess({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix }, user);
  api = started.process;
  const { call } = started;

  // T: where the shifted run lands; N: its nominal instant, yesterday at the same local time.
  const shiftedTo = wholeSecondAhead(12_000).getTime();
  const nominal = shiftedTo - DAY;
  const pattern = `weekly:${localWeekday(nominal, 14)}`;
  const created = await call('POST', '/schedule', {
    name: 'weekly, shifted',
    schedule_type: 'weekly',
    recurrence_pattern: pattern,
    timezone: ZONE,
    scheduled_at: new Date(nominal + 7 * DAY).toISOString(),
    job_config: { publisher_domain: 'example.com' },
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect(new Date(created.body.next_run_at as string).getTime()).toBe(nominal + 7 * DAY);

  // Back-dated: the same rule, started a week earlier (its occurrence before now is N).
  const parsed = parseSchedule({
    schedule_type: 'weekly',
    scheduled_at: new Date(nominal - 7 * DAY),
    recurrence_pattern: pattern,
    timezone: ZONE,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  await ds.query(
    `UPDATE scheduled_jobs SET scheduled_at = $2::timestamptz, recurrence_rule = $3::jsonb, created_at = $2::timestamptz - interval '1 minute' WHERE id = $1`,
    [id, new Date(nominal - 7 * DAY), JSON.stringify(parsed.rule)],
  );

  // N's local date in UTC−12 (T's is the next one there).
  const covered = localDate(nominal, -12);
  expect(localDate(shiftedTo, -12)).not.toBe(covered);
  const blackout = await call('POST', '/blackouts', {
    name: 'Shifted day',
    start_date: covered,
    end_date: covered,
    timezone: BLACKOUT_ZONE,
    policy: 'shift',
  });
  expect(blackout.status).toBe(201);
  const moved = await call('GET', `/schedule/${id}`);
  expect(moved.body.next_run_at).toBe(new Date(shiftedTo).toISOString());
  expect(Date.now()).toBeLessThan(shiftedTo); // the set-up took less than the margin

  const jobs = () =>
    ds.query<{ id: string; scheduled_for: Date | null }[]>('SELECT id, scheduled_for FROM jobs WHERE scheduled_job_id = $1', [id]);
  const made = await pollUntil(jobs, (j) => j.length >= 1, shiftedTo - Date.now() + 20_000, 200);
  expect(Date.now()).toBeGreaterThanOrEqual(shiftedTo);
  await sleep(3_000); // room for a duplicate were there one (two workers, the scheduler, the reconciler)

  const all = await jobs();
  expect(all.map((j) => j.scheduled_for?.getTime())).toEqual([shiftedTo]);
  expect(all.map((j) => j.id)).toEqual(made.map((j) => j.id));
  const runs = await ds.query<{ at: Date; outcome: string; job_id: string | null }[]>(
    `SELECT occurrence_at AS at, outcome, job_id FROM schedule_runs WHERE scheduled_job_id = $1 ORDER BY occurrence_at`,
    [id],
  );
  expect(runs.map((r) => [r.at.getTime(), r.outcome, r.job_id])).toEqual([[shiftedTo, 'materialized', all[0].id]]);
  const content = await queues().contentQueue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
  expect(content.filter((e) => e.data.scheduled_job_id === id).map((e) => e.id)).toEqual([all[0].id]);

  // Then its own rule again: next week's occurrence, at the nominal local time.
  const after = await call('GET', `/schedule/${id}`);
  expect(after.body.next_run_at).toBe(new Date(nominal + 7 * DAY).toISOString());
  expect(after.body.run_count).toBe(1);
}, 90_000);
