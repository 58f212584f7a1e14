// Section 3b: the calendar and iCal feeds through the real app (createApp on port 0), one
// request at a time (latency per page, not throughput): the benchmarked user's month (its 2,000
// active mixed schedules among all the dataset's others), first page and every page by cursor,
// and the iCal feed of a workspace of 500 schedules.
const { loadConfig } = require('../../packages/config/dist');
const { createApp } = require('../../services/api/dist/app');
const { signToken } = require('../../services/api/dist/http/auth');
const { buildDeps } = require('./api');
const { insertSchedules, mixedRows, insertCampaigns } = require('./data');
const { summarize } = require('./util');

const DAY = 86_400_000;

function listen(app) {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
    server.on('error', reject);
  });
}

function closeServer(server) {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

async function timed(url, headers) {
  const t0 = process.hrtime.bigint();
  const res = await fetch(url, { headers });
  const text = await res.text();
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 300)}`);
  return { elapsed, text };
}

async function calendarSection(ctx, { benchUser, firstPageRuns, fullMonthRuns, feedRuns, feedSchedules }) {
  const prefix = `${ctx.prefixBase}-calendar`;
  ctx.prefixes.add(prefix);
  const config = loadConfig({
    DATABASE_URL: ctx.dbUrl,
    REDIS_URL: ctx.redisUrl,
    JWT_SECRET: ctx.jwtSecret,
    QUEUE_PREFIX: prefix,
    RATE_LIMIT_WRITES: '1000000',
    RATE_LIMIT_LISTS: '1000000',
    RATE_LIMIT_READS: '1000000',
    LOG_LEVEL: 'silent',
  });
  const { deps, close: closeDeps } = await buildDeps(config);
  ctx.cleanups.push(closeDeps);
  const server = await listen(createApp(deps));
  ctx.cleanups.push(() => closeServer(server));
  const base = `http://127.0.0.1:${server.address().port}`;
  const headers = { authorization: `Bearer ${signToken(benchUser, config.jwt, 3600)}` };

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

  ctx.log(`    iCal feed of ${feedSchedules} schedules …`);
  const feedUser = `bench-${ctx.runId}-feed`;
  const campaignIds = await insertCampaigns(ctx.pg, feedUser, 5);
  await insertSchedules(
    ctx.pg,
    mixedRows(feedSchedules, { benchUser: feedUser, owned: feedSchedules, campaignIds, runId: ctx.runId, seed: 7 }),
  );
  await ctx.pg.query('ANALYZE scheduled_jobs');
  const created = await fetch(`${base}/api/v1/calendar/feeds`, {
    method: 'POST',
    headers: { authorization: `Bearer ${signToken(feedUser, config.jwt, 3600)}`, 'content-type': 'application/json' },
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

  await closeServer(server);
  await closeDeps();
  return {
    firstPage: summarize(first),
    page: summarize(pages),
    fullMonth: summarize(totals),
    occurrences,
    pageCount,
    feed: summarize(feed),
    feedBytes,
    feedEvents,
    feedSchedules,
  };
}

module.exports = { calendarSection };
