/**
 * Restart faults of the whole machine's services, against real worker (and API) processes:
 *
 *   1. Redis restarted (everything in it lost, down ~1.5 s) across the instant of 25 daily
 *      occurrences and 6 s before 25 more, with two workers running: they reconnect by
 *      themselves; the reconciler restores the schedulers (which fire the later 25) and catches
 *      the 25 missed ones up 15-17 s late; each fires once, at its original instant.
 *   2. PostgreSQL stopped just before 50 daily occurrences are due and started ~5 s later: BullMQ
 *      retries them with backoff and each materializes once, late within grace, and no schedule
 *      goes to `error` or counts an error.
 *   3. An API process kill -9'd in the middle of a stream of POST /api/v1/schedule: every row
 *      that reached PostgreSQL fires exactly once (the reconciler creates the schedulers whose
 *      write was cut off), and no Job exists without its row.
 *
 * Each scenario prints one summary line (occurrences due, Jobs created, duplicates, losses) and
 * fails on any duplicate or on any occurrence without its Job within grace; counts are SQL.
 *
 * NOT part of `npm test` (the name does not end in `.test.ts`): it stops and starts this
 * machine's only PostgreSQL and Redis, which breaks anything else using them at that moment.
 * Run it with `npm run test:faults`, or
 *   npm run -s build && npx jest --testMatch '**\/restarts.faults.ts' --selectProjects worker
 * and never while a benchmark or another suite is running.
 *
 * Safety: every stop is in try/finally that starts the service again; afterEach and afterAll
 * start whichever of the two does not answer, and so does an exit/signal handler of the jest
 * process as a last resort. Nothing is dropped or flushed: each scenario has its own queue
 * prefix and user, and only those keys and rows are deleted at the end.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import type { DataSource } from 'typeorm';
import { ContentJobPayload, createRedis, OccurrencePayload } from '@scheduler/queue';
import { DEFAULT_MISFIRE_GRACE_SECONDS } from '@scheduler/entities';
import {
  cleanUpUsers,
  combine,
  countDelayed,
  DAY,
  deleteKeysUnder,
  expectEachOccurrenceOnce,
  insertSchedules,
  jobCount,
  keysUnder,
  logged,
  measure,
  newUserId,
  openDataSource,
  openQueues,
  perWorker,
  pollUntil,
  scheduleRows,
  secondsSince,
  sleep,
  spawnApi,
  summary,
  syncAll,
  TEST_REDIS_URL,
  uniqueName,
  untilListening,
  waitUntilUp,
  wholeSecondAhead,
  WorkerProcesses,
  workersListed,
} from '@scheduler/testkit';

const API_JWT_SECRET = 'restart-faults-secret-long-enough';

// ---------------------------------------------------------------------------------------------
// The machine's services: the exact commands this machine's services are started with.
// ---------------------------------------------------------------------------------------------

const SERVICE_LOG = path.join(os.tmpdir(), 'restarts-faults-services.log');
const PG_CLUSTER = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main';
const PG_START = `${PG_CLUSTER} start`;
const PG_STOP = `${PG_CLUSTER} stop -m fast`;
const REDIS_START =
  'mkdir -p /var/lib/redis /var/log/redis && redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 ' +
  '--save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';
const REDIS_STOP = 'redis-cli -h 127.0.0.1 -p 6379 shutdown nosave';

/** The command's output goes to SERVICE_LOG, never to our pipes (a daemon would hold them open). */
const quiet = (command: string) => `{ ${command} ; } </dev/null >>${SERVICE_LOG} 2>&1`;

function pgReadySync(): boolean {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

function redisReadySync(): boolean {
  try {
    const out = execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    });
    return out.trim() === 'PONG';
  } catch {
    return false;
  }
}

/** Runs a shell command in its own session (a daemon it starts is no child of jest's group). */
function sh(command: string, timeoutMs = 60_000): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', quiet(command)], { stdio: 'ignore', detached: true });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', () => {
      clearTimeout(timer);
      resolve(-1);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function shSync(command: string, timeoutMs = 60_000): void {
  try {
    execFileSync('sh', ['-c', quiet(command)], { stdio: 'ignore', timeout: timeoutMs });
  } catch {
    // the readiness check that follows decides
  }
}

async function waitFor(check: () => boolean, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

async function startPostgres(): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    if (pgReadySync()) return;
    await sh(PG_START); // pg_ctl waits until the server accepts connections
    if (await waitFor(pgReadySync, 30_000, 200)) return;
  }
  throw new Error(`PostgreSQL did not come back: see ${SERVICE_LOG} and /var/log/postgresql`);
}

async function startRedis(): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    if (redisReadySync()) return;
    await sh(REDIS_START);
    if (await waitFor(redisReadySync, 10_000)) return;
  }
  throw new Error(`Redis did not come back: see ${SERVICE_LOG} and /var/log/redis/ci.log`);
}

/** Starts whichever of PostgreSQL and Redis does not answer; returns what it started. */
async function ensureServices(): Promise<string[]> {
  const started: string[] = [];
  if (!pgReadySync()) {
    started.push('postgresql');
    await startPostgres();
  }
  if (!redisReadySync()) {
    started.push('redis');
    await startRedis();
  }
  return started;
}

/** The last resort, for the exit of the jest process (no event loop left: synchronous). */
function ensureServicesSync(): void {
  const wait = (check: () => boolean, seconds: number) => {
    for (let i = 0; i < seconds * 4 && !check(); i++) execFileSync('sleep', ['0.25']);
  };
  if (!pgReadySync()) {
    shSync(PG_START);
    wait(pgReadySync, 30);
  }
  if (!redisReadySync()) {
    shSync(REDIS_START);
    wait(redisReadySync, 10);
  }
}

/**
 * Restarts Redis: `shutdown nosave` (everything in it is lost), down until `downUntil`, then the
 * machine's start command, whatever happens in between.
 */
async function restartRedis(downUntil = 0): Promise<{ stoppedAt: number; startIssuedAt: number; upAt: number }> {
  let stoppedAt: number;
  let startIssuedAt: number;
  try {
    await sh(REDIS_STOP, 15_000);
    if (!(await waitFor(() => !redisReadySync(), 10_000))) throw new Error('Redis did not shut down');
    stoppedAt = Date.now();
    await sleep(Math.max(0, downUntil - Date.now()));
  } finally {
    startIssuedAt = Date.now();
    await startRedis();
  }
  return { stoppedAt, startIssuedAt, upAt: Date.now() };
}

/** Stops PostgreSQL (fast: open sessions are cut), waits, starts it again, whatever happens. */
async function restartPostgres(
  downUntil: (stoppedAt: number) => number,
): Promise<{ stopIssuedAt: number; stoppedAt: number; startIssuedAt: number; upAt: number }> {
  const stopIssuedAt = Date.now();
  let stoppedAt: number;
  let startIssuedAt: number;
  try {
    await sh(PG_STOP, 60_000);
    if (!(await waitFor(() => !pgReadySync(), 10_000))) throw new Error('PostgreSQL did not stop');
    stoppedAt = Date.now();
    await sleep(Math.max(0, downUntil(stoppedAt) - Date.now()));
  } finally {
    startIssuedAt = Date.now();
    await startPostgres();
  }
  return { stopIssuedAt, stoppedAt, startIssuedAt, upAt: Date.now() };
}

const onExit = () => ensureServicesSync();
const onSignal = (signal: NodeJS.Signals) => {
  ensureServicesSync();
  process.off(signal, onSignal);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
};
process.on('exit', onExit);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

// ---------------------------------------------------------------------------------------------
// Connections of the test process itself: they break on a restart, so they are reopened after.
// ---------------------------------------------------------------------------------------------

let ds: DataSource | null = null;

async function freshDataSource(): Promise<DataSource> {
  const old = ds;
  ds = null;
  await old?.destroy().catch(() => undefined);
  let lastError: unknown;
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      ds = await openDataSource();
      return ds;
    } catch (error) {
      lastError = error;
      await sleep(250);
    }
  }
  throw lastError;
}

function db(): DataSource {
  if (!ds) throw new Error('no open DataSource');
  return ds;
}

interface Conn {
  redis: Redis;
  queue: Queue<OccurrencePayload>;
  contentQueue: Queue<ContentJobPayload>;
}

const openConns = new Set<Conn>();

/** A Redis client and the prefix's two queues, none of whose errors can reach jest. */
function openConn(prefix: string): Conn {
  const redis = createRedis(TEST_REDIS_URL);
  redis.on('error', () => undefined);
  const { queue, contentQueue } = openQueues(redis, prefix);
  queue.on('error', () => undefined);
  contentQueue.on('error', () => undefined);
  const conn = { redis, queue, contentQueue };
  openConns.add(conn);
  return conn;
}

async function closeConn(conn: Conn): Promise<void> {
  openConns.delete(conn);
  await Promise.race([
    Promise.allSettled([conn.queue.close(), conn.contentQueue.close()]),
    new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref()),
  ]);
  conn.redis.disconnect();
}

// ---------------------------------------------------------------------------------------------
// What each test made, removed in afterEach even when it fails.
// ---------------------------------------------------------------------------------------------

const procs = new WorkerProcesses();
const apis: ChildProcess[] = [];
let prefixes: string[] = [];
let users: string[] = [];
const killApis = () => {
  for (const api of apis) if (api.exitCode === null && api.signalCode === null) api.kill('SIGKILL');
};
process.on('exit', killApis);

function newPrefix(): string {
  const prefix = uniqueName('faults');
  prefixes.push(prefix);
  return prefix;
}

function newUser(): string {
  const id = newUserId();
  users.push(id);
  return id;
}

beforeAll(async () => {
  const started = await ensureServices();
  if (started.length) process.stdout.write(`[restarts] started before the suite: ${started.join(', ')}\n`);
  await freshDataSource();
}, 90_000);

afterEach(async () => {
  await procs.killAll();
  killApis();
  for (const conn of [...openConns]) await closeConn(conn);
  // Services first: a test that timed out may have left one down.
  const started = await ensureServices();
  if (started.length) process.stdout.write(`[restarts] afterEach started again: ${started.join(', ')}\n`);
  const cleanup = createRedis(TEST_REDIS_URL); // no queue: a Queue would write its meta key
  cleanup.on('error', () => undefined);
  try {
    for (const prefix of prefixes) await deleteKeysUnder(cleanup, prefix);
  } finally {
    cleanup.disconnect();
  }
  prefixes = [];
  if (users.length > 0) await cleanUpUsers(await freshDataSource(), users);
  users = [];
}, 120_000);

afterAll(async () => {
  await procs.killAll();
  procs.dispose();
  killApis();
  for (const conn of [...openConns]) await closeConn(conn);
  await ds?.destroy().catch(() => undefined);
  ds = null;
  const started = await ensureServices();
  if (started.length) process.stdout.write(`[restarts] afterAll started again: ${started.join(', ')}\n`);
  // Both answer again, or the suite fails loudly.
  expect(pgReadySync()).toBe(true);
  expect(redisReadySync()).toBe(true);
}, 120_000);

// ---------------------------------------------------------------------------------------------
// Measuring, always with SQL.
// ---------------------------------------------------------------------------------------------

/** The time of day of an epoch-ms instant, to the millisecond (for summary lines). */
const at = (ms: number) => new Date(ms).toISOString().slice(11, 23);

/** How many of the schedules have a job scheduler. */
async function countSchedulers(queue: Queue<OccurrencePayload>, ids: string[]): Promise<number> {
  const found = await Promise.all(ids.map((id) => queue.getJobScheduler(id)));
  return found.filter((s) => s !== undefined && s !== null).length;
}

/** Which path produced each occurrence at `when`: the scheduler's own job, or a reconciler catch-up. */
async function occurrencePaths(queue: Queue<OccurrencePayload>, ids: string[], when: Date) {
  const t = when.getTime();
  const [repeat, catchup] = await Promise.all([
    Promise.all(ids.map((id) => queue.getJob(`repeat:${id}:${t}`))),
    Promise.all(ids.map((id) => queue.getJob(`catchup:${id}:${t}`))),
  ]);
  const attempts = [...repeat, ...catchup].filter(Boolean).map((j) => j!.attemptsMade);
  return {
    scheduler: repeat.filter(Boolean).length,
    catchup: catchup.filter(Boolean).length,
    maxAttemptsMade: attempts.length ? Math.max(...attempts) : 0,
  };
}

// ---------------------------------------------------------------------------------------------
// A real API process, for scenario 3.
// ---------------------------------------------------------------------------------------------

async function startApi(prefix: string): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawnApi({
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    JWT_SECRET: API_JWT_SECRET,
    RATE_LIMIT_WRITES: '1000000',
    RATE_LIMIT_READS: '1000000',
    RATE_LIMIT_LISTS: '1000000',
  });
  apis.push(child);
  return { child, ...(await untilListening(child, 30_000)) };
}

type PostResult = { status: number; body: string } | { error: string; code?: string };

function postJson(port: number, agent: http.Agent, urlPath: string, token: string, body: unknown): Promise<PostResult> {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.message, code: error.code }));
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.message, code: error.code }));
    req.end(payload);
  });
}

// ---------------------------------------------------------------------------------------------

describe('worker processes across restarts of Redis, PostgreSQL and the API', () => {
  it('1. Redis restarted (all lost) across the instant of 25 daily occurrences and 6 s before 25 more: two workers reconnect by themselves; the reconciler restores the schedulers and catches the missed instant up; each fires once at its instant', async () => {
    const started = Date.now();
    const prefix = newPrefix();
    const userA = newUser(); // due while Redis is down: only the reconciler's catch-up can fire them
    const userB = newUser(); // due 6 s later: the schedulers the reconciler restores fire them
    const env = { QUEUE_PREFIX: prefix, LOG_LEVEL: 'debug', RECONCILE_INTERVAL_SECONDS: '2', WORKER_CONCURRENCY: '10' };
    let conn = openConn(prefix);
    const workers = ['w1', 'w2'].map((name) => procs.spawn(name, env));
    const upMs = await Promise.all(workers.map((w) => waitUntilUp(conn.redis, prefix, w)));

    const dueA = wholeSecondAhead(6_000);
    const dueB = new Date(dueA.getTime() + 6_000);
    const a = await insertSchedules(db(), userA, 25, 'daily', dueA);
    const b = await insertSchedules(db(), userB, 25, 'daily', dueB);
    await syncAll(conn.queue, [...a, ...b]);
    const idsA = a.map((s) => s.id);
    const idsB = b.map((s) => s.id);
    const ids = [...idsA, ...idsB];
    expect(await countDelayed(conn.queue, idsA, dueA)).toBe(25);
    expect(await countDelayed(conn.queue, idsB, dueB)).toBe(25);
    const runIdBefore = /run_id:(\w+)/.exec(await conn.redis.info('server'))?.[1];

    // Shut Redis down (nosave: every scheduler and delayed occurrence is lost) half a second
    // before A's instant and start it again a second after it.
    await sleep(Math.max(0, dueA.getTime() - 500 - Date.now()));
    await closeConn(conn);
    let restart: { stoppedAt: number; startIssuedAt: number; upAt: number };
    try {
      restart = await restartRedis(dueA.getTime() + 1_000);
    } finally {
      await ensureServices();
    }
    conn = openConn(prefix);
    const runIdAfter = /run_id:(\w+)/.exec(await conn.redis.info('server'))?.[1];
    const keysRightAfter = (await keysUnder(conn.redis, prefix)).length;
    const jobsAtRestart = (await jobCount(db(), userA)) + (await jobCount(db(), userB));
    expect(runIdAfter).toBeDefined();
    expect(runIdAfter).not.toBe(runIdBefore); // a real restart, not a reconnect
    expect(restart.stoppedAt).toBeLessThan(dueA.getTime()); // down at A's instant
    expect(restart.startIssuedAt).toBeGreaterThan(dueA.getTime());
    expect(restart.upAt).toBeLessThan(dueB.getTime()); // up again before B's
    expect(jobsAtRestart).toBe(0);

    const schedulersBack = await pollUntil(
      () => countSchedulers(conn.queue, ids),
      (n) => n === 50,
      30_000,
    );
    const schedulersBackAfter = secondsSince(restart.upAt);
    // A is overdue with nothing queued: caught up once it is 15 s late (the reconciler's slack).
    await pollUntil(
      () => jobCount(db(), userA),
      (n) => n >= 25,
      dueA.getTime() + 45_000 - Date.now(),
    );
    await pollUntil(
      () => jobCount(db(), userB),
      (n) => n >= 25,
      dueB.getTime() + 45_000 - Date.now(),
    );
    const allJobsAfterRestart = secondsSince(restart.upAt);
    await sleep(2_500); // a reconcile pass or more: room for a duplicate to land, were there one
    const mA = await measure(db(), userA, dueA);
    const mB = await measure(db(), userB, dueB);
    const m = combine([mA, mB]);
    const rowsA = await scheduleRows(db(), userA);
    const rowsB = await scheduleRows(db(), userB);
    const pathsA = await occurrencePaths(conn.queue, idsA, dueA);
    const pathsB = await occurrencePaths(conn.queue, idsB, dueB);
    const nextQueued =
      (await countDelayed(conn.queue, idsA, new Date(dueA.getTime() + DAY))) +
      (await countDelayed(conn.queue, idsB, new Date(dueB.getTime() + DAY)));
    const jobIds: { id: string }[] = await db().query('SELECT id FROM jobs WHERE user_id = ANY($1)', [[userA, userB]]);
    const inContentQueue = (await Promise.all(jobIds.map((j) => conn.contentQueue.getJob(j.id)))).filter(Boolean).length;
    // Reconnected by themselves: the same processes, heartbeating into the new Redis.
    const alive = workers.filter((w) => w.exit === null).length;
    const listed = await pollUntil(
      () => workersListed(conn.redis, prefix, workers),
      (n) => n === 2,
      12_000,
    );
    const split = perWorker(workers, new Set(ids));
    summary('R1 Redis restart (2 workers, 50 daily)', m, {
      workers_up_ms: upMs,
      redis_down: `${at(restart.stoppedAt)}..${at(restart.upAt)}`,
      due: `A ${at(dueA.getTime())} B ${at(dueB.getTime())}`,
      prefix_keys_after_restart: keysRightAfter,
      schedulers_back: `${schedulersBack}/50 after ${schedulersBackAfter}s`,
      all_jobs_after_restart: `${allJobsAfterRestart}s`,
      A: `late ${mA.minLateSeconds}..${mA.maxLateSeconds}s fired_by ${JSON.stringify(pathsA)}`,
      B: `late ${mB.minLateSeconds}..${mB.maxLateSeconds}s fired_by ${JSON.stringify(pathsB)}`,
      content_queue: inContentQueue,
      next_day_queued: nextQueued,
      workers_alive: alive,
      workers_heartbeating: listed,
      per_worker: split,
      total: `${secondsSince(started)}s`,
    });

    expect(alive).toBe(2);
    expect(listed).toBe(2);
    expect(schedulersBack).toBe(50);
    expectEachOccurrenceOnce(m, 50, { graceSeconds: DEFAULT_MISFIRE_GRACE_SECONDS });
    // A's instant passed with nothing in Redis: only the reconciler's catch-up can have fired it.
    expect(pathsA).toMatchObject({ scheduler: 0, catchup: 25 });
    expect(pathsB.scheduler + pathsB.catchup).toBe(25);
    expect(inContentQueue).toBe(50);
    const wrong = [...rowsA.map((r) => ({ ...r, due: dueA })), ...rowsB.map((r) => ({ ...r, due: dueB }))].filter(
      (r) =>
        r.status !== 'active' ||
        r.run_count !== 1 ||
        r.runs !== 1 ||
        r.materialized !== 1 ||
        r.last_run_at?.getTime() !== r.due.getTime() ||
        r.next_run_at?.getTime() !== r.due.getTime() + DAY,
    );
    expect(wrong).toEqual([]);
    expect(nextQueued).toBe(50); // tomorrow is queued for every schedule too
  }, 100_000);

  it('2. PostgreSQL stopped across the instant of 50 daily occurrences for ~5 s: retried with backoff, each materializes once, late within grace, no schedule error', async () => {
    const started = Date.now();
    const prefix = newPrefix();
    const userId = newUser();
    const env = { QUEUE_PREFIX: prefix, LOG_LEVEL: 'debug', RECONCILE_INTERVAL_SECONDS: '2', WORKER_CONCURRENCY: '10' };
    const conn = openConn(prefix);
    const workers = ['w1', 'w2'].map((name) => procs.spawn(name, env));
    const upMs = await Promise.all(workers.map((w) => waitUntilUp(conn.redis, prefix, w)));

    const dueAt = wholeSecondAhead(6_000);
    const schedules = await insertSchedules(db(), userId, 50, 'daily', dueAt);
    await syncAll(conn.queue, schedules);
    const ids = schedules.map((s) => s.id);
    expect(await countDelayed(conn.queue, ids, dueAt)).toBe(50);
    const [{ t: postmasterBefore }] = await db().query('SELECT pg_postmaster_start_time() AS t');

    // Stop 2.5 s before the instant (a fast shutdown still checkpoints), down >= 5 s and until
    // at least 2.5 s after it: every first attempt meets a PostgreSQL that is away.
    await sleep(Math.max(0, dueAt.getTime() - 2_500 - Date.now()));
    const old = ds;
    ds = null;
    await old?.destroy().catch(() => undefined);
    let outage: { stopIssuedAt: number; stoppedAt: number; startIssuedAt: number; upAt: number };
    try {
      outage = await restartPostgres((stoppedAt) => Math.max(stoppedAt + 5_000, dueAt.getTime() + 2_500));
    } finally {
      await ensureServices();
    }
    await freshDataSource();
    const [{ t: postmasterAfter }] = await db().query('SELECT pg_postmaster_start_time() AS t');
    const postmasterStartedAt = new Date(postmasterAfter).getTime();
    expect(postmasterStartedAt).toBeGreaterThan(new Date(postmasterBefore).getTime()); // a real restart
    expect(outage.stoppedAt).toBeLessThan(dueAt.getTime()); // down at the instant
    expect(outage.startIssuedAt).toBeGreaterThan(dueAt.getTime());

    // Backoff 0.5, 1, 2, 4, 8, 16 s: the attempt after PostgreSQL is back lands within ~16 s.
    await pollUntil(
      () => jobCount(db(), userId),
      (n) => n >= 50,
      60_000,
    );
    const allJobsAfterUp = secondsSince(outage.upAt);
    await sleep(2_500);
    const m = await measure(db(), userId, dueAt);
    const rows = await scheduleRows(db(), userId);
    const paths = await occurrencePaths(conn.queue, ids, dueAt);
    const nextQueued = await countDelayed(conn.queue, ids, new Date(dueAt.getTime() + DAY));
    const createdDuringOutage: number = (
      await db().query('SELECT count(*)::int AS n FROM jobs WHERE user_id = $1 AND created_at < $2', [
        userId,
        new Date(outage.startIssuedAt),
      ])
    )[0].n;
    const failedAttempts = logged(workers, 'occurrence attempt failed');
    const alive = workers.filter((w) => w.exit === null).length;
    const split = perWorker(workers, new Set(ids));
    summary('R2 PostgreSQL restart (2 workers, 50 daily)', m, {
      workers_up_ms: upMs,
      pg: `stop issued ${at(outage.stopIssuedAt)}, down ${at(outage.stoppedAt)}, due ${at(dueAt.getTime())}, start issued ${at(outage.startIssuedAt)}, postmaster started ${at(postmasterStartedAt)}, answering ${at(outage.upAt)}`,
      down_s: ((postmasterStartedAt - outage.stoppedAt) / 1000).toFixed(1),
      all_jobs_after_pg_answering: `${allJobsAfterUp}s`,
      failed_attempts_logged: failedAttempts,
      fired_by: paths,
      error_count: m.errorCount,
      consecutive_errors: m.consecutiveErrors,
      status: m.byStatus,
      next_day_queued: nextQueued,
      workers_alive: alive,
      per_worker: split,
      total: `${secondsSince(started)}s`,
    });

    expect(alive).toBe(2);
    expectEachOccurrenceOnce(m, 50, { graceSeconds: DEFAULT_MISFIRE_GRACE_SECONDS });
    expect(createdDuringOutage).toBe(0);
    expect(m.errorCount).toBe(0);
    expect(m.consecutiveErrors).toBe(0);
    expect(m.byStatus).toEqual({ active: 50 });
    // The outage hit the occurrences: BullMQ really retried them.
    expect(failedAttempts).toBeGreaterThan(0);
    expect(paths.maxAttemptsMade).toBeGreaterThan(1);
    const wrong = rows.filter(
      (r) =>
        r.status !== 'active' ||
        r.run_count !== 1 ||
        r.error_count !== 0 ||
        r.runs !== 1 ||
        r.materialized !== 1 ||
        r.last_run_at?.getTime() !== dueAt.getTime() ||
        r.next_run_at?.getTime() !== dueAt.getTime() + DAY,
    );
    expect(wrong).toEqual([]);
    expect(nextQueued).toBe(50);
  }, 120_000);

  it("3. an API process kill -9'd amid concurrent POST /schedule: every row in PostgreSQL fires exactly once, no Job without its row", async () => {
    const started = Date.now();
    const prefix = newPrefix();
    const userId = newUser();
    const api = await startApi(prefix);
    const apiExited = new Promise<void>((resolve) => api.child.once('exit', () => resolve()));
    const token = jwt.sign({}, API_JWT_SECRET, { algorithm: 'HS256', subject: userId, expiresIn: 600 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

    const TOTAL = 800;
    const CONCURRENCY = 64;
    const KILL_AFTER = 200; // responses
    const dueAt = wholeSecondAhead(9_000);
    const results = new Map<number, PostResult>();
    let next = 0;
    let responses = 0;
    let killed = false;
    let killedAt = 0;
    const kill = () => {
      if (killed) return;
      killed = true;
      killedAt = Date.now();
      api.child.kill('SIGKILL');
    };
    const firstAt = Date.now();
    const loop = async () => {
      while (!killed && next < TOTAL) {
        const i = next++;
        const result = await postJson(api.port, agent, '/api/v1/schedule', token, {
          name: `restart fault api ${i}`,
          schedule_type: 'once',
          scheduled_at: dueAt.toISOString(),
          timezone: 'UTC',
          job_config: { publisher_domain: 'x.com' },
        });
        results.set(i, result);
        if ('status' in result) responses += 1;
        if (responses >= KILL_AFTER) kill();
      }
    };
    const safety = setTimeout(kill, 20_000);
    await Promise.all(Array.from({ length: CONCURRENCY }, loop));
    clearTimeout(safety);
    kill();
    await apiExited;
    agent.destroy();
    const streamMs = killedAt - firstAt;

    const sent = results.size;
    const answered = [...results.entries()].filter((e): e is [number, { status: number; body: string }] => 'status' in e[1]);
    const created201 = answered.filter(([, r]) => r.status === 201);
    const otherStatus = answered.filter(([, r]) => r.status !== 201).map(([, r]) => r.status);
    const unanswered = [...results.entries()].filter(([, r]) => 'error' in r).map(([i]) => i);
    const idsFrom201 = new Set(created201.map(([, r]) => (JSON.parse(r.body) as { id: string }).id));

    // What reached PostgreSQL, and what reached Redis, before any worker ran.
    const rowList: { id: string; name: string; next_run_at: Date }[] = await db().query(
      'SELECT id, name, next_run_at FROM scheduled_jobs WHERE user_id = $1',
      [userId],
    );
    const rowIds = new Set(rowList.map((r) => r.id));
    const rowNames = new Set(rowList.map((r) => r.name));
    const conn = openConn(prefix);
    const schedulerPresent = await Promise.all(rowList.map((r) => conn.queue.getJobScheduler(r.id)));
    const rowsWithoutScheduler = schedulerPresent.filter((s) => !s).length;
    const schedulerKeys = (await conn.queue.getJobSchedulers(0, -1)).map((s) => s.key);
    const schedulersWithoutRow = schedulerKeys.filter((k) => !rowIds.has(k)).length;
    const unansweredWithRow = unanswered.filter((i) => rowNames.has(`restart fault api ${i}`)).length;
    const answered201WithoutRow = [...idsFrom201].filter((id) => !rowIds.has(id)).length;
    const jobsBeforeWorker = await jobCount(db(), userId);

    const worker = procs.spawn('after-api-kill', { QUEUE_PREFIX: prefix, LOG_LEVEL: 'debug', RECONCILE_INTERVAL_SECONDS: '2' });
    const workerUpMs = await waitUntilUp(conn.redis, prefix, worker);
    const workerUpAt = Date.now();
    const ids = rowList.map((r) => r.id);
    const cutOffIds = rowList.filter((_, k) => !schedulerPresent[k]).map((r) => r.id);
    await pollUntil(
      () => jobCount(db(), userId),
      (n) => n >= rowList.length,
      dueAt.getTime() + 50_000 - Date.now(),
    );
    const allJobsAfterDue = secondsSince(dueAt.getTime());
    await sleep(2_500);
    const m = await measure(db(), userId, dueAt);
    const rows = await scheduleRows(db(), userId);
    const paths = await occurrencePaths(conn.queue, ids, dueAt);
    const cutOffPaths = await occurrencePaths(conn.queue, cutOffIds, dueAt);
    const cutOffFired: number = (
      await db().query('SELECT count(*)::int AS n FROM jobs WHERE scheduled_job_id = ANY($1::uuid[]) AND scheduled_for = $2', [
        cutOffIds,
        dueAt,
      ])
    )[0].n;
    const split = perWorker([worker], new Set(ids));
    summary('R3 API kill -9 mid-writes (then 1 worker, once)', m, {
      posts_sent: sent,
      answered_201: created201.length,
      answered_other: otherStatus.length ? otherStatus : 0,
      unanswered: unanswered.length,
      unanswered_with_row: unansweredWithRow,
      unanswered_without_row: unanswered.length - unansweredWithRow,
      killed_after_ms: streamMs,
      rows_without_scheduler_at_kill: rowsWithoutScheduler,
      schedulers_without_row: schedulersWithoutRow,
      jobs_before_worker: jobsBeforeWorker,
      worker_up: `${workerUpMs}ms, ${((dueAt.getTime() - workerUpAt) / 1000).toFixed(1)}s before due`,
      cut_off_rows_fired: `${cutOffFired}/${cutOffIds.length} by ${JSON.stringify(cutOffPaths)}`,
      all_jobs_after_due: `${allJobsAfterDue}s`,
      fired_by: paths,
      status: m.byStatus,
      per_worker: split,
      total: `${secondsSince(started)}s`,
    });

    // The kill really cut the stream: some requests answered, some in flight.
    expect(created201.length).toBeGreaterThan(0);
    expect(otherStatus).toEqual([]);
    expect(unanswered.length).toBeGreaterThan(0);
    expect(answered201WithoutRow).toBe(0); // an acknowledged create is in PostgreSQL
    expect(rowList.length).toBe(created201.length + unansweredWithRow);
    expect(schedulersWithoutRow).toBe(0); // PostgreSQL is written first
    expect(jobsBeforeWorker).toBe(0);
    expectEachOccurrenceOnce(m, rowList.length, { graceSeconds: DEFAULT_MISFIRE_GRACE_SECONDS });
    expect(m.withoutRow).toBe(0);
    expect(paths.scheduler + paths.catchup).toBe(rowList.length);
    // Rows whose scheduler write the kill cut off fired too: the reconciler repaired them.
    expect(cutOffFired).toBe(cutOffIds.length);
    expect(cutOffPaths.scheduler + cutOffPaths.catchup).toBe(cutOffIds.length);
    const wrong = rows.filter(
      (r) => r.status !== 'completed' || r.run_count !== 1 || r.runs !== 1 || r.materialized !== 1 || r.next_run_at !== null,
    );
    expect(wrong).toEqual([]);
  }, 120_000);
});
