/**
 * What the fault suites share: schedules inserted in bulk as the API would have stored them,
 * their BullMQ schedulers, and the SQL that counts what a scenario produced (never assumed).
 */
import type { DataSource } from 'typeorm';
import { ruleOf } from '@scheduler/entities';
import type { RecurrenceRule } from '@scheduler/recurrence';
import { asOccurrenceQueues, OccurrenceTarget, RedisClient, syncScheduler } from '@scheduler/queue';
import { perWorker, waitUntilUp, type WorkerProcess, type WorkerProcesses } from './processes';
import { pollUntil, sleep, wholeSecondAhead } from './time';

export interface InsertedSchedule {
  id: string;
  version: number;
  rule: RecurrenceRule;
}

/** Inserts `count` schedules in one statement, as the API would have stored them. */
export async function insertSchedules(
  ds: DataSource,
  userId: string,
  count: number,
  type: 'once' | 'daily',
  at: Date,
): Promise<InsertedSchedule[]> {
  const rows: {
    id: string;
    version: number;
    schedule_type: string;
    scheduled_at: Date;
    recurrence_pattern: string | null;
    timezone: string;
    recurrence_end_date: Date | null;
    max_runs: number | null;
  }[] = await ds.query(
    `INSERT INTO scheduled_jobs (user_id, workspace_id, name, schedule_type, scheduled_at, timezone, job_config, status, next_run_at, version)
     SELECT $1, 'user:' || $1, 'fault test ' || g, $2, $3, 'UTC', '{"publisher_domain": "x.com"}', 'active', $3, 1
     FROM generate_series(1, $4::int) AS g
     RETURNING id, version, schedule_type, scheduled_at, recurrence_pattern, timezone, recurrence_end_date, max_runs`,
    [userId, type, at, count],
  );
  return rows.map((r) => {
    const rule = ruleOf({
      scheduleType: r.schedule_type,
      scheduledAt: r.scheduled_at,
      recurrencePattern: r.recurrence_pattern,
      timezone: r.timezone,
      recurrenceEndDate: r.recurrence_end_date,
      maxRuns: r.max_runs,
    });
    if (!rule) throw new Error(`inserted schedule ${r.id} has no valid rule`);
    return { id: r.id, version: r.version, rule };
  });
}

/** Upserts every schedule's BullMQ job scheduler (in its shard's queue), as the API does after its insert. */
export async function syncAll(target: OccurrenceTarget, schedules: InsertedSchedule[]): Promise<void> {
  const queues = asOccurrenceQueues(target);
  for (let i = 0; i < schedules.length; i += 50) {
    await Promise.all(schedules.slice(i, i + 50).map((s) => syncScheduler(queues.of(s.id), s)));
  }
}

/** How many of the schedules have their occurrence at `at` waiting as a delayed job (in their shard's queue). */
export async function countDelayed(target: OccurrenceTarget, ids: string[], at: Date): Promise<number> {
  const queues = asOccurrenceQueues(target);
  let delayed = 0;
  for (let i = 0; i < ids.length; i += 100) {
    const states = await Promise.all(
      ids.slice(i, i + 100).map(async (id) => {
        const job = await queues.of(id).getJob(`repeat:${id}:${at.getTime()}`);
        return job ? job.getState() : 'missing';
      }),
    );
    delayed += states.filter((s) => s === 'delayed').length;
  }
  return delayed;
}

export interface Measure {
  /** Occurrences due: one per schedule row of the user, at `dueAt`. */
  due: number;
  /** Jobs of the user. */
  created: number;
  /** Jobs beyond the first for one schedule (any instant): must be 0. */
  duplicates: number;
  /** Schedules with no Job for their due instant: must be 0. */
  losses: number;
  /** Jobs for another instant than the due one. */
  wrongInstant: number;
  /** Jobs whose schedule row is not there (or not the user's). */
  withoutRow: number;
  /** Worst and best lateness, Job created_at - scheduled_for, in seconds. */
  maxLateSeconds: number;
  minLateSeconds: number;
  errorCount: number;
  consecutiveErrors: number;
  byStatus: Record<string, number>;
}

/** What a scenario produced for one user whose schedules were all due at `dueAt`, counted with SQL. */
export async function measure(ds: DataSource, userId: string, dueAt: Date): Promise<Measure> {
  const [c] = await ds.query(
    `SELECT
       (SELECT count(*)::int FROM scheduled_jobs WHERE user_id = $1) AS due,
       (SELECT count(*)::int FROM jobs WHERE user_id = $1) AS created,
       (SELECT count(*)::int FROM jobs WHERE user_id = $1 AND scheduled_for <> $2) AS wrong_instant,
       (SELECT count(*)::int FROM jobs j WHERE j.user_id = $1 AND (j.scheduled_job_id IS NULL OR NOT EXISTS
          (SELECT 1 FROM scheduled_jobs s WHERE s.id = j.scheduled_job_id AND s.user_id = $1))) AS without_row,
       (SELECT coalesce(max(extract(epoch FROM created_at - scheduled_for)), 0)::float FROM jobs WHERE user_id = $1) AS max_late,
       (SELECT coalesce(min(extract(epoch FROM created_at - scheduled_for)), 0)::float FROM jobs WHERE user_id = $1) AS min_late,
       (SELECT coalesce(sum(error_count), 0)::int FROM scheduled_jobs WHERE user_id = $1) AS error_count,
       (SELECT coalesce(sum(consecutive_errors), 0)::int FROM scheduled_jobs WHERE user_id = $1) AS consecutive_errors,
       (SELECT count(*)::int FROM scheduled_jobs s WHERE s.user_id = $1 AND NOT EXISTS
          (SELECT 1 FROM jobs j WHERE j.scheduled_job_id = s.id AND j.scheduled_for = $2)) AS losses`,
    [userId, dueAt],
  );
  const dupRows: { n: number }[] = await ds.query(
    `SELECT count(*)::int AS n FROM jobs WHERE user_id = $1 AND scheduled_job_id IS NOT NULL GROUP BY scheduled_job_id HAVING count(*) > 1`,
    [userId],
  );
  const statusRows: { status: string; n: number }[] = await ds.query(
    'SELECT status, count(*)::int AS n FROM scheduled_jobs WHERE user_id = $1 GROUP BY 1',
    [userId],
  );
  return {
    due: c.due,
    created: c.created,
    duplicates: dupRows.reduce((sum, r) => sum + r.n - 1, 0),
    losses: c.losses,
    wrongInstant: c.wrong_instant,
    withoutRow: c.without_row,
    maxLateSeconds: Number(c.max_late.toFixed(2)),
    minLateSeconds: Number(c.min_late.toFixed(2)),
    errorCount: c.error_count,
    consecutiveErrors: c.consecutive_errors,
    byStatus: Object.fromEntries(statusRows.map((r) => [r.status, r.n])),
  };
}

/** One Measure of several users (each measured against its own instant). */
export function combine(ms: Measure[]): Measure {
  const sum = (f: (m: Measure) => number) => ms.reduce((t, m) => t + f(m), 0);
  const byStatus: Record<string, number> = {};
  for (const m of ms) for (const [k, v] of Object.entries(m.byStatus)) byStatus[k] = (byStatus[k] ?? 0) + v;
  return {
    due: sum((m) => m.due),
    created: sum((m) => m.created),
    duplicates: sum((m) => m.duplicates),
    losses: sum((m) => m.losses),
    wrongInstant: sum((m) => m.wrongInstant),
    withoutRow: sum((m) => m.withoutRow),
    maxLateSeconds: Math.max(...ms.map((m) => m.maxLateSeconds)),
    minLateSeconds: Math.min(...ms.map((m) => m.minLateSeconds)),
    errorCount: sum((m) => m.errorCount),
    consecutiveErrors: sum((m) => m.consecutiveErrors),
    byStatus,
  };
}

/** Jobs of the user. */
export async function jobCount(ds: DataSource, userId: string): Promise<number> {
  return (await ds.query('SELECT count(*)::int AS n FROM jobs WHERE user_id = $1', [userId]))[0].n;
}

export interface ScheduleRowAfter {
  id: string;
  status: string;
  run_count: number;
  error_count: number;
  next_run_at: Date | null;
  last_run_at: Date | null;
  /** Its run history rows, and those of them that materialized. */
  runs: number;
  materialized: number;
}

/** The user's schedules after the run, for per-schedule checks. */
export async function scheduleRows(ds: DataSource, userId: string): Promise<ScheduleRowAfter[]> {
  return ds.query(
    `SELECT s.id, s.status, s.run_count, s.error_count, s.next_run_at, s.last_run_at,
            (SELECT count(*)::int FROM schedule_runs r WHERE r.scheduled_job_id = s.id) AS runs,
            (SELECT count(*)::int FROM schedule_runs r WHERE r.scheduled_job_id = s.id AND r.outcome = 'materialized') AS materialized
     FROM scheduled_jobs s WHERE s.user_id = $1`,
    [userId],
  );
}

/** One line per scenario: what was due, what was made, duplicates and losses, plus `extra`. */
export function summary(scenario: string, m: Measure, extra: Record<string, unknown>): void {
  const fields = Object.entries(extra)
    .map(
      ([k, v]) =>
        `${k}=${typeof v === 'object' || typeof v === 'function' ? JSON.stringify(v) : String(v as string | number | boolean | bigint | symbol | undefined)}`,
    )
    .join(' ');
  process.stdout.write(
    `[faults] ${scenario}: due=${m.due} created=${m.created} duplicates=${m.duplicates} losses=${m.losses} ` +
      `wrong_instant=${m.wrongInstant} without_row=${m.withoutRow} late=${m.minLateSeconds}..${m.maxLateSeconds}s ${fields}\n`,
  );
}

/**
 * Removes the Jobs and schedules of a fault test's users; with FAULTS_KEEP_DATA=1 keeps them to
 * look at, paused, so that no other run's reconciler ever fires them.
 */
export async function cleanUpUsers(ds: DataSource, users: string[]): Promise<void> {
  if (users.length === 0) return;
  if (process.env.FAULTS_KEEP_DATA === '1') {
    await ds.query(`UPDATE scheduled_jobs SET status = 'paused', next_run_at = NULL WHERE user_id = ANY($1) AND status = 'active'`, [
      users,
    ]);
  } else {
    await ds.query('DELETE FROM jobs WHERE user_id = ANY($1)', [users]);
    await ds.query('DELETE FROM scheduled_jobs WHERE user_id = ANY($1)', [users]);
  }
}

/**
 * The fault suites' promise: each of the `due` occurrences made exactly one Job, at its own
 * instant (no duplicate, no loss), and, with `graceSeconds`, none later than the misfire grace.
 */
export function expectEachOccurrenceOnce(m: Measure, due: number, options: { graceSeconds?: number } = {}): void {
  expect(m.due).toBe(due);
  expect(m.duplicates).toBe(0);
  expect(m.losses).toBe(0);
  expect(m.created).toBe(due);
  expect(m.wrongInstant).toBe(0);
  if (options.graceSeconds !== undefined) expect(m.maxLateSeconds).toBeLessThan(options.graceSeconds);
}

/** Where a same-second burst runs: the worker processes' Redis (one, or a cluster) and their environment. */
export interface BurstSetup {
  ds: DataSource;
  /** For the workers' heartbeats (`waitUntilUp`). */
  redis: RedisClient;
  /** The occurrence queues the schedulers are written to, as the API would (every shard). */
  queues: OccurrenceTarget;
  procs: WorkerProcesses;
  /** The worker processes' environment (QUEUE_PREFIX and, for a cluster, REDIS_CLUSTER_NODES, OCCURRENCE_SHARDS). */
  env: Record<string, string>;
  userId: string;
  /** Worker processes (3 by default). */
  workers?: number;
  /** `once` schedules due at the same second (500 by default). */
  schedules?: number;
  /** Runs as soon as the first Job of the burst is in PostgreSQL (kill -9 a worker, a Redis master…). */
  midBurst?: (workers: WorkerProcess[]) => Promise<void>;
  /** How long the burst may take to drain after its instant (ms). */
  drainMs?: number;
}

/** What a burst produced. */
export interface BurstOutcome {
  m: Measure;
  dueAt: Date;
  ids: string[];
  workers: WorkerProcess[];
  /** Queued as delayed jobs before their instant (the race is only real when all were). */
  queued: number;
  setupLeftMs: number;
  upMs: number[];
  jobsMidBurst: number | null;
  drainedAfterSeconds: number;
  perWorker: ReturnType<typeof perWorker>;
}

/**
 * The exactly-once scenario of the fault suites, for one Redis or a cluster: `workers` worker
 * processes, `schedules` once schedules due at the same second with their schedulers written
 * beforehand, `midBurst` run when the burst shows in PostgreSQL, then a wait until every
 * schedule has completed (or `drainMs`), and what happened counted with SQL. The caller asserts
 * (`expectEachOccurrenceOnce`) and prints its `summary`.
 */
export async function runSameSecondBurst(setup: BurstSetup): Promise<BurstOutcome> {
  const { ds, redis, queues, procs, env, userId } = setup;
  const count = setup.schedules ?? 500;
  const workers = Array.from({ length: setup.workers ?? 3 }, (_, i) => procs.spawn(`w${i + 1}`, env));
  const upMs = await Promise.all(workers.map((w) => waitUntilUp(redis, env.QUEUE_PREFIX, w)));

  const dueAt = wholeSecondAhead(4_500);
  const schedules = await insertSchedules(ds, userId, count, 'once', dueAt);
  await syncAll(queues, schedules);
  const ids = schedules.map((s) => s.id);
  const queued = await countDelayed(queues, ids, dueAt);
  const setupLeftMs = dueAt.getTime() - Date.now();

  let jobsMidBurst: number | null = null;
  if (setup.midBurst) {
    jobsMidBurst = await pollUntil(
      () => jobCount(ds, userId),
      (n) => n > 0,
      dueAt.getTime() - Date.now() + 10_000,
      10,
    );
    await setup.midBurst(workers);
  }
  await pollUntil(
    () => measure(ds, userId, dueAt),
    (m) => m.created >= count && m.byStatus.completed === count,
    dueAt.getTime() - Date.now() + (setup.drainMs ?? 20_000),
  );
  const drainedAfterSeconds = Number(((Date.now() - dueAt.getTime()) / 1000).toFixed(1));
  await sleep(1_500); // room for a late duplicate to land, were there one
  return {
    m: await measure(ds, userId, dueAt),
    dueAt,
    ids,
    workers,
    queued,
    setupLeftMs,
    upMs,
    jobsMidBurst,
    drainedAfterSeconds,
    perWorker: perWorker(workers, new Set(ids)),
  };
}
