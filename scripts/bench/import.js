// Section 5: bulk import (issue #12) through the real app (createApp on port 0, in this process):
// `POST /api/v1/schedule/import` of a CSV file as a spreadsheet exports it (mixed types, zones and
// publishers, spreadsheet date-times, a quoted pattern, a description), as a dry run and as a
// commit, for 1,000 and 10,000 rows; for a commit, the time until every BullMQ job scheduler
// exists (polled in Redis while the request runs). Then `GET /api/v1/schedule/conflicts` over a
// month for the benchmarked user's workspace (its 2,000 schedules of the dataset).
const { createOccurrenceQueue } = require('../../packages/queue/dist');
const { startBenchApp } = require('./api');
const { JOB_CONFIG, insertSchedules, mixedRows } = require('./data');
const { sleep, summarize } = require('./util');

const DAY = 86_400_000;
const ZONES = ['Europe/Berlin', 'America/New_York', 'UTC', 'Asia/Tokyo', 'America/Los_Angeles', 'Europe/London', 'Australia/Sydney'];
const PUBLISHERS = 40;

const pad = (n) => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:mm`: a spreadsheet's date-time (wall time in the row's zone). */
function wall(date, hour, minute) {
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(hour)}:${pad(minute)}`;
}

/**
 * A content plan of `n` rows as a spreadsheet exports it: the five schedule types in turn (once,
 * daily, weekly, monthly, cron), seven zones, 40 publishers, first runs 2 to 60 days ahead, every
 * fifth row with a description holding a comma (quoted), weekly patterns with a comma (quoted).
 */
function planCsv(n, now = new Date()) {
  const header =
    'name,description,schedule_type,scheduled_at,recurrence_pattern,timezone,max_runs,job_config.publisher_domain,job_config.language';
  const lines = [header];
  const weekly = ['"weekly:monday,thursday"', 'weekly:friday', '"weekly:tuesday,wednesday,saturday"'];
  const monthly = ['monthly:last', '"monthly:1,15"', 'monthly:10'];
  const crons = ['0 9 * * 1-5', '30 7 * * *', '"0 8,12,18 * * 1-5"', '15 10 1 * *'];
  for (let i = 0; i < n; i++) {
    const day = new Date(now.getTime() + (2 + (i % 59)) * DAY);
    const at = wall(day, 6 + (i % 14), (i * 7) % 60);
    const zone = ZONES[i % ZONES.length];
    const publisher = `news${i % PUBLISHERS}.example.com`;
    const description = i % 5 === 0 ? `"Row ${i}, from the plan"` : '';
    const language = i % 3 === 0 ? 'de' : 'en';
    let cells;
    switch (i % 5) {
      case 0:
        cells = [`Launch post ${i}`, description, 'once', at, '', zone, ''];
        break;
      case 1:
        cells = [`Daily brief ${i}`, description, 'daily', at, '', zone, String(30 + (i % 60))];
        break;
      case 2:
        cells = [`Weekly digest ${i}`, description, 'weekly', at, weekly[i % weekly.length], zone, ''];
        break;
      case 3:
        cells = [`Monthly report ${i}`, description, 'monthly', at, monthly[i % monthly.length], zone, '12'];
        break;
      default:
        cells = [`Cron feed ${i}`, description, 'cron', '', crons[i % crons.length], zone, ''];
    }
    lines.push([...cells, publisher, language].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Polls the number of job schedulers on the queue until it reaches `count` (or `stop()` is called, or 120 s pass). */
function watchSchedulers(queue, count, started) {
  let running = true;
  const done = (async () => {
    const deadline = Date.now() + 120_000;
    while (running && Date.now() < deadline) {
      const n = await queue.getJobSchedulersCount();
      if (n >= count) return { allAt: Date.now() - started, seen: n };
      await sleep(20);
    }
    return { allAt: NaN, seen: await queue.getJobSchedulersCount() };
  })();
  return {
    done,
    stop: () => {
      running = false;
    },
  };
}

async function postImport(base, headers, csv, dryRun) {
  const t0 = process.hrtime.bigint();
  const res = await fetch(`${base}/api/v1/schedule/import${dryRun ? '?dry_run=true' : ''}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'text/csv' },
    body: csv,
  });
  const text = await res.text();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const expected = dryRun ? 200 : 201;
  if (res.status !== expected) throw new Error(`import (${dryRun ? 'dry run' : 'commit'}): ${res.status} ${text.slice(0, 500)}`);
  const body = JSON.parse(text);
  if (body.invalid !== 0) throw new Error(`import: ${body.invalid} invalid rows: ${JSON.stringify(body.rows.find((r) => !r.ok))}`);
  return { ms, body, bytes: text.length };
}

/** One app on its own prefix, shared by the import and conflicts measurements. */
const startApp = (ctx) => startBenchApp(ctx, 'import');

/**
 * For each size: a dry run and a commit of the same file, each into a workspace of its own
 * (so the rows' conflict warnings are only the file's own), after a small warm-up import.
 */
async function importSection(ctx, { sizes }) {
  const app = await startApp(ctx);
  const queue = createOccurrenceQueue({ connection: ctx.redis, prefix: app.prefix });
  try {
    // Warm-up (JIT, pool, plans), discarded.
    const warm = planCsv(50);
    await postImport(app.base, app.auth(`bench-${ctx.runId}-import-warm`), warm, true);
    await postImport(app.base, app.auth(`bench-${ctx.runId}-import-warm`), warm, false);
    await queue.obliterate({ force: true });
    const results = [];
    for (const n of sizes) {
      const csv = planCsv(n);
      const otherLoadDry = await ctx.waitQuiet();
      ctx.log(`    import ${n} rows: dry run …`);
      const dry = await postImport(app.base, app.auth(`bench-${ctx.runId}-import-dry-${n}`), csv, true);
      const warnings = dry.body.rows.reduce((a, r) => a + r.warnings.length, 0);
      results.push({
        kind: 'dry run',
        n,
        csvBytes: Buffer.byteLength(csv),
        ms: dry.ms,
        rowsPerSecond: n / (dry.ms / 1000),
        responseBytes: dry.bytes,
        warnings,
        otherLoad: otherLoadDry,
      });
      ctx.log(`      ${Math.round(dry.ms)} ms (${Math.round(n / (dry.ms / 1000))} rows/s)`);

      await queue.obliterate({ force: true });
      const otherLoad = await ctx.waitQuiet();
      ctx.log(`    import ${n} rows: commit …`);
      const started = Date.now();
      const watch = watchSchedulers(queue, n, started);
      let commit;
      try {
        commit = await postImport(app.base, app.auth(`bench-${ctx.runId}-import-commit-${n}`), csv, false);
      } finally {
        // A failed request: stop polling (its result is then NaN).
        setTimeout(watch.stop, 30_000).unref();
      }
      const schedulers = await watch.done;
      watch.stop();
      const {
        rows: [count],
      } = await ctx.pg.query('SELECT count(*)::int AS c FROM scheduled_jobs WHERE workspace_id = $1', [
        `user:bench-${ctx.runId}-import-commit-${n}`,
      ]);
      results.push({
        kind: 'commit',
        n,
        csvBytes: Buffer.byteLength(csv),
        ms: commit.ms,
        rowsPerSecond: n / (commit.ms / 1000),
        schedulersMs: schedulers.allAt,
        schedulers: schedulers.seen,
        rowsWritten: count.c,
        responseBytes: commit.bytes,
        otherLoad,
      });
      ctx.log(
        `      ${Math.round(commit.ms)} ms (${Math.round(n / (commit.ms / 1000))} rows/s), every scheduler after ${Math.round(schedulers.allAt)} ms (${schedulers.seen})`,
      );
      await queue.obliterate({ force: true });
    }
    return { sizes, results };
  } finally {
    await queue.close();
    await app.close();
  }
}

/**
 * `GET /schedule/conflicts` over the next 31 days, one request at a time: for a workspace of
 * 2,000 mixed schedules spread over 40 publishers (inserted here, as a content plan is), and for
 * the dataset's benchmarked user (its 2,000 schedules all of one publisher: one window over the
 * whole month, the largest answer).
 */
async function conflictsSection(ctx, { benchUser, runs, schedules = 2000 }) {
  const planner = `bench-${ctx.runId}-planner`;
  const rows = mixedRows(schedules, { benchUser: planner, owned: schedules, campaignIds: [], runId: ctx.runId, seed: 7 });
  rows.forEach((r, i) => (r.jobConfig = { ...JOB_CONFIG, publisher_domain: `news${i % PUBLISHERS}.example.com` }));
  await insertSchedules(ctx.pg, rows);
  await ctx.pg.query('ANALYZE scheduled_jobs');
  const app = await startApp(ctx);
  try {
    const from = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
    const to = new Date(from.getTime() + 31 * DAY);
    const cases = [];
    for (const [label, user] of [
      [`${PUBLISHERS} publishers`, planner],
      ['one publisher (the dataset’s user)', benchUser],
    ]) {
      const headers = app.auth(user);
      const url = `${app.base}/api/v1/schedule/conflicts?from=${from.toISOString()}&to=${to.toISOString()}`;
      const once = async () => {
        const t0 = process.hrtime.bigint();
        const res = await fetch(url, { headers });
        const text = await res.text();
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (res.status !== 200) throw new Error(`GET conflicts: ${res.status} ${text.slice(0, 300)}`);
        return { ms, body: JSON.parse(text), bytes: text.length };
      };
      for (let i = 0; i < 2; i++) await once(); // warm-up, discarded
      const otherLoad = await ctx.waitQuiet();
      ctx.log(`    conflicts over a month, ${label}, ${runs} runs …`);
      const times = [];
      let last;
      for (let i = 0; i < runs; i++) {
        last = await once();
        times.push(last.ms);
      }
      const {
        rows: [s],
      } = await ctx.pg.query("SELECT count(*)::int AS c FROM scheduled_jobs WHERE workspace_id = $1 AND status = 'active'", [
        `user:${user}`,
      ]);
      const windows = last.body.conflicts;
      cases.push({
        label,
        schedules: s.c,
        latency: summarize(times),
        rows: windows.length,
        runsInWindows: windows.reduce((a, w) => a + w.count, 0),
        truncated: Boolean(last.body.truncated),
        bytes: last.bytes,
        otherLoad,
      });
    }
    return { days: 31, cases };
  } finally {
    await app.close();
  }
}

module.exports = { importSection, conflictsSection, planCsv };
