// Section 4: reconcile passes over every active schedule (the first creating all schedulers; then
// incremental passes with all in step and after 1 % changed, full sweeps with all in step, and the
// pass after a flush of the bench's prefix), Redis memory per scheduler, PostgreSQL bytes per schedule.
const { createDataSource, ruleOf } = require('../../packages/entities/dist');
const { createContentQueue, createOccurrenceQueue, createRedis, syncScheduler } = require('../../packages/queue/dist');
const { Reconciler } = require('../../services/worker/dist/reconciler');
const { deleteKeys, keyMemory, runPool, summarize, usedMemory } = require('./util');

const ruleOfRow = (r) =>
  r.rule ??
  ruleOf({
    scheduleType: r.type,
    scheduledAt: r.scheduledAt,
    recurrencePattern: r.pattern,
    timezone: r.timezone,
    recurrenceEndDate: null,
    maxRuns: null,
  });

/** used_memory before/after creating `count` schedulers with syncScheduler (50 in flight). */
async function redisMemoryPerScheduler(ctx, rows, count) {
  const prefix = `${ctx.prefixBase}-mem`;
  ctx.prefixes.add(prefix);
  const sample = rows.slice(0, count);
  const queue = createOccurrenceQueue({ connection: ctx.redis, prefix });
  await queue.waitUntilReady();
  await ctx.waitQuiet();
  const before = await usedMemory(ctx.redis);
  const t0 = Date.now();
  await runPool(sample, 50, (r) => syncScheduler(queue, { id: r.id, version: 1, rule: ruleOfRow(r) }));
  const syncMs = Date.now() - t0;
  const after = await usedMemory(ctx.redis);
  const keys = await keyMemory(ctx.redis, `${prefix}:*`);
  await queue.close();
  await deleteKeys(ctx.redis, `${prefix}:*`);
  return {
    schedulers: sample.length,
    usedBefore: before,
    usedAfter: after,
    perScheduler: (after - before) / sample.length,
    keyBytesPerScheduler: keys.bytes / sample.length,
    keysPerScheduler: keys.keys / sample.length,
    syncPerSecond: sample.length / (syncMs / 1000),
  };
}

/** Passes of each kind timed (the figure is their p50). */
const REPEATS = 3;
/** Schedules edited (version + 1, so their schedulers are out of step) before each "1 % changed" pass. */
const CHANGED_FRACTION = 0.01;

/**
 * Reconciler.reconcile() over every active schedule in scheduler_bench: the first pass (a full
 * sweep: no token yet, creates every scheduler); incremental passes with all in step; incremental
 * passes after 1 % of the schedules were edited; full sweeps with all in step (a reconciler whose
 * sweep is always due); the pass after the bench's own prefix was flushed (the token is gone: a
 * full sweep that re-creates every scheduler). Each row: p50 seconds of its passes, the last report.
 */
async function reconcilePasses(ctx) {
  const prefix = `${ctx.prefixBase}-reconcile`;
  ctx.prefixes.add(prefix);
  // As the worker builds them: its pool (min(20, concurrency + 2)) and a worker-role connection.
  const dataSource = createDataSource(ctx.dbUrl, { poolSize: 20, applicationName: 'content-scheduler-worker' });
  await dataSource.initialize();
  const redis = createRedis(ctx.redisUrl, 'worker');
  const queue = createOccurrenceQueue({ connection: redis, prefix });
  const contentQueue = createContentQueue({ connection: redis, prefix });
  const warnings = [];
  const logger = { info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  const reconciler = new Reconciler(dataSource, queue, contentQueue, logger);
  // The same reconciler with its full sweep always due (RECONCILE_FULL_SWEEP_HOURS reached).
  const sweeper = new Reconciler(dataSource, queue, contentQueue, logger, undefined, undefined, { fullSweepHours: 0 });
  const {
    rows: [{ c: active }],
  } = await ctx.pg.query("SELECT count(*)::int AS c FROM scheduled_jobs WHERE status = 'active' AND next_run_at IS NOT NULL");
  const changed = Math.round(active * CHANGED_FRACTION);
  let editRound = 0;
  const editSome = () =>
    ctx.pg.query(
      `UPDATE scheduled_jobs SET version = version + 1 WHERE id IN (
         SELECT id FROM scheduled_jobs WHERE status = 'active' AND next_run_at IS NOT NULL ORDER BY id OFFSET $1 LIMIT $2)`,
      [changed * editRound++, changed],
    );
  const flush = () => deleteKeys(ctx.redis, `${prefix}:*`);
  const timed = async (label, runner, times, before) => {
    const seconds = [];
    let report;
    let memDelta = 0;
    let otherLoad;
    for (let i = 0; i < times; i += 1) {
      if (before) await before();
      otherLoad = await ctx.waitQuiet();
      const memBefore = await usedMemory(ctx.redis);
      const t0 = process.hrtime.bigint();
      report = await runner.reconcile();
      seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
      memDelta = (await usedMemory(ctx.redis)) - memBefore;
    }
    const p50 = summarize(seconds).p50;
    const row = { label, kind: report.kind, runs: times, seconds: p50, all: seconds, report, memDelta, perSecond: active / p50, otherLoad };
    ctx.log(`    ${label}: p50 ${p50.toFixed(3)} s of ${times} [${seconds.map((x) => x.toFixed(3)).join(', ')}] ${JSON.stringify(report)}`);
    return row;
  };
  try {
    const passes = [];
    passes.push(await timed('first pass (no schedulers: full sweep, creates)', reconciler, 1));
    passes.push(await timed('incremental, all in step', reconciler, REPEATS));
    passes.push(await timed(`incremental, after ${changed.toLocaleString('en-US')} edited (1 %)`, reconciler, REPEATS, editSome));
    passes.push(await timed('full sweep, all in step', sweeper, REPEATS));
    passes.push(await timed('after a flush of the prefix (token gone: full sweep, re-creates)', reconciler, 1, flush));
    passes.push(await timed('incremental, after the flush repaired', reconciler, REPEATS));
    return { active, changed, passes, warnings: warnings.slice(0, 5) };
  } finally {
    await Promise.allSettled([queue.close(), contentQueue.close()]);
    await redis.quit().catch(() => undefined);
    await dataSource.destroy().catch(() => undefined);
    await deleteKeys(ctx.redis, `${prefix}:*`);
  }
}

/** Bytes per schedule row of scheduled_jobs: heap, indexes, and the whole relation. */
async function postgresPerSchedule(pg) {
  await pg.query('VACUUM ANALYZE scheduled_jobs');
  const {
    rows: [r],
  } = await pg.query(`
    SELECT (SELECT count(*) FROM scheduled_jobs)::float AS rows,
           pg_total_relation_size('scheduled_jobs')::float AS total,
           pg_relation_size('scheduled_jobs')::float AS heap,
           pg_indexes_size('scheduled_jobs')::float AS indexes`);
  const { rows: indexes } = await pg.query(`
    SELECT indexrelid::regclass::text AS name, pg_relation_size(indexrelid)::float AS bytes
      FROM pg_index WHERE indrelid = 'scheduled_jobs'::regclass ORDER BY bytes DESC`);
  return {
    rows: r.rows,
    totalPerRow: r.total / r.rows,
    heapPerRow: r.heap / r.rows,
    indexesPerRow: r.indexes / r.rows,
    indexes: indexes.map((i) => ({ name: i.name, perRow: i.bytes / r.rows })),
  };
}

module.exports = { redisMemoryPerScheduler, reconcilePasses, postgresPerSchedule };
