// Section 2: fire lag and throughput of N schedules all due at one instant T, with 1 and 2
// real worker processes, against three baselines measured in the same run: the original spec's
// 60-second poller (time-scaled), a bare BullMQ delayed job per schedule (the ceiling) and a
// bare BullMQ job scheduler per schedule (our schedulers, a bare processor).
// BENCH_CPU_PROF=<dir>: our workers run under `node --cpu-prof` and write their profiles there,
// one directory per round, when they exit (summarize one with scripts/bench/profile-summary.js).
const path = require('node:path');
const readline = require('node:readline');
const { spawn, fork } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const { Queue } = require('bullmq');
const { ruleOf } = require('../../packages/entities/dist');
const { nextOccurrence } = require('../../packages/recurrence/dist');
const { CONTENT_JOBS_QUEUE, OCCURRENCE_QUEUE, createOccurrenceQueue, statusKeys, syncScheduler } = require('../../packages/queue/dist');
const { fireRows, insertSchedules, truncateAll, JOB_CONFIG } = require('./data');
const { cpuBusy, cpuSnapshot, deleteKeys, processCpuSeconds, prng, runPool, serverCpuSeconds, sleep, summarize } = require('./util');

const ROOT = path.resolve(__dirname, '../..');
const WORKER_MAIN = path.join(ROOT, 'services/worker/dist/main.js');
const SYNC_CONCURRENCY = 50;
/** The original spec's poll interval. */
const POLL_INTERVAL_MS = 60_000;

const wholeSecondAfter = (ms) => new Date(Math.ceil(ms / 1000) * 1000);

/* ------------------------------------------------------------ processes */

function trackChild(ctx, child, label) {
  ctx.children.add(child);
  child.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      ctx.children.delete(child);
      child.exitInfo = { code, signal };
      resolve(child.exitInfo);
    });
  });
  child.label = label;
  return child;
}

/** Stops a child we started: SIGTERM, then SIGKILL after `graceMs`. */
async function stopChild(child, graceMs = 30_000) {
  if (child.exitInfo) return child.exitInfo;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const info = await child.exited;
  clearTimeout(timer);
  return info;
}

/**
 * Node flags of our workers: when BENCH_CPU_PROF is set, `--cpu-prof` into a directory of it per
 * round (named by the round's prefix, e.g. …-fire-10000-2w-1), so each round's profiles can be
 * summarized apart. NODE_OPTIONS cannot carry --cpu-prof.
 */
function workerNodeArgs(prefix) {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir, prefix)}`] : [];
}

/** `node services/worker/dist/main.js` on our database and prefix; its JSON log is tallied. */
function spawnWorker(ctx, prefix, concurrency, extraEnv = {}) {
  const child = spawn(process.execPath, [...workerNodeArgs(prefix), WORKER_MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: ctx.dbUrl,
      REDIS_URL: ctx.redisUrl,
      QUEUE_PREFIX: prefix,
      WORKER_PORT: '0',
      WORKER_CONCURRENCY: String(concurrency),
      LOG_LEVEL: 'info',
      // Only the start-up reconcile pass: a periodic pass would land at a random point of the drain.
      RECONCILE_INTERVAL_SECONDS: '3600',
      JWT_SECRET: ctx.jwtSecret,
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(ctx, child, 'worker');
  const log = { outcomes: {}, duplicates: 0, attemptFailures: 0, firstFailures: [], errors: [], stderr: '' };
  child.log = log;
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    if (entry.msg === 'occurrence processed') {
      log.outcomes[entry.outcome] = (log.outcomes[entry.outcome] || 0) + 1;
      if (entry.duplicate) log.duplicates += 1;
    } else if (/attempt failed/.test(entry.msg)) {
      log.attemptFailures += 1;
      if (log.firstFailures.length < 3) log.firstFailures.push(entry.err?.message ?? entry.error);
    } else if (entry.level === 'error' || entry.level === 'fatal' || entry.level >= 50) {
      if (log.errors.length < 5) log.errors.push(`${entry.msg}: ${entry.err?.message ?? entry.error ?? ''}`);
    }
  });
  child.stderr.on('data', (chunk) => {
    log.stderr = (log.stderr + chunk.toString()).slice(-4000);
  });
  return child;
}

/** Ready = every worker heartbeats in Redis and the leader finished its start-up reconcile. */
async function waitWorkersReady(ctx, prefix, children, timeoutMs) {
  const keys = statusKeys(prefix);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dead = children.find((c) => c.exitInfo);
    if (dead) throw new Error(`a worker exited during start-up (${JSON.stringify(dead.exitInfo)}): ${dead.log?.stderr ?? ''}`);
    const [up, reconciled] = await Promise.all([ctx.redis.hlen(keys.workers), ctx.redis.exists(keys.lastReconcile)]);
    if (up >= children.length && reconciled) return;
    await sleep(50);
  }
  throw new Error(`workers not ready after ${timeoutMs} ms`);
}

/* --------------------------------------------------------------- helpers */

/**
 * Polls until `count` rows are visible (committed) or nothing moves for `stallMs`. Returns the
 * instant the last one was seen (±pollMs) and the instant of the first one.
 */
async function waitForRows(pg, sql, params, count, { stallMs = 30_000, pollMs = 25 } = {}) {
  let last = -1;
  let lastChange = Date.now();
  let firstSeenAt = null;
  for (;;) {
    const { rows } = await pg.query(sql, params);
    const seen = rows[0].c;
    const now = Date.now();
    if (seen > 0 && firstSeenAt === null) firstSeenAt = now;
    if (seen >= count) return { doneAt: now, firstSeenAt, seen };
    if (seen !== last) {
      last = seen;
      lastChange = now;
    } else if (now - lastChange > stallMs) {
      return { doneAt: null, firstSeenAt, seen };
    }
    await sleep(pollMs);
  }
}

/**
 * Samples what the workers' PostgreSQL sessions are doing (every 100 ms) while a round drains:
 * the average number of sessions per state / wait event. Evidence for where the time goes.
 */
function sampleSessions(ctx) {
  const totals = new Map();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await ctx.pg.query(
        `SELECT CASE WHEN state = 'active' AND wait_event_type IS NOT NULL THEN 'waiting: ' || wait_event_type || '/' || wait_event
                     ELSE coalesce(state, 'unknown') END AS what, count(*)::int AS c
           FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'content-scheduler-worker'
          GROUP BY 1`,
      );
      samples += 1;
      for (const r of rows) totals.set(r.what, (totals.get(r.what) || 0) + r.c);
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return Object.fromEntries([...totals].map(([k, v]) => [k, v / Math.max(1, samples)]).sort((a, b) => b[1] - a[1]));
    },
  };
}

async function hasColumn(pg, table, column) {
  const { rowCount } = await pg.query('SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = $2', [
    table,
    column,
  ]);
  return rowCount > 0;
}

async function queueCounts(ctx, name, prefix) {
  const queue = new Queue(name, { connection: ctx.redis, prefix });
  try {
    return await queue.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized', 'paused');
  } finally {
    await queue.close();
  }
}

/* --------------------------------------------------------- our workers */

/**
 * One measurement: N daily schedules due at T (bulk SQL insert + syncScheduler, `syncConcurrency`
 * in flight), `workers` worker processes started and ready before T, then Jobs counted as they
 * commit (`count(*)` every `pollMs`).
 * Hooks (the webhooks and burst sections use them): `prepare(rows)` after the insert, before the
 * schedulers; `workerEnv` added to the workers' environment; `afterDrain({ T, children })` once
 * every Job is visible, before the workers stop (its result is the round's `after`).
 */
async function ourRound(ctx, { n, workers, concurrency, prepare, workerEnv, afterDrain, syncConcurrency = SYNC_CONCURRENCY, pollMs = 25 }) {
  const est = ctx.calibration;
  let marginMs = 2500 + n * (est.insertMsPerRow + est.syncMsPerScheduler + est.reconcileMsPerSchedule) + est.workerStartMs * 1.5;
  for (let attempt = 1; ; attempt++) {
    const otherLoad = await ctx.waitQuiet();
    const prefix = `${ctx.prefixBase}-fire-${n}-${workers}w-${attempt}`;
    ctx.prefixes.add(prefix);
    await truncateAll(ctx.pg);
    const setupStart = Date.now();
    const T = wholeSecondAfter(setupStart + marginMs);
    const { rows, rule } = fireRows(n, T, ctx.runId);
    await insertSchedules(ctx.pg, rows);
    if (prepare) await prepare(rows);
    const inserted = Date.now();
    const queue = createOccurrenceQueue({ connection: ctx.redis, prefix });
    await runPool(rows, syncConcurrency, (r) => syncScheduler(queue, { id: r.id, version: 1, rule }));
    await queue.close();
    const synced = Date.now();
    const children = Array.from({ length: workers }, () => spawnWorker(ctx, prefix, concurrency, workerEnv));
    let ready;
    try {
      await waitWorkersReady(ctx, prefix, children, 120_000);
      ready = Date.now();
    } catch (error) {
      await Promise.all(children.map((c) => stopChild(c)));
      throw error;
    }
    // Calibrate the next rounds from what this one cost.
    est.insertMsPerRow = Math.max(est.insertMsPerRow, (inserted - setupStart) / n);
    est.syncMsPerScheduler = Math.max(est.syncMsPerScheduler, (synced - inserted) / n);
    const setup = { insertMs: inserted - setupStart, syncMs: synced - inserted, workersReadyMs: ready - synced };
    if (synced > T.getTime() - 200 || ready > T.getTime() - 100) {
      // The schedulers or the workers were not in place before T: the figures would measure
      // the set-up. Start again with a larger margin (at most 3 attempts).
      await Promise.all(children.map((c) => stopChild(c)));
      await deleteKeys(ctx.redis, `${prefix}:*`);
      ctx.log(`    set-up overran T (insert ${setup.insertMs} ms, sync ${setup.syncMs} ms, workers ${setup.workersReadyMs} ms); retrying`);
      if (attempt >= 3) throw new Error(`set-up of ${n} schedules kept overrunning T`);
      marginMs = (ready - setupStart) * 1.5 + 2000;
      continue;
    }
    est.workerStartMs = Math.max(est.workerStartMs, ready - synced);
    const result = await measureOurs(ctx, { n, workers, concurrency, prefix, T, children, setup, afterDrain, pollMs });
    return { ...result, otherLoad };
  }
}

async function measureOurs(ctx, { n, workers, concurrency, prefix, T, children, setup, afterDrain, pollMs }) {
  await sleep(T.getTime() - Date.now());
  const cpu0 = cpuSnapshot();
  const workerCpu0 = children.map((c) => processCpuSeconds(c.pid));
  const server0 = serverCpuSeconds();
  const sampler = sampleSessions(ctx);
  const wait = await waitForRows(ctx.pg, 'SELECT count(*)::int AS c FROM jobs', [], n, { pollMs });
  const cpu1 = cpuSnapshot();
  const workerCpu = children.map((c, i) => processCpuSeconds(c.pid) - workerCpu0[i]);
  const server1 = serverCpuSeconds();
  const sessions = await sampler.stop();
  await sleep(1000); // let any straggler (a duplicate, a late retry) show up before counting
  const commits = await materializingTransactions(ctx.pg);
  const result = await inspectJobs(ctx, { n, T });
  result.content = await queueCounts(ctx, CONTENT_JOBS_QUEUE, prefix);
  result.occurrenceQueue = await queueCounts(ctx, 'schedule-occurrences', prefix);
  const after = afterDrain ? await afterDrain({ T, children }) : undefined;
  await Promise.all(children.map((c) => stopChild(c)));
  await deleteKeys(ctx.redis, `${prefix}:*`);
  const log = { outcomes: {}, duplicates: 0, attemptFailures: 0, firstFailures: [], errors: [] };
  for (const c of children) {
    for (const [k, v] of Object.entries(c.log.outcomes)) log.outcomes[k] = (log.outcomes[k] || 0) + v;
    log.duplicates += c.log.duplicates;
    log.attemptFailures += c.log.attemptFailures;
    log.firstFailures.push(...c.log.firstFailures);
    log.errors.push(...c.log.errors);
  }
  const handedOver = Object.values(result.content).reduce((a, b) => a + b, 0);
  return {
    kind: 'ours',
    n,
    workers,
    concurrency,
    T: T.toISOString(),
    setup,
    drainMs: wait.doneAt === null ? NaN : wait.doneAt - T.getTime(),
    firstVisibleMs: wait.firstSeenAt === null ? NaN : wait.firstSeenAt - T.getTime(),
    jobsPerSecond: wait.doneAt === null ? NaN : n / ((wait.doneAt - T.getTime()) / 1000),
    cpuBusy: cpuBusy(cpu0, cpu1),
    workerCpuSeconds: workerCpu,
    // From T to drain: the servers' CPU (the whole machine's PostgreSQL and Redis); the
    // transactions that wrote the round's Jobs.
    serverCpuSeconds: { postgres: server1.postgres - server0.postgres, redis: server1.redis - server0.redis },
    commits,
    handedOver,
    sessions,
    log,
    after,
    ...result,
  };
}

/**
 * The committed transactions that wrote the round's Jobs: distinct `xmin` of the rows (exact,
 * unlike `pg_stat_database.xact_commit`, which backends report up to seconds late).
 */
async function materializingTransactions(pg) {
  const { rows } = await pg.query('SELECT count(DISTINCT xmin::text)::int AS c FROM jobs');
  return rows[0].c;
}

/** Lags and the exactly-N check on the jobs table after a round. */
async function inspectJobs(ctx, { n, T }) {
  const queued = await hasColumn(ctx.pg, 'jobs', 'queued_at');
  const { rows: lags } = await ctx.pg.query(
    `SELECT extract(epoch FROM created_at - scheduled_for) * 1000 AS lag
            ${queued ? ', extract(epoch FROM queued_at - scheduled_for) * 1000 AS qlag' : ''}
       FROM jobs WHERE scheduled_for = $1`,
    [T],
  );
  const {
    rows: [c],
  } = await ctx.pg.query(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE scheduled_for = $1)::int AS at_t,
            count(DISTINCT scheduled_job_id) FILTER (WHERE scheduled_for = $1)::int AS schedules_at_t,
            count(DISTINCT scheduled_job_id)::int AS schedules
       FROM jobs`,
    [T],
  );
  const { rows: runs } = await ctx.pg.query('SELECT outcome, count(*)::int AS c FROM schedule_runs GROUP BY outcome');
  const {
    rows: [adv],
  } = await ctx.pg.query(
    `SELECT count(*) FILTER (WHERE run_count = 1 AND next_run_at = $1::timestamptz + interval '1 day')::int AS advanced FROM scheduled_jobs`,
    [T],
  );
  return {
    lag: summarize(lags.map((r) => Number(r.lag))),
    handOverLag: queued ? summarize(lags.filter((r) => r.qlag !== null).map((r) => Number(r.qlag))) : null,
    jobsTotal: c.total,
    losses: n - c.schedules_at_t,
    duplicates: c.total - c.schedules,
    wrongInstant: c.total - c.at_t,
    runs: Object.fromEntries(runs.map((r) => [r.outcome, r.c])),
    advanced: adv.advanced,
  };
}

/** Bytes per Job and per run-history row after the largest round (table + TOAST + indexes). */
async function storagePerOccurrence(pg) {
  const { rows } = await pg.query(`
    SELECT (SELECT count(*) FROM jobs)::float AS jobs,
           pg_total_relation_size('jobs')::float AS jobs_bytes,
           pg_indexes_size('jobs')::float AS jobs_index_bytes,
           (SELECT count(*) FROM schedule_runs)::float AS runs,
           pg_total_relation_size('schedule_runs')::float AS runs_bytes`);
  const r = rows[0];
  return {
    jobs: r.jobs,
    bytesPerJob: r.jobs_bytes / r.jobs,
    indexBytesPerJob: r.jobs_index_bytes / r.jobs,
    bytesPerRun: r.runs ? r.runs_bytes / r.runs : NaN,
  };
}

/* ----------------------------------------------------------- references */

/** The two bare-BullMQ references, by design: the name of their result (`kind`) and their queue. */
const REFERENCES = {
  delayed: { kind: 'ceiling', queue: 'ceiling' },
  schedulers: { kind: 'schedulers', queue: OCCURRENCE_QUEUE },
};

/** `workers` forked ceiling-worker.js processes on `queue`, once each is ready. */
async function startReferenceWorkers(ctx, { prefix, queue, workers, concurrency }) {
  const children = [];
  const readyAll = [];
  for (let i = 0; i < workers; i++) {
    const child = fork(path.join(__dirname, 'ceiling-worker.js'), [], {
      env: {
        ...process.env,
        DATABASE_URL: ctx.dbUrl,
        REDIS_URL: ctx.redisUrl,
        QUEUE_PREFIX: prefix,
        CEILING_QUEUE: queue,
        WORKER_CONCURRENCY: String(concurrency),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    trackChild(ctx, child, 'ceiling-worker');
    child.failures = 0;
    child.errors = [];
    readyAll.push(
      new Promise((resolve, reject) => {
        child.on('message', (m) => {
          if (m.type === 'ready') resolve();
          if (m.type === 'failed') child.failures += 1;
          if (m.type === 'error' && child.errors.length < 3) child.errors.push(m.message);
        });
        child.exited.then((info) => reject(new Error(`ceiling worker exited: ${JSON.stringify(info)}`)));
      }),
    );
    children.push(child);
  }
  try {
    await Promise.all(readyAll);
  } catch (error) {
    await Promise.all(children.map((c) => stopChild(c)));
    throw error;
  }
  return children;
}

/**
 * The references: the same N due at T, processed by `workers` forked processes running a bare
 * BullMQ Worker that inserts one scratch row per job (ceiling-worker.js). `design` is how the
 * jobs due at T come to be:
 * - `delayed` (the ceiling): one plain delayed job per schedule (queue.add with delay = T − now);
 * - `schedulers`: one BullMQ job scheduler per schedule, written by our own `syncScheduler` on
 *   the occurrence queue (our repeat strategy, rule and job options), so each firing also makes
 *   BullMQ create that scheduler's next job, as it does for ours.
 */
async function ceilingRound(ctx, { n, workers, concurrency, design = 'delayed' }) {
  const ref = REFERENCES[design];
  if (!ref) throw new Error(`unknown reference design "${design}"`);
  const otherLoad = await ctx.waitQuiet();
  const prefix = `${ctx.prefixBase}-${ref.kind}-${n}-${workers}w`;
  ctx.prefixes.add(prefix);
  await ctx.pg.query(`CREATE TABLE IF NOT EXISTS bench_ceiling (
      id bigserial PRIMARY KEY, schedule_id uuid NOT NULL, scheduled_for timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
  await ctx.pg.query('TRUNCATE bench_ceiling');
  const children = await startReferenceWorkers(ctx, { prefix, queue: ref.queue, workers, concurrency });
  const addStart = Date.now();
  const T =
    design === 'delayed' ? await addDelayedJobs(ctx, { n, prefix, addStart }) : await addJobSchedulers(ctx, { n, prefix, addStart });
  const added = Date.now();
  if (added > T.getTime()) ctx.log(`    ${ref.kind}: creating ${n} jobs overran T by ${added - T.getTime()} ms`);
  await sleep(T.getTime() - Date.now());
  const cpu0 = cpuSnapshot();
  const wait = await waitForRows(ctx.pg, 'SELECT count(*)::int AS c FROM bench_ceiling', [], n);
  const cpu1 = cpuSnapshot();
  await sleep(500);
  const { rows } = await ctx.pg.query('SELECT extract(epoch FROM created_at - scheduled_for) * 1000 AS lag FROM bench_ceiling');
  const {
    rows: [c],
  } = await ctx.pg.query(
    `SELECT count(*)::int AS total, count(DISTINCT schedule_id)::int AS distinct_ids,
            count(*) FILTER (WHERE scheduled_for <> $1)::int AS wrong_instant FROM bench_ceiling`,
    [T],
  );
  const after = design === 'schedulers' ? await queueCounts(ctx, ref.queue, prefix) : undefined;
  await Promise.all(children.map((c2) => stopChild(c2)));
  await deleteKeys(ctx.redis, `${prefix}:*`);
  return {
    kind: ref.kind,
    otherLoad,
    n,
    workers,
    concurrency,
    setupMs: added - addStart,
    lag: summarize(rows.map((r) => Number(r.lag))),
    drainMs: wait.doneAt === null ? NaN : wait.doneAt - T.getTime(),
    jobsPerSecond: wait.doneAt === null ? NaN : n / ((wait.doneAt - T.getTime()) / 1000),
    cpuBusy: cpuBusy(cpu0, cpu1),
    losses: n - c.distinct_ids,
    duplicates: c.total - c.distinct_ids,
    wrongInstant: c.wrong_instant,
    attemptFailures: children.reduce((a, ch) => a + ch.failures, 0),
    errors: children.flatMap((ch) => ch.errors),
    // Job schedulers: the next jobs (T + 1 day) BullMQ created as the round fired.
    nextJobs: after ? after.delayed : undefined,
  };
}

/** The ceiling's jobs: N plain delayed jobs due at T, added in bulk (1,000 a call). Returns T. */
async function addDelayedJobs(ctx, { n, prefix, addStart }) {
  const queue = new Queue(REFERENCES.delayed.queue, { connection: ctx.redis, prefix });
  const T = wholeSecondAfter(addStart + 2000 + n * ctx.calibration.ceilingAddMsPerJob * 2);
  const ids = Array.from({ length: n }, () => randomUUID());
  try {
    for (let start = 0; start < n; start += 1000) {
      const delay = T.getTime() - Date.now();
      await queue.addBulk(
        ids.slice(start, start + 1000).map((id) => ({
          name: 'fire',
          data: { schedule_id: id, scheduled_for: T.toISOString() },
          opts: { delay, removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } },
        })),
      );
    }
  } finally {
    await queue.close();
  }
  ctx.calibration.ceilingAddMsPerJob = Math.max(ctx.calibration.ceilingAddMsPerJob, (Date.now() - addStart) / n);
  return T;
}

/**
 * The job-scheduler reference's jobs: N daily schedulers whose first occurrence is T, written as
 * ours are (`syncScheduler`, SYNC_CONCURRENCY in flight). A scheduler written after T would
 * skip it, so the margin is three times the slowest scheduler creation seen so far. Returns T.
 */
async function addJobSchedulers(ctx, { n, prefix, addStart }) {
  const T = wholeSecondAfter(addStart + 2000 + n * ctx.calibration.syncMsPerScheduler * 3);
  const { rows, rule } = fireRows(n, T, ctx.runId);
  const queue = createOccurrenceQueue({ connection: ctx.redis, prefix });
  try {
    await runPool(rows, SYNC_CONCURRENCY, (r) => syncScheduler(queue, { id: r.id, version: 1, rule }));
  } finally {
    await queue.close();
  }
  ctx.calibration.syncMsPerScheduler = Math.max(ctx.calibration.syncMsPerScheduler, (Date.now() - addStart) / n);
  return T;
}

/* --------------------------------------------------------------- poller */

/**
 * The original spec's design: every 60 s a poller selects the due schedules and inserts their
 * Jobs. One real tick is run at T against N due schedules (batches of 1,000 rows, FOR UPDATE
 * SKIP LOCKED, next run computed with the recurrence package, one transaction per batch): each
 * Job's insert time is its batch's commit − T. The 60 s wait is not slept through: a Job's lag
 * is (next tick − T) + its insert time, the tick phase uniform on [0, 60 s) (Monte Carlo,
 * 200,000 draws of a phase and a Job from a seeded PRNG).
 */
async function pollerRound(ctx, { n }) {
  const otherLoad = await ctx.waitQuiet();
  await truncateAll(ctx.pg);
  const T = wholeSecondAfter(Date.now() + 1500 + n * ctx.calibration.insertMsPerRow);
  const { rows } = fireRows(n, T, ctx.runId);
  await insertSchedules(ctx.pg, rows);
  await sleep(T.getTime() - Date.now());
  const tick = Date.now();
  const client = await ctx.pg.connect();
  const offsets = [];
  let batches = 0;
  try {
    for (;;) {
      await client.query('BEGIN');
      const { rows: due } = await client.query(
        `SELECT * FROM scheduled_jobs WHERE status = 'active' AND next_run_at <= now()
          ORDER BY next_run_at LIMIT 1000 FOR UPDATE SKIP LOCKED`,
      );
      if (due.length === 0) {
        await client.query('COMMIT');
        break;
      }
      const next = due.map((s) => {
        const rule = ruleOf({
          scheduleType: s.schedule_type,
          scheduledAt: s.scheduled_at,
          recurrencePattern: s.recurrence_pattern,
          timezone: s.timezone,
          recurrenceEndDate: s.recurrence_end_date,
          maxRuns: s.max_runs,
          recurrenceRule: s.recurrence_rule ?? null,
        });
        const after = new Date(Math.max(s.next_run_at.getTime(), tick));
        const at = rule ? nextOccurrence(rule, after) : null;
        return at ? at.toISOString() : null;
      });
      await client.query(
        `INSERT INTO jobs (user_id, workspace_id, campaign_id, template_id, scheduled_job_id, scheduled_for, status, config,
                           publisher_domain, llm_provider, writing_strategy, language)
         SELECT s.user_id, s.workspace_id, s.campaign_id, s.template_id, s.id, s.next_run_at, 'pending', s.job_config,
                s.job_config->>'publisher_domain', s.job_config->>'llm_provider', s.job_config->>'writing_strategy',
                s.job_config->>'language'
           FROM scheduled_jobs s WHERE s.id = ANY($1::uuid[])
         ON CONFLICT (scheduled_job_id, scheduled_for) DO NOTHING`,
        [due.map((s) => s.id)],
      );
      await client.query(
        `UPDATE scheduled_jobs s SET next_run_at = u.next, last_run_at = s.next_run_at, run_count = s.run_count + 1,
                updated_at = now()
           FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, next) WHERE s.id = u.id`,
        [due.map((s) => s.id), next],
      );
      await client.query('COMMIT');
      batches += 1;
      const committed = Date.now() - T.getTime();
      for (let i = 0; i < due.length; i++) offsets.push(committed);
    }
  } finally {
    client.release();
  }
  const {
    rows: [c],
  } = await ctx.pg.query('SELECT count(*)::int AS total, count(DISTINCT scheduled_job_id)::int AS schedules FROM jobs');
  const random = prng(2024);
  const samples = new Float64Array(200_000);
  for (let i = 0; i < samples.length; i++) {
    samples[i] = random() * POLL_INTERVAL_MS + offsets[Math.floor(random() * offsets.length)];
  }
  const insert = summarize(offsets);
  return {
    kind: 'poller',
    otherLoad,
    n,
    tickDelayMs: tick - T.getTime(),
    batches,
    insert,
    insertJobsPerSecond: n / (insert.max / 1000),
    lag: summarize(samples),
    losses: n - c.schedules,
    duplicates: c.total - c.schedules,
    jobConfig: JOB_CONFIG,
  };
}

module.exports = { ourRound, ceilingRound, pollerRound, storagePerOccurrence, stopChild, trackChild };
