// Section 3: the real API (createApp, started in this process on port 0, rate limits set very
// high) under autocannon (run in a child process), against a minimal Express + pg route that
// reads the same table with the same query shape.
const path = require('node:path');
const { fork } = require('node:child_process');
const express = require('express');
const { Pool } = require('pg');
const { loadConfig } = require('../../packages/config/dist');
const { createDataSource } = require('../../packages/entities/dist');
const { createContentQueue, createOccurrenceQueue, createRedis } = require('../../packages/queue/dist');
const { createApp } = require('../../services/api/dist/app');
const apiDeps = require('../../services/api/dist/deps');
const { signToken } = require('../../services/api/dist/http/auth');
const { trackChild } = require('./fire');
const { closeServer, listen } = require('./util');

/** One autocannon run in a forked process. */
function load(ctx, opts) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    trackChild(ctx, child, 'autocannon');
    let answered = false;
    child.once('message', (m) => {
      answered = true;
      if (m.ok) resolve(m);
      else reject(new Error(`autocannon failed: ${m.error}`));
    });
    child.exited.then((info) => {
      if (!answered) reject(new Error(`autocannon exited without a result: ${JSON.stringify(info)}`));
    });
    child.send(opts);
  });
}

function optionalRequire(id) {
  try {
    return require(id);
  } catch {
    return null;
  }
}

/**
 * The app's dependencies as services/api/src/main.ts builds them (default pool of 10
 * connections). Where the API logs each request (pino), it logs at `info` as in production but
 * into /dev/null, so that the cost of logging is measured without flooding the console.
 */
async function buildDeps(config) {
  if (typeof apiDeps.createDeps === 'function') {
    const telemetry = optionalRequire('../../packages/telemetry/dist');
    const pino = optionalRequire('pino');
    let logger;
    let logging = 'LOG_LEVEL=silent';
    if (telemetry && pino && typeof telemetry.createLogger === 'function') {
      const destination = pino.destination({ dest: '/dev/null', sync: false });
      logger = telemetry.createLogger('info', 'api', destination);
      logging = 'request logging at info (pino), written to /dev/null';
    }
    const deps = await apiDeps.createDeps(config, { logger });
    return { deps, close: () => deps.close(), logging };
  }
  // Older layout: main.ts assembled the dependencies itself.
  const dataSource = createDataSource(config.databaseUrl, { applicationName: 'content-scheduler-api' });
  await dataSource.initialize();
  const redis = createRedis(config.redisUrl);
  const occurrenceQueue = createOccurrenceQueue({ connection: redis, prefix: config.queuePrefix });
  const contentQueue = createContentQueue({ connection: redis, prefix: config.queuePrefix });
  const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const deps = { config, dataSource, redis, occurrenceQueue, contentQueue, logger, now: () => new Date() };
  const close = async () => {
    await Promise.allSettled([occurrenceQueue.close(), contentQueue.close()]);
    await redis.quit().catch(() => undefined);
    await dataSource.destroy().catch(() => undefined);
  };
  return { deps, close, logging: 'none (no request logging in this build)' };
}

async function preflight(url, init, expectStatus) {
  const res = await fetch(url, init);
  const text = await res.text();
  if (res.status !== expectStatus) throw new Error(`preflight ${init.method || 'GET'} ${url}: ${res.status} ${text.slice(0, 300)}`);
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { total: res.headers.get('x-total-count'), body, bytes: text.length };
}

/**
 * The config of an app the bench runs: the bench's database, Redis and secret, its own queue
 * prefix, rate limits out of the way, silent logs.
 */
function benchConfig({ dbUrl, redisUrl, jwtSecret, prefix }) {
  return loadConfig({
    DATABASE_URL: dbUrl,
    REDIS_URL: redisUrl,
    JWT_SECRET: jwtSecret,
    QUEUE_PREFIX: prefix,
    RATE_LIMIT_WRITES: '1000000',
    RATE_LIMIT_LISTS: '1000000',
    RATE_LIMIT_READS: '1000000',
    LOG_LEVEL: 'silent',
  });
}

/**
 * The real app in this process on a free port, on the queue prefix `<run>-<name>` (registered for
 * clean-up, as are its server and dependencies if the section fails): its `base` URL, `auth(user)`
 * headers with a token of the bench's secret, and `close()`. `make` is another build's `createApp`
 * (the calendar bench's baseline).
 */
async function startBenchApp(ctx, name, make = createApp) {
  const prefix = `${ctx.prefixBase}-${name}`;
  ctx.prefixes.add(prefix);
  const config = benchConfig({ dbUrl: ctx.dbUrl, redisUrl: ctx.redisUrl, jwtSecret: ctx.jwtSecret, prefix });
  const { deps, close: closeDeps, logging } = await buildDeps(config);
  ctx.cleanups.push(closeDeps);
  const server = await listen(make(deps));
  ctx.cleanups.push(() => closeServer(server));
  const base = `http://127.0.0.1:${server.address().port}`;
  const auth = (user) => ({ authorization: `Bearer ${signToken(user, config.jwt, 3600)}` });
  const close = async () => {
    await closeServer(server);
    await closeDeps();
  };
  return { prefix, logging, base, auth, close };
}

async function apiSection(ctx, { benchUser, durationSeconds, connections }) {
  const app = await startBenchApp(ctx, 'api');
  const { logging } = app;

  // The minimal route: Express + pg, no auth, no rate limit, no DTOs, same table and query shape.
  const pool = new Pool({ connectionString: ctx.dbUrl, max: 10 });
  pool.on('error', () => undefined); // an idle client dropped at the end
  const minimal = express();
  minimal.get('/schedules', async (req, res) => {
    const { rows } = await pool.query('SELECT * FROM scheduled_jobs WHERE workspace_id = $1 ORDER BY next_run_at, id LIMIT 50 OFFSET $2', [
      `user:${benchUser}`,
      Number(req.query.offset || 0),
    ]);
    res.json(rows);
  });
  const minimalServer = await listen(minimal);
  ctx.cleanups.push(() => closeServer(minimalServer));

  const { base } = app;
  const minimalBase = `http://127.0.0.1:${minimalServer.address().port}`;
  const headers = { ...app.auth(benchUser), 'content-type': 'application/json' };
  const campaignBody = JSON.stringify({
    name: 'Bench campaign',
    description: 'created by the benchmark',
    color: '#1E88E5',
    tags: ['bench', 'load'],
    target_job_count: 100,
  });

  const cases = [
    {
      key: 'minimal0',
      label: 'minimal Express + pg: user’s schedules by next_run_at, limit 50',
      url: `${minimalBase}/schedules`,
      method: 'GET',
    },
    {
      key: 'upcoming',
      label: 'GET /api/v1/schedule/upcoming?hours=24',
      url: `${base}/api/v1/schedule/upcoming?hours=24`,
      method: 'GET',
      vs: 'minimal0',
    },
    {
      key: 'list',
      label: 'GET /api/v1/schedule?limit=50&offset=1000',
      url: `${base}/api/v1/schedule?limit=50&offset=1000`,
      method: 'GET',
      vs: 'minimal1000',
    },
    { key: 'minimal1000', label: 'minimal Express + pg: same, offset 1000', url: `${minimalBase}/schedules?offset=1000`, method: 'GET' },
    {
      key: 'campaigns',
      label: 'POST /api/v1/campaigns',
      url: `${base}/api/v1/campaigns`,
      method: 'POST',
      body: campaignBody,
      vs: 'minimal0',
      expect: 201,
    },
  ];
  for (const c of cases) {
    const init = { method: c.method, headers: c.key.startsWith('minimal') ? {} : headers, body: c.body };
    c.preflight = await preflight(c.url, init, c.expect || 200);
    c.responseBytes = c.preflight.bytes;
  }
  const results = {};
  for (const c of cases) {
    const opts = {
      url: c.url,
      method: c.method,
      headers: c.key.startsWith('minimal') ? {} : headers,
      body: c.body,
      connections,
    };
    const otherLoad = await ctx.waitQuiet();
    ctx.log(`    ${c.label} …`);
    await load(ctx, { ...opts, duration: Math.min(2, durationSeconds) }); // warm-up, discarded
    const r = await load(ctx, { ...opts, duration: durationSeconds });
    results[c.key] = { ...c, result: r, otherLoad };
  }
  for (const c of Object.values(results)) {
    if (c.vs) c.ratio = c.result.requestsPerSecond / results[c.vs].result.requestsPerSecond;
  }
  const upcomingCount = results.upcoming.preflight.body?.upcoming_count;
  const listTotal = Number(results.list.preflight.total);
  const {
    rows: [created],
  } = await ctx.pg.query('SELECT count(*)::int AS c FROM campaigns WHERE user_id = $1', [benchUser]);

  await closeServer(minimalServer);
  await app.close();
  await pool.end();
  return { results, upcomingCount, listTotal, campaignsAfter: created.c, connections, durationSeconds, logging };
}

module.exports = { apiSection, benchConfig, buildDeps, startBenchApp };
