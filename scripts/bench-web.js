// `npm run bench:web`: the web app's weight and speed.
//  1. The built bundle (services/web/dist): JavaScript gzip of the first page (what Chromium
//     loads to show the calendar: the entry, its preloads and the calendar route's lazy chunk) and
//     of every chunk.
//  2. Time to first calendar render: the month view with its occurrences painted, for a user with
//     2,000 schedules, in headless Chromium (Debian's /usr/bin/chromium through playwright-core),
//     against the real API (createApp, this checkout's build) on its own database
//     (BENCH_WEB_DATABASE_URL, default scheduler_bench_web: created, migrated, seeded by SQL and
//     dropped by this script). Each load is a new browser context (cold cache, like a first visit);
//     the p50 of LOADS loads after one discarded warm-up.
// Writes docs/BENCHMARKS-web.md and prints it.
/* global window, document, requestAnimationFrame, MutationObserver  -- the functions run in the page */
const { randomBytes } = require('node:crypto');
const { existsSync, readFileSync, readdirSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { gzipSync } = require('node:zlib');
const { Client } = require('pg');
const { chromium } = require('playwright-core');
const { prepareDatabase } = require('../packages/entities/dist');
const { signToken } = require('../services/api/dist/http/auth');
const { benchConfig, buildDeps } = require('./bench/api');
const { closeServer, listen } = require('./bench/util');
const { insertCampaigns, insertSchedules, mixedRows } = require('./bench/data');

const root = path.resolve(__dirname, '..');
const DIST = path.join(root, 'services/web/dist');
const DOC = path.join(root, 'docs/BENCHMARKS-web.md');
const DB_URL = process.env.BENCH_WEB_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/scheduler_bench_web';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCHEDULES = 2000;
const CAMPAIGNS = 12;
const LOADS = Number(process.env.BENCH_WEB_LOADS ?? 7);
/** The aims of issue #14. */
const AIM_FIRST_PAGE_KB = 300;
const AIM_RENDER_MS = 1500;

function log(message) {
  process.stderr.write(`[bench:web ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const databaseName = () => decodeURIComponent(new URL(DB_URL).pathname.slice(1));

async function admin(sql) {
  const url = new URL(DB_URL);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

const quoted = () => `"${databaseName().replace(/"/g, '""')}"`;

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const gzipSize = (file) => gzipSync(readFileSync(file), { level: 9 }).length;

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Every JS chunk of the build with its raw and gzip size. */
function chunks() {
  const dir = path.join(DIST, 'assets');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => ({ file: f, raw: readFileSync(path.join(dir, f)).length, gzip: gzipSize(path.join(dir, f)) }));
}

/**
 * One cold load of the month: navigation start to the first occurrence chip in the DOM and the
 * frame after it painted; the JS files the page fetched; the chips shown.
 */
async function loadMonth(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Paris' });
  const page = await context.newPage();
  const scripts = new Set();
  page.on('response', (response) => {
    const u = new URL(response.url());
    if (u.pathname.startsWith('/app/assets/') && u.pathname.endsWith('.js')) scripts.add(path.basename(u.pathname));
  });
  await page.addInitScript(() => {
    const seen = () => {
      if (window.__chip !== undefined || !document.querySelector('.occurrence')) return false;
      window.__chip = performance.now();
      // The frame after the chips are in the DOM is the one that paints them.
      requestAnimationFrame(() => setTimeout(() => (window.__painted = performance.now()), 0));
      return true;
    };
    new MutationObserver((_, observer) => {
      if (seen()) observer.disconnect();
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(url);
  await page.waitForFunction(() => window.__painted !== undefined, null, { timeout: 60_000, polling: 50 });
  // Every page of the month read and shown: the count says "N occurrences" (no "loading").
  await page.waitForFunction(
    () => {
      const text = document.querySelector('.calendar-page [role="status"]')?.textContent ?? '';
      if (!/^\d+ occurrences?/.test(text) || /loading/i.test(text)) return false;
      window.__complete = performance.now();
      return true;
    },
    null,
    { timeout: 120_000, polling: 50 },
  );
  const result = await page.evaluate(() => ({
    chip: window.__chip,
    painted: window.__painted,
    complete: window.__complete,
    count: document.querySelector('.calendar-page [role="status"]')?.textContent ?? '',
    chips: document.querySelectorAll('.occurrence').length,
  }));
  await context.close();
  return { ...result, scripts: [...scripts] };
}

async function main() {
  if (!/bench/.test(databaseName()))
    throw new Error(`refusing to use "${databaseName()}": this script drops it; name one containing "bench"`);
  if (!existsSync(path.join(DIST, 'index.html'))) throw new Error('services/web/dist is not built: npm run build');
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`);
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const benchUser = `bench-web-${runId}`;
  const cleanups = [];
  try {
    log(`database ${databaseName()}: create and migrate`);
    await admin(`DROP DATABASE IF EXISTS ${quoted()} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${quoted()}`);
    cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${quoted()} WITH (FORCE)`));
    await prepareDatabase(DB_URL);

    log(`seed ${SCHEDULES} schedules of one user (${CAMPAIGNS} campaigns) by SQL`);
    const pg = new Client({ connectionString: DB_URL });
    await pg.connect();
    const campaignIds = await insertCampaigns(pg, benchUser, CAMPAIGNS);
    const seedStart = Date.now();
    await insertSchedules(pg, mixedRows(SCHEDULES, { benchUser, owned: SCHEDULES, campaignIds, runId }));
    const seedMs = Date.now() - seedStart;
    await pg.query('ANALYZE');
    await pg.end();

    const config = benchConfig({
      dbUrl: DB_URL,
      redisUrl: REDIS_URL,
      jwtSecret: `bench-${randomBytes(16).toString('hex')}`,
      prefix: `schedbench-web-${runId}`,
    });
    const { createApp } = require('../services/api/dist/app');
    const { deps, close } = await buildDeps(config);
    cleanups.unshift(close);
    const server = await listen(createApp(deps));
    cleanups.unshift(() => closeServer(server));
    const base = `http://127.0.0.1:${server.address().port}`;
    const token = signToken(benchUser, config.jwt, 3600);
    const now = new Date();
    const month = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
    const url = `${base}/app/calendar/${month}?view=month&token=${token}`;

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    cleanups.unshift(() => browser.close());
    log(`month ${month}: one warm-up load, then ${LOADS} measured`);
    const warm = await loadMonth(browser, url);
    const loads = [];
    for (let i = 0; i < LOADS; i++) loads.push(await loadMonth(browser, url));
    const painted = loads.map((l) => l.painted);
    const chip = loads.map((l) => l.chip);
    const complete = loads.map((l) => l.complete);

    const all = chunks();
    const byName = new Map(all.map((c) => [c.file, c]));
    const first = warm.scripts.map((f) => byName.get(f)).filter(Boolean);
    const firstGzip = first.reduce((s, c) => s + c.gzip, 0);
    const firstRaw = first.reduce((s, c) => s + c.raw, 0);
    const totalGzip = all.reduce((s, c) => s + c.gzip, 0);
    const totalRaw = all.reduce((s, c) => s + c.raw, 0);
    const p50 = percentile(painted, 50);

    const lines = [
      '# Web app benchmark (`npm run bench:web`)',
      '',
      `Generated ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version},`,
      `Chromium at ${CHROMIUM} (headless, playwright-core), the machine shared with other work.`,
      '',
      '## Bundle (services/web/dist, gzip level 9)',
      '',
      '| | JavaScript raw | gzip | aim |',
      '|---|---:|---:|---|',
      `| First page (the calendar: ${first.length} files Chromium fetched) | ${kb(firstRaw)} | **${kb(firstGzip)}** | < ${AIM_FIRST_PAGE_KB} KB ${firstGzip < AIM_FIRST_PAGE_KB * 1024 ? '✓' : '✗'} |`,
      `| Every chunk (${all.length} files) | ${kb(totalRaw)} | ${kb(totalGzip)} | |`,
      '',
      '| Chunk | raw | gzip | on the first page |',
      '|---|---:|---:|---|',
      ...all
        .sort((a, b) => b.gzip - a.gzip)
        .map(
          (c) =>
            `| \`${c.file.replace(/-[\w-]{8}\.js$/, '.js')}\` | ${kb(c.raw)} | ${kb(c.gzip)} | ${warm.scripts.includes(c.file) ? 'yes' : 'no'} |`,
        ),
      '',
      `## Time to first calendar render: ${SCHEDULES} schedules`,
      '',
      `One user with ${SCHEDULES} active schedules (40 % daily, 25 % weekly, 15 % monthly, 20 % cron, six zones,`,
      `${CAMPAIGNS} campaigns; seeded by SQL in ${seedMs} ms), the month view of ${month} at 1280 × 900.`,
      'Measured in the page from navigation start: the first occurrence chip in the DOM, then the frame',
      'that paints it. Each load is a new browser context (no cache: the bundle is fetched each time);',
      `the API runs in this process on 127.0.0.1 (createApp on its own database). ${LOADS} loads after one warm-up.`,
      '',
      '| | p50 | min | max | aim |',
      '|---|---:|---:|---:|---|',
      `| First chip in the DOM | ${percentile(chip, 50).toFixed(0)} ms | ${Math.min(...chip).toFixed(0)} ms | ${Math.max(...chip).toFixed(0)} ms | |`,
      `| Month painted with its occurrences (interactive) | **${p50.toFixed(0)} ms** | ${Math.min(...painted).toFixed(0)} ms | ${Math.max(...painted).toFixed(0)} ms | < ${AIM_RENDER_MS} ms ${p50 < AIM_RENDER_MS ? '✓' : '✗'} |`,
      `| The whole month read and shown (${loads[0].count.trim()}) | ${percentile(complete, 50).toFixed(0)} ms | ${Math.min(...complete).toFixed(0)} ms | ${Math.max(...complete).toFixed(0)} ms | |`,
      '',
      `Chips in the month grid: ${loads[0].chips} (6 a day, then "+N more" with the day's real count).`,
      "The month view asks `GET /api/v1/calendar/days` once (the browser's zone, `per_day=6`: each day's",
      'first 6 occurrences and its count); "+N more" opens that day\'s runs from `GET /api/v1/calendar`.',
      'Week and list views stream `GET /api/v1/calendar` pages (1,000 a page, at most 20). Before',
      '`/calendar/days` (2026-12-01, 5 loads) the month streamed those pages: first page painted in',
      '1,304 ms p50, the whole month (more than 20,000 occurrences, cut at 20,000) in 48,976 ms p50;',
      'before streaming, 33.6 s to the first chip.',
      '',
    ];
    const text = lines.join('\n');
    writeFileSync(DOC, text);
    process.stdout.write(`${text}\n`);
    log(`wrote ${path.relative(root, DOC)}`);
  } finally {
    for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch((e) => log(`cleanup: ${String(e)}`));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
