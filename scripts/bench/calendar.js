// Section 3b: the calendar and iCal feeds through the real app (createApp on port 0), one
// request at a time (latency per page, not throughput): the benchmarked user's month (its 2,000
// active mixed schedules among all the dataset's others), first page and every page by cursor,
// and the iCal feed of a workspace of 500 schedules.
const path = require('node:path');
const { startBenchApp } = require('./api');
const { insertSchedules, mixedRows, insertCampaigns } = require('./data');
const { summarize } = require('./util');

const DAY = 86_400_000;

async function timed(url, headers) {
  const t0 = process.hrtime.bigint();
  const res = await fetch(url, { headers });
  const text = await res.text();
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 300)}`);
  return { elapsed, text };
}

/**
 * The section's figures for one build of the API (`apiDist`: a services/api/dist directory,
 * default this checkout's), on the data already in ctx.pg (the benchmarked user's schedules).
 */
async function calendarSection(
  ctx,
  { benchUser, firstPageRuns, fullMonthRuns, feedRuns, feedSchedules, apiDist, feedUser: givenFeedUser },
) {
  const { createApp } = require(path.join(apiDist ?? path.resolve(__dirname, '../../services/api/dist'), 'app'));
  const app = await startBenchApp(ctx, 'calendar', createApp);
  const { base } = app;
  const headers = app.auth(benchUser);

  const from = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
  const to = new Date(from.getTime() + 31 * DAY);
  const month = `${base}/api/v1/calendar?from=${from.toISOString()}&to=${to.toISOString()}&limit=500`;

  // Warm-up (JIT, pool, plans), discarded.
  for (let i = 0; i < 3; i++) await timed(month, headers);
  await ctx.waitQuiet();
  ctx.log('    calendar: first page of the month …');
  const first = [];
  for (let i = 0; i < firstPageRuns; i++) first.push((await timed(month, headers)).elapsed);

  ctx.log('    calendar: every page of the month …');
  const pages = [];
  const totals = [];
  let occurrences = 0;
  let pageCount = 0;
  for (let run = 0; run < fullMonthRuns; run++) {
    let cursor = null;
    let total = 0;
    occurrences = 0;
    pageCount = 0;
    do {
      const { elapsed, text } = await timed(cursor ? `${month}&cursor=${cursor}` : month, headers);
      const body = JSON.parse(text);
      pages.push(elapsed);
      total += elapsed;
      occurrences += body.occurrences.length;
      pageCount += 1;
      cursor = body.next_cursor;
    } while (cursor);
    totals.push(total);
  }

  // The month grid's request: the same month by local day (Paris), 6 a day and each day's count.
  const daysUrl = `${base}/api/v1/calendar/days?from=${from.toISOString()}&to=${to.toISOString()}&timezone=Europe/Paris&per_day=6`;
  // (A build from before GET /calendar/days answers 404: nothing measured for it.)
  const hasDays = (await fetch(daysUrl, { headers }).then((res) => res.text().then(() => res.status))) === 200;
  if (hasDays) ctx.log('    calendar: the month by day …');
  const days = [];
  let dayCount = 0;
  let dayOccurrences = 0;
  for (let i = 0; hasDays && i < Math.max(5, Math.ceil(firstPageRuns / 5)); i++) {
    const { elapsed, text } = await timed(daysUrl, headers);
    days.push(elapsed);
    const body = JSON.parse(text);
    dayCount = body.days.length;
    dayOccurrences = body.days.reduce((sum, d) => sum + d.count, 0);
  }

  ctx.log(`    iCal feed of ${feedSchedules} schedules …`);
  const feedUser = givenFeedUser ?? `bench-${ctx.runId}-feed`;
  if (!givenFeedUser) await insertFeedSchedules(ctx, feedUser, feedSchedules);
  const created = await fetch(`${base}/api/v1/calendar/feeds`, {
    method: 'POST',
    headers: { ...app.auth(feedUser), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench feed' }),
  });
  if (created.status !== 201) throw new Error(`feed create: ${created.status} ${await created.text()}`);
  const feedUrl = `${base}${new URL((await created.json()).url).pathname}`;
  await timed(feedUrl, {});
  await ctx.waitQuiet();
  const feed = [];
  let feedBytes = 0;
  let feedEvents = 0;
  for (let i = 0; i < feedRuns; i++) {
    const { elapsed, text } = await timed(feedUrl, {});
    feed.push(elapsed);
    feedBytes = Buffer.byteLength(text);
    feedEvents = (text.match(/\r\nBEGIN:VEVENT\r\n/g) || []).length;
  }

  await app.close();
  return {
    firstPage: summarize(first),
    page: summarize(pages),
    fullMonth: summarize(totals),
    occurrences,
    pageCount,
    days: hasDays ? summarize(days) : null,
    dayCount,
    dayOccurrences,
    feed: summarize(feed),
    feedBytes,
    feedEvents,
    feedSchedules,
  };
}

/** The feed's workspace: `count` mixed schedules in 5 campaigns. */
async function insertFeedSchedules(ctx, feedUser, count) {
  const campaignIds = await insertCampaigns(ctx.pg, feedUser, 5);
  await insertSchedules(ctx.pg, mixedRows(count, { benchUser: feedUser, owned: count, campaignIds, runId: ctx.runId, seed: 7 }));
  await ctx.pg.query('ANALYZE scheduled_jobs');
}

module.exports = { calendarSection };

// `node scripts/bench/calendar.js [--quick] [--baseline <services/api/dist dir>]`: this section
// alone, at the scale (100,000 schedules in the database, 2,000 of them the benchmarked
// user's; --quick: 10,000), in its own database (CALENDAR_BENCH_DATABASE_URL, default
// scheduler_bench_calendar: created, migrated and dropped at the end). With --baseline, the same
// requests against an older build of the API too, alternating, on the same data in the same
// sitting, and the ratios.
if (require.main === module) {
  void standalone().catch((error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exitCode = 1;
  });
}

async function standalone() {
  const { randomBytes } = require('node:crypto');
  const os = require('node:os');
  const { Client, Pool } = require('pg');
  const { prepareDatabase } = require('../../packages/entities/dist');
  const { truncateAll } = require('./data');
  const { fmt } = require('./util');
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const b = argv.indexOf('--baseline');
  const baseline = b >= 0 ? path.resolve(argv[b + 1]) : null;
  const dbUrl = process.env.CALENDAR_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/scheduler_bench_calendar';
  const name = decodeURIComponent(new URL(dbUrl).pathname.slice(1));
  if (!/bench/.test(name)) throw new Error(`refusing to use database "${name}": name one containing "bench"`);
  const admin = async (sql) => {
    const url = new URL(dbUrl);
    url.pathname = '/postgres';
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const drop = () => admin(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  const log = (m) => process.stderr.write(`[calendar bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const ctx = {
    runId,
    dbUrl,
    redisUrl: process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379',
    jwtSecret: `bench-${randomBytes(16).toString('hex')}`,
    prefixBase: `schedbench-${runId}`,
    prefixes: new Set(),
    cleanups: [],
    log,
    waitQuiet: () => Promise.resolve(),
  };
  const dataset = quick ? 10_000 : 100_000;
  const owned = 2000;
  await drop();
  await prepareDatabase(dbUrl);
  ctx.pg = new Pool({ connectionString: dbUrl, max: 4 });
  try {
    await truncateAll(ctx.pg);
    const benchUser = `bench-${runId}-owner`;
    const campaignIds = await insertCampaigns(ctx.pg, benchUser, 20);
    log(`dataset: ${dataset} schedules, ${owned} the benchmarked user's`);
    await insertSchedules(ctx.pg, mixedRows(dataset, { benchUser, owned, campaignIds, runId }));
    const feedUser = `bench-${runId}-feed`;
    await insertFeedSchedules(ctx, feedUser, 500);
    await ctx.pg.query('ANALYZE');
    const options = {
      benchUser,
      feedUser,
      firstPageRuns: quick ? 20 : 100,
      fullMonthRuns: 1,
      feedRuns: quick ? 5 : 10,
      feedSchedules: 500,
    };
    const builds = baseline
      ? [
          ['baseline', baseline],
          ['this checkout', undefined],
        ]
      : [['this checkout', undefined]];
    const results = {};
    const load = [os.loadavg()[0]];
    // Alternate the builds twice so that a passing load on the machine hits both alike.
    for (let round = 0; round < (baseline ? 2 : 1); round++) {
      for (const [label, apiDist] of builds) {
        log(`${label} (round ${round + 1})`);
        const r = await calendarSection(ctx, { ...options, apiDist });
        const all = (results[label] ??= { firstPage: [], page: [], fullMonth: [], days: [], feed: [], r });
        all.firstPage.push(r.firstPage);
        all.page.push(r.page);
        all.fullMonth.push(r.fullMonth);
        if (r.days) all.days.push(r.days);
        all.feed.push(r.feed);
        load.push(os.loadavg()[0]);
      }
    }
    const best = (list, key) => Math.min(...list.map((s) => s[key]));
    const lines = [`load average during the run: ${load.map((l) => l.toFixed(2)).join(', ')} (2 cores)`];
    for (const [label, v] of Object.entries(results)) {
      lines.push(
        `${label}: ${v.r.occurrences} occurrences in ${v.r.pageCount} pages; by day: ${v.r.dayOccurrences} in ${v.r.dayCount} days; feed ${v.r.feedEvents} events`,
      );
      for (const key of ['firstPage', 'page', 'fullMonth', 'days', 'feed']) {
        if (v[key].length === 0) continue;
        lines.push(`  ${key.padEnd(10)} p50 ${fmt.ms(best(v[key], 'p50'))}  p99 ${fmt.ms(best(v[key], 'p99'))}  (best round)`);
      }
    }
    if (baseline) {
      const a = results.baseline;
      const c = results['this checkout'];
      for (const key of ['firstPage', 'page', 'fullMonth', 'feed']) {
        for (const q of ['p50', 'p99']) {
          lines.push(`  ${key} ${q}: ${(best(a[key], q) / best(c[key], q)).toFixed(1)}x faster`);
        }
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } finally {
    for (const cleanup of ctx.cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    await ctx.pg.end().catch(() => undefined);
    const { createRedis } = require('../../packages/queue/dist');
    const { deleteKeys } = require('./util');
    const redis = createRedis(ctx.redisUrl, 'worker');
    for (const prefix of ctx.prefixes) await deleteKeys(redis, `${prefix}:*`).catch(() => undefined);
    await redis.quit().catch(() => undefined);
    await drop();
  }
}
