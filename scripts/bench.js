// `npm run bench`: measures the recurrence maths, fire lag and throughput (with two baselines),
// the API under load and the scale costs, prints the figures and writes docs/BENCHMARKS.md.
// `node scripts/bench.js --quick` runs smaller sizes and prints without writing the doc
// (add --write to write it anyway). `--only=<section>,…` runs only those sections (of
// recurrence, fire, burst, webhooks, api, calendar, scale, conflicts, import; the dataset is
// loaded when a section that reads it runs) and never writes the doc. `--burst-n=<N>` (or
// BENCH_BURST_N) sets the burst round's size (100,000; 5,000 with --quick).
// BENCH_CPU_PROF=<dir> profiles our worker processes (see scripts/bench/fire.js).
//
// Uses its own database (scheduler_bench: created and migrated by prepareDatabase, dropped at
// the end) and its own BullMQ prefixes (schedbench-<run id>-*, deleted at the end). It never
// touches other databases or other keys.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { Client, Pool } = require('pg');
const { prepareDatabase } = require('../packages/entities/dist');
const { createRedis } = require('../packages/queue/dist');
const { runExpansionBench, runRecurrenceBench } = require('../packages/recurrence/dist/bench');
const { machineInfo, deleteKeys, fmt, cpuSnapshot, cpuBusy, sleep } = require('./bench/util');
const { insertCampaigns, insertSchedules, mixedRows, truncateAll } = require('./bench/data');
const { ourRound, ceilingRound, pollerRound, storagePerOccurrence, stopChild } = require('./bench/fire');
const { burstSection } = require('./bench/burst');
const { apiSection } = require('./bench/api');
const { calendarSection } = require('./bench/calendar');
const { importSection, conflictsSection } = require('./bench/import');
const { webhooksSection } = require('./bench/webhooks');
const { redisMemoryPerScheduler, reconcilePasses, postgresPerSchedule } = require('./bench/scale');
const { render, TARGETS, AIMS } = require('./bench/report');

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const SECTIONS = ['recurrence', 'fire', 'burst', 'webhooks', 'api', 'calendar', 'scale', 'conflicts', 'import'];
const onlyArg = process.argv.slice(2).find((a) => a.startsWith('--only='));
const ONLY = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',').filter(Boolean)) : null;
for (const name of ONLY ?? []) {
  if (!SECTIONS.includes(name)) throw new Error(`--only: unknown section "${name}" (the sections: ${SECTIONS.join(', ')})`);
}
const runs = (section) => !ONLY || ONLY.has(section);
const WRITE = !ONLY && (!QUICK || args.has('--write'));
const DB_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/scheduler_bench';
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
const DOC = path.resolve(__dirname, '../docs/BENCHMARKS.md');
const burstArg = process.argv.slice(2).find((a) => a.startsWith('--burst-n='));
const BURST_N = burstArg ? burstArg.slice('--burst-n='.length) : process.env.BENCH_BURST_N;
if (BURST_N !== undefined && !(Number.isInteger(Number(BURST_N)) && Number(BURST_N) > 0)) {
  throw new Error(`--burst-n / BENCH_BURST_N: "${BURST_N}" is not a positive whole number`);
}

const SIZES = QUICK
  ? {
      fire: [1000],
      burst: 5000,
      dataset: 10_000,
      owned: 2000,
      memory: 10_000,
      apiSeconds: 3,
      recurrenceSteps: 100_000,
      imports: [1000],
      conflictRuns: 5,
      webhookFire: 1000,
      webhookPairs: 1,
    }
  : {
      fire: [1000, 10_000],
      burst: 100_000,
      dataset: 100_000,
      owned: 2000,
      memory: 10_000,
      apiSeconds: 8,
      recurrenceSteps: undefined,
      imports: [1000, 10_000],
      conflictRuns: 20,
      webhookFire: 10_000,
      webhookPairs: 2,
    };
/** Deliveries one worker makes at once in the webhooks section (the worker's default, WEBHOOK_CONCURRENCY). */
const WEBHOOK_CONCURRENCY = 10;
const WORKER_COUNTS = [1, 2];
/** The burst round runs once, with 2 worker processes (issue #15). */
const BURST_WORKERS = 2;
const CONCURRENCY = 50;
const API_CONNECTIONS = 16;
const CAMPAIGNS = 20;

const databaseName = () => decodeURIComponent(new URL(DB_URL).pathname.slice(1));

async function adminQuery(sql) {
  const admin = new URL(DB_URL);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

const dropDatabase = () => adminQuery(`DROP DATABASE IF EXISTS "${databaseName().replace(/"/g, '""')}" WITH (FORCE)`);

function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main() {
  const name = databaseName();
  if (name === 'scheduler_test' || !/bench/.test(name)) {
    throw new Error(`refusing to use database "${name}": the bench drops its database, name one containing "bench"`);
  }
  const started = Date.now();
  const runId = `${started.toString(36)}${randomBytes(2).toString('hex')}`;
  const ctx = {
    runId,
    dbUrl: DB_URL,
    redisUrl: REDIS_URL,
    jwtSecret: `bench-${randomBytes(16).toString('hex')}`,
    prefixBase: `schedbench-${runId}`,
    prefixes: new Set(),
    children: new Set(),
    cleanups: [],
    log,
    /** Before each measurement: wait (briefly) for other work on the machine to calm down. */
    waitQuiet: () => waitQuiet(QUICK ? 5_000 : 20_000),
    calibration: {
      insertMsPerRow: 0.05,
      syncMsPerScheduler: 0.25,
      reconcileMsPerSchedule: 0.5,
      workerStartMs: 3000,
      ceilingAddMsPerJob: 0.1,
    },
  };
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const child of [...ctx.children]) await stopChild(child, 10_000).catch(() => undefined);
    for (const fn of ctx.cleanups.reverse())
      await Promise.resolve()
        .then(fn)
        .catch(() => undefined);
    if (ctx.redis) {
      const keys = await deleteKeys(ctx.redis, `${ctx.prefixBase}-*`).catch(() => 0);
      const limits = await deleteKeys(ctx.redis, `rl:*:u:bench-${runId}-*`).catch(() => 0);
      log(`deleted ${keys + limits} Redis keys of this run`);
      await ctx.redis.quit().catch(() => undefined);
    }
    if (ctx.pg) await ctx.pg.end().catch(() => undefined);
    await dropDatabase().then(
      () => log(`dropped database ${name}`),
      (error) => log(`could not drop ${name}: ${error.message}`),
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130)); // cleanup() catches its own failures
    });
  }

  const results = { quick: QUICK, only: ONLY ? [...ONLY] : null, startedAt: new Date(started).toISOString(), observations: [] };
  let failed = false;
  try {
    log(`run ${runId}${QUICK ? ' (--quick)' : ''}: database ${name}, prefix ${ctx.prefixBase}`);
    await dropDatabase(); // a previous run that crashed may have left it behind
    await prepareDatabase(DB_URL);
    ctx.pg = new Pool({ connectionString: DB_URL, max: 4, application_name: 'content-scheduler-bench' });
    ctx.pg.on('error', (error) => log(`idle PostgreSQL client error: ${error.message}`));
    ctx.redis = createRedis(REDIS_URL, 'worker');
    results.machine = await machineInfo(ctx.pg, ctx.redis);
    results.machine.background = await waitQuiet(QUICK ? 10_000 : 90_000);

    if (ONLY) log(`--only: ${[...ONLY].join(', ')}`);
    if (runs('recurrence')) {
      log('1. recurrence');
      results.recurrence = runRecurrenceBench(SIZES.recurrenceSteps ? { steps: SIZES.recurrenceSteps } : {});
      results.expansion = runExpansionBench({ schedules: SIZES.owned });
    }

    if (runs('fire')) {
      log('2. fire lag and throughput');
      const rounds = [];
      let storage = null;
      for (const n of SIZES.fire) {
        for (const workers of WORKER_COUNTS) {
          log(`  N=${n}: ours, ${workers} worker(s)`);
          const r = await ourRound(ctx, { n, workers, concurrency: CONCURRENCY });
          log(
            `    p50 ${fmt.ms(r.lag.p50)} p99 ${fmt.ms(r.lag.p99)} drain ${fmt.ms(r.drainMs)} ${fmt.num(r.jobsPerSecond)} Jobs/s, dup ${r.duplicates} lost ${r.losses}`,
          );
          rounds.push(r);
          if (n === SIZES.fire[SIZES.fire.length - 1]) storage = await storagePerOccurrence(ctx.pg);
          log(`  N=${n}: ceiling, ${workers} worker(s)`);
          const c = await ceilingRound(ctx, { n, workers, concurrency: CONCURRENCY });
          log(`    p50 ${fmt.ms(c.lag.p50)} p99 ${fmt.ms(c.lag.p99)} drain ${fmt.ms(c.drainMs)} ${fmt.num(c.jobsPerSecond)} Jobs/s`);
          rounds.push(c);
          log(`  N=${n}: BullMQ job schedulers, ${workers} worker(s)`);
          const s = await ceilingRound(ctx, { n, workers, concurrency: CONCURRENCY, design: 'schedulers' });
          log(`    p50 ${fmt.ms(s.lag.p50)} p99 ${fmt.ms(s.lag.p99)} drain ${fmt.ms(s.drainMs)} ${fmt.num(s.jobsPerSecond)} Jobs/s`);
          rounds.push(s);
        }
        log(`  N=${n}: poller baseline`);
        const p = await pollerRound(ctx, { n });
        log(`    tick work ${fmt.ms(p.insert.max)}, simulated mean lag ${fmt.ms(p.lag.mean)}`);
        rounds.push(p);
      }
      results.fire = { sizes: SIZES.fire, concurrency: CONCURRENCY, rounds, storage };
    }

    if (runs('burst')) {
      const n = BURST_N !== undefined ? Number(BURST_N) : SIZES.burst;
      log(`2c. burst: ${fmt.num(n)} due at one instant, ${BURST_WORKERS} workers`);
      results.burst = await burstSection(ctx, { n, workers: BURST_WORKERS, concurrency: CONCURRENCY });
      const r = results.burst.round;
      log(
        `    p50 ${fmt.ms(r.lag.p50)} p99 ${fmt.ms(r.lag.p99)} drain ${fmt.ms(r.drainMs)} ${fmt.num(r.jobsPerSecond)} Jobs/s, dup ${r.duplicates} lost ${r.losses}` +
          `, Redis peak ${fmt.bytes(results.burst.memory.redis.peak)}, worker peak RSS ${results.burst.memory.workers.map((w) => fmt.bytes(w.peakRss)).join(' + ')}`,
      );
    }

    if (runs('webhooks')) {
      log('2b. webhooks: fire with and without a job.created webhook');
      results.webhooks = await webhooksSection(ctx, {
        n: SIZES.webhookFire,
        workers: 1,
        concurrency: CONCURRENCY,
        pairs: SIZES.webhookPairs,
        webhookConcurrency: WEBHOOK_CONCURRENCY,
      });
    }
    if (results.burst && !results.burst.complete) {
      failed = true;
      const r = results.burst.round;
      results.observations.push(
        `**Burst N=${fmt.num(r.n)}: ${fmt.num(r.jobsTotal)} Jobs, ${fmt.num(r.runs.materialized ?? 0)} run rows, ` +
          `${fmt.num(r.handedOver)} on content-jobs, ${fmt.num(r.advanced)} schedules advanced (each should be ${fmt.num(r.n)}).**`,
      );
    }
    const burstRounds = results.burst ? [results.burst.round] : [];
    for (const r of [...(results.fire?.rounds ?? []), ...burstRounds, ...(results.webhooks?.rounds ?? [])]) {
      if (r.duplicates || r.losses || r.wrongInstant) {
        failed = true;
        results.observations.push(
          `**${r.kind} N=${r.n}${r.workers ? `, ${r.workers} worker(s)` : ''}${r.withWebhook !== undefined ? (r.withWebhook ? ', with webhook' : ', without webhook') : ''}: ${r.duplicates} duplicate(s), ${r.losses} lost, ${r.wrongInstant || 0} at a wrong instant.**`,
        );
      }
    }

    const benchUser = `bench-${runId}-owner`;
    if (['api', 'scale', 'calendar', 'conflicts'].some(runs)) {
      log(`3./4. dataset: ${SIZES.dataset} schedules`);
      await truncateAll(ctx.pg);
      const campaignIds = await insertCampaigns(ctx.pg, benchUser, CAMPAIGNS);
      const rows = mixedRows(SIZES.dataset, { benchUser, owned: SIZES.owned, campaignIds, runId });
      const t0 = Date.now();
      await insertSchedules(ctx.pg, rows);
      await ctx.pg.query('ANALYZE');
      results.dataset = {
        rows: rows.length,
        owned: SIZES.owned,
        users: 1 + Math.ceil((rows.length - SIZES.owned) / 100),
        campaigns: CAMPAIGNS,
        insertSeconds: (Date.now() - t0) / 1000,
      };

      if (runs('api')) {
        log('3. API');
        results.api = await apiSection(ctx, { benchUser, durationSeconds: SIZES.apiSeconds, connections: API_CONNECTIONS });
      }

      if (runs('scale')) {
        log('4. scale');
        const memory = await redisMemoryPerScheduler(ctx, rows, Math.min(SIZES.memory, rows.length));
        const reconcile = await reconcilePasses(ctx);
        const postgres = await postgresPerSchedule(ctx.pg);
        results.scale = { memory, reconcile, postgres };
      }

      // After the scale section: the feed's 500 extra schedules do not change its figures.
      if (runs('calendar')) {
        log('3b. calendar and iCal feed');
        results.calendar = await calendarSection(ctx, {
          benchUser,
          firstPageRuns: QUICK ? 20 : 100,
          fullMonthRuns: QUICK ? 1 : 3,
          feedRuns: QUICK ? 5 : 20,
          feedSchedules: 500,
        });
      }

      if (runs('conflicts')) {
        log('5b. conflicts over a month');
        results.conflicts = await conflictsSection(ctx, { benchUser, runs: SIZES.conflictRuns });
      }
    }

    // Last: its schedules (in workspaces of their own) would add to the dataset's tables.
    if (runs('import')) {
      log('5. import');
      results.import = await importSection(ctx, { sizes: SIZES.imports });
    }

    addObservations(results);
  } catch (error) {
    log(`FAILED: ${error.stack || error}`);
    await cleanup();
    process.exitCode = 1;
    return;
  }
  results.machine.backgroundEnd = await backgroundLoad();
  await cleanup();
  results.finishedAt = new Date().toISOString();
  results.durationSeconds = (Date.now() - started) / 1000;
  const text = render(results);
  process.stdout.write(`\n${text}`);
  if (WRITE) {
    fs.writeFileSync(DOC, text);
    log(`wrote ${path.relative(process.cwd(), DOC)}`);
  } else {
    log(`${ONLY ? '--only' : '--quick'}: docs/BENCHMARKS.md left as it was${ONLY ? '' : ' (add --write to overwrite it)'}`);
  }
  log(`done in ${fmt.sec(results.durationSeconds, 0)}`);
  if (failed) process.exitCode = 1;
}

/** How busy the machine is with other work (other sessions' tests, say) while the bench idles 1 s. */
async function backgroundLoad() {
  const a = cpuSnapshot();
  await sleep(1000);
  return { busy: cpuBusy(a, cpuSnapshot()), loadavg: os.loadavg()[0] };
}

/**
 * Other sessions' test runs share this machine: wait (up to `maxMs`) for a 1 s sample in which
 * less than 20 % of the CPU is busy, and report the last sample either way.
 */
async function waitQuiet(maxMs) {
  const until = Date.now() + maxMs;
  let sample = await backgroundLoad();
  let waited = false;
  while (sample.busy >= 0.2 && Date.now() < until) {
    if (!waited) log(`    machine busy with other work (${fmt.pct(sample.busy)}); waiting up to ${maxMs / 1000} s for a quieter moment`);
    waited = true;
    await sleep(1000);
    sample = await backgroundLoad();
  }
  return sample;
}

/** Facts the figures show on their own (targets missed, scaling with a second worker). */
function addObservations(results) {
  const obs = results.observations;
  for (const r of results.recurrence ?? []) {
    const target = TARGETS[r.type];
    if (target && r.occurrences_per_second < target) {
      obs.push(`Recurrence ${r.type}: ${fmt.num(r.occurrences_per_second)}/s is below its target of ${fmt.num(target)}/s.`);
    }
  }
  for (const n of results.fire?.sizes ?? []) {
    const ours = results.fire.rounds.filter((r) => r.kind === 'ours' && r.n === n);
    const one = ours.find((r) => r.workers === 1);
    const two = ours.find((r) => r.workers === 2);
    if (one && two) {
      obs.push(
        `N=${fmt.num(n)}: a second worker process changed throughput ${fmt.ratio(two.jobsPerSecond / one.jobsPerSecond)} ` +
          `(${fmt.num(one.jobsPerSecond)} → ${fmt.num(two.jobsPerSecond)} Jobs/s) with both cores ${fmt.pct(one.cpuBusy)} → ${fmt.pct(two.cpuBusy)} busy.`,
      );
    }
    for (const r of ours) {
      if (r.log.attemptFailures) {
        obs.push(
          `N=${fmt.num(n)}, ${r.workers} worker(s): ${r.log.attemptFailures} occurrence attempts failed and were retried (${r.log.firstFailures.join('; ')}).`,
        );
      }
      if (r.log.errors.length) obs.push(`N=${fmt.num(n)}, ${r.workers} worker(s): worker errors: ${r.log.errors.join('; ')}`);
    }
  }
  for (const c of Object.values(results.api?.results ?? {})) {
    const bad = c.result.non2xx + c.result.errors + c.result.timeouts;
    if (bad) obs.push(`API ${c.label}: ${fmt.num(bad)} of ${fmt.num(c.result.requestsTotal)} responses were errors or non-2xx.`);
  }
  for (const r of results.import?.results ?? []) {
    if (r.kind !== 'commit') continue;
    const all = Math.max(r.ms, r.schedulersMs);
    if (r.n >= 10_000 && !(all < AIMS.importCommitMs)) {
      obs.push(
        `Import of ${fmt.num(r.n)} rows: committed with every scheduler in ${fmt.ms(all)}, over the aim of ${fmt.ms(AIMS.importCommitMs)}.`,
      );
    }
    if (r.schedulers < r.n) obs.push(`Import of ${fmt.num(r.n)} rows: only ${fmt.num(r.schedulers)} schedulers appeared.`);
  }
  const w = results.webhooks;
  if (w) {
    const slower = 1 / w.summary.throughput - 1;
    if (!(slower <= AIMS.webhookSlowdown)) {
      obs.push(
        `Webhooks: firing with a job.created webhook ran at ${fmt.ratio(w.summary.throughput)} the throughput without one, ` +
          `over the aim of at most ${fmt.pct(AIMS.webhookSlowdown)} slower.`,
      );
    }
    for (const r of w.rounds.filter((x) => x.withWebhook && !x.after?.complete)) {
      obs.push(`Webhooks: a round delivered ${fmt.num(r.after?.distinct)} of ${fmt.num(r.n)} job.created events before stalling.`);
    }
  }
}

main().then(
  // Exit explicitly: a handle left open by a failed section must not keep the bench alive.
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    log(`crashed: ${error.stack || error}`);
    process.exit(1);
  },
);
