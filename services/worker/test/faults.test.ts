/**
 * Fault and concurrency tests of the worker, against real worker processes (the compiled
 * `dist/main.js`), the shared test database and Redis db 0 under a unique queue prefix per test.
 *
 * Each scenario prints one summary line (occurrences due, Jobs created, duplicates, losses) and
 * fails on any duplicate, or on any occurrence that did not produce its Job within grace.
 * Duplicates and losses are counted with SQL, never assumed.
 *
 * Needs the build (`npm run -s build`): the workers run `services/worker/dist/main.js`.
 */
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { createRedis, statusKeys } from '@scheduler/queue';
import { DEFAULT_MISFIRE_GRACE_SECONDS } from '@scheduler/entities';
import {
  cleanUpUsers,
  countDelayed,
  DAY,
  deleteKeysUnder,
  expectEachOccurrenceOnce,
  insertSchedules,
  jobCount,
  keysUnder,
  measure,
  newUserId,
  obliterateQueues,
  occurrenceLogs,
  openDataSource,
  openQueues,
  perWorker,
  pollUntil,
  PrefixQueues,
  runSameSecondBurst,
  scheduleRows,
  secondsSince,
  signalAndWait,
  sleep,
  summary,
  syncAll,
  TEST_REDIS_URL,
  uniqueName,
  waitUntilUp,
  wholeSecondAhead,
  WorkerProcesses,
} from '@scheduler/testkit';

let ds: DataSource;
let redis: Redis;
const procs = new WorkerProcesses();
/** What the running test created and must remove, even when it fails. */
let prefixes: PrefixQueues[] = [];
let users: string[] = [];

beforeAll(async () => {
  ds = await openDataSource();
  redis = createRedis(TEST_REDIS_URL);
});

afterEach(async () => {
  await procs.killAll();
  for (const queues of prefixes) {
    await obliterateQueues(queues);
    await deleteKeysUnder(redis, queues.prefix);
  }
  prefixes = [];
  await cleanUpUsers(ds, users);
  users = [];
});

afterAll(async () => {
  await procs.killAll();
  procs.dispose();
  await redis?.quit();
  await ds?.destroy();
});

function newPrefix(): PrefixQueues {
  const queues = openQueues(redis, uniqueName('faults'));
  prefixes.push(queues);
  return queues;
}

function newUser(): string {
  const id = newUserId();
  users.push(id);
  return id;
}

describe('worker processes under faults and concurrency', () => {
  it('1. three worker processes and 500 once schedules due at the same second: exactly one Job per schedule', async () => {
    const started = Date.now();
    const { prefix, queue, contentQueue } = newPrefix();
    const userId = newUser();
    const env = { QUEUE_PREFIX: prefix, LOG_LEVEL: 'debug', WORKER_CONCURRENCY: '10' };
    const burst = await runSameSecondBurst({ ds, redis, queues: queue, procs, env, userId });
    // The burst only tests the race if every occurrence was queued before its instant.
    expect(burst.setupLeftMs).toBeGreaterThan(0);
    expect(burst.queued).toBe(500);
    const { m } = burst;
    const rows = await scheduleRows(ds, userId);
    const jobIds: { id: string }[] = await ds.query('SELECT id FROM jobs WHERE user_id = $1', [userId]);
    const inContentQueue = (await Promise.all(jobIds.map((j) => contentQueue.getJob(j.id)))).filter(Boolean).length;
    summary('1 three workers x 500 once', m, {
      workers_up_ms: burst.upMs,
      setup_left_ms: burst.setupLeftMs,
      per_worker: burst.perWorker,
      content_queue: inContentQueue,
      all_done_after: `${burst.drainedAfterSeconds}s`,
      total: `${secondsSince(started)}s`,
    });

    expectEachOccurrenceOnce(m, 500);
    expect(m.byStatus).toEqual({ completed: 500 });
    expect(rows.filter((r) => r.run_count !== 1 || r.next_run_at !== null || r.runs !== 1 || r.materialized !== 1)).toEqual([]);
    expect(inContentQueue).toBe(500);
    // Every worker took part: the occurrences were really raced for by three processes.
    expect(burst.perWorker.every((w) => w.materialized > 0)).toBe(true);
  }, 60_000);

  it('2. kill -9 of one of two workers mid-burst, then a new worker: 300 daily occurrences, no duplicate, none lost', async () => {
    const started = Date.now();
    const { prefix, queue } = newPrefix();
    const userId = newUser();
    const env = { QUEUE_PREFIX: prefix, LOG_LEVEL: 'debug', WORKER_CONCURRENCY: '10' };
    const victim = procs.spawn('victim', env);
    const survivor = procs.spawn('survivor', env);
    await Promise.all([victim, survivor].map((w) => waitUntilUp(redis, prefix, w)));

    const dueAt = wholeSecondAhead(4_000);
    const schedules = await insertSchedules(ds, userId, 300, 'daily', dueAt);
    await syncAll(queue, schedules);
    const ids = schedules.map((s) => s.id);
    expect(await countDelayed(queue, ids, dueAt)).toBe(300);
    expect(Date.now()).toBeLessThan(dueAt.getTime());

    // Kill the victim the moment the burst shows in PostgreSQL.
    const firstSeen = await pollUntil(
      () => jobCount(ds, userId),
      (n) => n > 0,
      dueAt.getTime() - Date.now() + 10_000,
      10,
    );
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(firstSeen).toBeGreaterThan(0);
    await victim.exited;
    const victimHandled = occurrenceLogs(victim).length;

    const replacement = procs.spawn('replacement', env);
    await waitUntilUp(redis, prefix, replacement);
    // The victim's locks last 30 s: until then only what it held is missing.
    await sleep(Math.max(0, killedAt + 8_000 - Date.now()));
    const beforeRecovery = await jobCount(ds, userId);
    const stranded = 300 - beforeRecovery;

    // BullMQ hands a dead worker's jobs back once their lock (30 s) has expired and a stalled
    // check (every 30 s) has seen them twice: up to about 60 s after the kill.
    await pollUntil(
      () => jobCount(ds, userId),
      (n) => n >= 300,
      killedAt + 80_000 - Date.now(),
    );
    const recoveredAfter = ((Date.now() - killedAt) / 1000).toFixed(1);
    await sleep(1_500);
    // A victim killed between a batch's commit and its acknowledgement (the first Jobs seen are
    // often a whole batch of its) stranded nothing uncommitted, but its occurrences come back once
    // their locks lapse (about 20 s) and take the duplicate path: wait for those too.
    const redeliveredOf = () => perWorker([victim, survivor, replacement], new Set(ids)).reduce((sum, w) => sum + w.redelivered, 0);
    if (stranded === 0)
      await pollUntil(
        () => Promise.resolve(redeliveredOf()),
        (n) => n > 0,
        killedAt + 40_000 - Date.now(),
        250,
      );
    const m = await measure(ds, userId, dueAt);
    const rows = await scheduleRows(ds, userId);
    const nextQueued = await countDelayed(queue, ids, new Date(dueAt.getTime() + DAY));
    const split = perWorker([victim, survivor, replacement], new Set(ids));
    // Occurrences the victim held when killed: those it had not committed (stranded until the
    // stalled-job recovery) and those it had committed but not acknowledged (delivered again).
    const redelivered = split.reduce((sum, w) => sum + w.redelivered, 0);
    summary('2 kill -9 mid-burst (2 workers, 300 daily)', m, {
      jobs_at_kill: firstSeen,
      victim_logged: victimHandled,
      stranded_until_lock_expiry: stranded,
      redelivered_after_kill: redelivered,
      all_jobs_after_kill: `${recoveredAfter}s`,
      next_day_queued: nextQueued,
      per_worker: split,
      total: `${secondsSince(started)}s`,
    });

    expectEachOccurrenceOnce(m, 300, { graceSeconds: DEFAULT_MISFIRE_GRACE_SECONDS });
    const wrong = rows.filter(
      (r) =>
        r.status !== 'active' ||
        r.run_count !== 1 ||
        r.runs !== 1 ||
        r.materialized !== 1 ||
        r.last_run_at?.getTime() !== dueAt.getTime() ||
        r.next_run_at?.getTime() !== dueAt.getTime() + DAY,
    );
    expect(wrong).toEqual([]);
    // Tomorrow's occurrence is queued for every schedule: the kill lost no future run either.
    expect(nextQueued).toBe(300);
    // The kill hit work in hand, so the stalled-job recovery was really exercised.
    expect(stranded + redelivered).toBeGreaterThan(0);
  }, 110_000);

  it('3. Redis flushed while the worker is down: the reconciler recreates the schedulers and the overdue occurrences fire late within grace', async () => {
    const started = Date.now();
    const { prefix, queue } = newPrefix();
    const userId = newUser();
    const env = { QUEUE_PREFIX: prefix, LOG_LEVEL: 'info', RECONCILE_INTERVAL_SECONDS: '2' };
    const first = procs.spawn('before-flush', env);
    await waitUntilUp(redis, prefix, first);

    const dueAt = wholeSecondAhead(3_500);
    const schedules = await insertSchedules(ds, userId, 50, 'daily', dueAt);
    await syncAll(queue, schedules);
    const ids = schedules.map((s) => s.id);
    expect(await countDelayed(queue, ids, dueAt)).toBe(50);

    const stopped = await signalAndWait(first, 'SIGTERM', 10_000);
    expect(stopped?.code).toBe(0);
    const deleted = await deleteKeysUnder(redis, prefix); // FLUSHALL, confined to this prefix
    const flushedAt = Date.now();
    expect(await keysUnder(redis, prefix)).toEqual([]);
    // Both happened before the occurrences were due, so only the reconciler can bring them back.
    expect(flushedAt).toBeLessThan(dueAt.getTime());
    expect(await jobCount(ds, userId)).toBe(0);

    await sleep(dueAt.getTime() + 2_000 - Date.now());
    const restartedAt = Date.now();
    const second = procs.spawn('after-flush', env);
    await waitUntilUp(redis, prefix, second);

    const present = async () => (await Promise.all(ids.map((id) => queue.getJobScheduler(id)))).filter((s) => s !== undefined).length;
    const schedulersBack = await pollUntil(present, (n) => n === 50, 15_000);
    const schedulersBackAfter = secondsSince(restartedAt);
    const schedulerCount = await queue.getJobSchedulersCount();

    await pollUntil(
      () => jobCount(ds, userId),
      (n) => n >= 50,
      45_000,
    );
    const firedAfter = secondsSince(restartedAt);
    await sleep(1_000);
    const m = await measure(ds, userId, dueAt);
    const rows = await scheduleRows(ds, userId);
    const createdBeforeRestart: number = (
      await ds.query('SELECT count(*)::int AS n FROM jobs WHERE user_id = $1 AND created_at < $2', [userId, new Date(restartedAt)])
    )[0].n;
    const catchUps = (await Promise.all(ids.map((id) => queue.getJob(`catchup:${id}:${dueAt.getTime()}`)))).filter(Boolean).length;
    const nextQueued = await countDelayed(queue, ids, new Date(dueAt.getTime() + DAY));
    summary('3 Redis flush then reconcile (1 worker, 50 daily)', m, {
      keys_deleted: deleted,
      sigterm_exit: stopped,
      flushed_before_due_ms: dueAt.getTime() - flushedAt,
      restarted_overdue_ms: restartedAt - dueAt.getTime(),
      schedulers_back: `${schedulersBack}/50 after ${schedulersBackAfter}s (queue total ${schedulerCount})`,
      jobs_after_restart: `${firedAfter}s`,
      catch_up_jobs: catchUps,
      next_day_queued: nextQueued,
      total: `${secondsSince(started)}s`,
    });

    expect(schedulersBack).toBe(50);
    expect(schedulerCount).toBeGreaterThanOrEqual(50);
    expectEachOccurrenceOnce(m, 50, { graceSeconds: DEFAULT_MISFIRE_GRACE_SECONDS });
    // Fired late, after the restart: nothing but the reconciler's repair can have produced them.
    expect(createdBeforeRestart).toBe(0);
    const wrong = rows.filter(
      (r) =>
        r.status !== 'active' ||
        r.run_count !== 1 ||
        r.materialized !== 1 ||
        r.runs !== 1 ||
        r.next_run_at?.getTime() !== dueAt.getTime() + DAY,
    );
    expect(wrong).toEqual([]);
    expect(nextQueued).toBe(50);
  }, 80_000);

  it('4. a worker process receiving SIGTERM exits with code 0 within 10 s and leaves the worker list', async () => {
    const { prefix } = newPrefix();
    const worker = procs.spawn('sigterm', { QUEUE_PREFIX: prefix });
    const upMs = await waitUntilUp(redis, prefix, worker);
    const exit = await signalAndWait(worker, 'SIGTERM', 10_000);
    const stillListed = (await redis.hkeys(statusKeys(prefix).workers)).filter((id) => id.includes(`-${worker.pid}-`));
    process.stdout.write(`[faults] 4 SIGTERM: up_ms=${upMs} exit=${JSON.stringify(exit)} still_listed=${stillListed.length}\n`);
    expect(exit).not.toBeNull();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit!.at).toBeLessThan(10_000);
    expect(stillListed).toEqual([]);
  }, 30_000);

  it('5. kill -9 of a worker while it holds a batch in its transaction: 800 once occurrences in batches of 200, then a new worker: each exactly one Job within grace', async () => {
    const started = Date.now();
    const { prefix, queue } = newPrefix();
    const userId = newUser();
    const N = 800;
    // Large batches with a wait, so a batch's transaction is open long enough to be caught in.
    const env = {
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'debug',
      WORKER_CONCURRENCY: '400',
      OCCURRENCE_BATCH_SIZE: '200',
      OCCURRENCE_BATCH_WAIT_MS: '50',
      WORKER_LOCK_SECONDS: '3',
    };
    const victim = procs.spawn('victim', env);
    await waitUntilUp(redis, prefix, victim);

    const dueAt = wholeSecondAhead(4_000);
    const schedules = await insertSchedules(ds, userId, N, 'once', dueAt);
    await syncAll(queue, schedules);
    const ids = schedules.map((s) => s.id);
    expect(await countDelayed(queue, ids, dueAt)).toBe(N);
    expect(Date.now()).toBeLessThan(dueAt.getTime());

    // The victim is the only worker on this database's scheduler connections: kill it the moment
    // one of its sessions has written in an open transaction (a batch between its write and commit).
    const inTransaction = async () => {
      const rows: { n: number }[] = await ds.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'content-scheduler-worker'
            AND backend_xid IS NOT NULL AND xact_start IS NOT NULL`,
      );
      return rows[0].n;
    };
    const caught = await pollUntil(inTransaction, (n) => n > 0, dueAt.getTime() - Date.now() + 15_000, 2);
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    await victim.exited;
    const atKill = await jobCount(ds, userId);
    const victimBatches = victim.lines.filter((l) => l.includes('"msg":"occurrence batch')).length;

    const replacement = procs.spawn('replacement', env);
    await waitUntilUp(redis, prefix, replacement);
    await pollUntil(
      () => jobCount(ds, userId),
      (n) => n >= N,
      killedAt + 60_000 - Date.now(),
    );
    const recoveredAfter = ((Date.now() - killedAt) / 1000).toFixed(1);
    await sleep(1_500); // room for a late duplicate to land, were there one
    const m = await measure(ds, userId, dueAt);
    const rows = await scheduleRows(ds, userId);
    const split = perWorker([victim, replacement], new Set(ids));
    summary('5 kill -9 mid-batch (batches of 200, 800 once)', m, {
      sessions_in_transaction_at_kill: caught,
      jobs_at_kill: atKill,
      victim_batch_lines: victimBatches,
      all_jobs_after_kill: `${recoveredAfter}s`,
      per_worker: split,
      total: `${secondsSince(started)}s`,
    });

    // The kill hit a batch between its write and its commit, with work left for the replacement.
    expect(caught).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(N);
    expectEachOccurrenceOnce(m, N, { graceSeconds: DEFAULT_MISFIRE_GRACE_SECONDS });
    expect(m.byStatus).toEqual({ completed: N });
    expect(rows.filter((r) => r.run_count !== 1 || r.runs !== 1 || r.materialized !== 1)).toEqual([]);
  }, 120_000);
});
