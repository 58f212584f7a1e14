// Section 4: a full reconcile pass over every active schedule (first creating all schedulers,
// then with all in step), Redis memory per scheduler, PostgreSQL bytes per schedule.
const { createDataSource, ruleOf } = require('../../packages/entities/dist');
const { createContentQueue, createOccurrenceQueue, createRedis, syncScheduler } = require('../../packages/queue/dist');
const { Reconciler } = require('../../services/worker/dist/reconciler');
const { deleteKeys, keyMemory, runPool, usedMemory } = require('./util');

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

/** Two Reconciler.reconcile() passes over every active schedule in scheduler_bench. */
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
  // The constructor gained a content queue (dataSource, queue, contentQueue, logger): follow it.
  const reconciler =
    Reconciler.length >= 4 ? new Reconciler(dataSource, queue, contentQueue, logger) : new Reconciler(dataSource, queue, logger);
  const {
    rows: [{ c: active }],
  } = await ctx.pg.query("SELECT count(*)::int AS c FROM scheduled_jobs WHERE status = 'active'");
  try {
    const passes = [];
    for (const label of ['first pass (no schedulers: creates)', 'second pass (all in step)']) {
      const otherLoad = await ctx.waitQuiet();
      const memBefore = await usedMemory(ctx.redis);
      const t0 = process.hrtime.bigint();
      const report = await reconciler.reconcile();
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const memAfter = await usedMemory(ctx.redis);
      passes.push({ label, seconds, report, memDelta: memAfter - memBefore, perSecond: active / seconds, otherLoad });
      ctx.log(`    ${label}: ${seconds.toFixed(1)} s ${JSON.stringify(report)}`);
    }
    return { active, passes, warnings: warnings.slice(0, 5) };
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
