// Small helpers shared by the benchmark sections: statistics, formatting, Redis key clean-up,
// CPU accounting and the machine description.
const fs = require('node:fs');
const os = require('node:os');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: sorted.length,
    mean: sorted.length ? sum / sorted.length : NaN,
    min: sorted.length ? sorted[0] : NaN,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

/** Runs fn over items with at most `concurrency` calls in flight. */
async function runPool(items, concurrency, fn) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
}

/** Deterministic PRNG (mulberry32) so simulated figures are reproducible run to run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deletes every key matching the pattern (SCAN + UNLINK); returns how many went. */
async function deleteKeys(redis, pattern) {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 2000);
    cursor = next;
    if (keys.length) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Sum of MEMORY USAGE over the keys matching the pattern, and their number. */
async function keyMemory(redis, pattern) {
  let cursor = '0';
  let bytes = 0;
  let keys = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 2000);
    cursor = next;
    if (found.length) {
      const pipe = redis.pipeline();
      for (const k of found) pipe.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
      for (const [err, value] of await pipe.exec()) {
        if (!err && value !== null) {
          bytes += Number(value);
          keys += 1;
        }
      }
    }
  } while (cursor !== '0');
  return { bytes, keys };
}

async function usedMemory(redis) {
  const info = await redis.info('memory');
  const match = /^used_memory:(\d+)/m.exec(info);
  return match ? Number(match[1]) : NaN;
}

/** Machine-wide CPU counters (jiffies) from /proc/stat; null where /proc is absent. */
function cpuSnapshot() {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] || 0);
    const total = f.reduce((a, b) => a + b, 0);
    return { idle, total };
  } catch {
    return null;
  }
}

/** Busy share of all cores between two snapshots (0..1). */
function cpuBusy(a, b) {
  if (!a || !b || b.total === a.total) return NaN;
  return 1 - (b.idle - a.idle) / (b.total - a.total);
}

/** CPU seconds (user + system) a process has used so far; NaN when unknown. */
function processCpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds (user + system) the PostgreSQL and Redis servers have used so far: every process
 * named `postgres` / `redis-server` in /proc (the machine's own servers; other tenants' work on
 * them counts too, so read it on a quiet box). NaN where /proc is absent.
 */
function serverCpuSeconds() {
  const totals = { postgres: 0, redis: 0 };
  let entries;
  try {
    entries = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return { postgres: NaN, redis: NaN };
  }
  for (const pid of entries) {
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const kind = comm === 'postgres' ? 'postgres' : comm === 'redis-server' ? 'redis' : null;
    if (!kind) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    totals[kind] += (Number(fields[11]) + Number(fields[12])) / 100;
  }
  return totals;
}

/** The commit the bench ran against, and how many tracked files differed from it. */
function codeVersion() {
  try {
    const { execFileSync } = require('node:child_process');
    const cwd = require('node:path').resolve(__dirname, '../..');
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean).length;
    return dirty ? `${head} + ${dirty} modified file${dirty > 1 ? 's' : ''}` : head;
  } catch {
    return 'unknown';
  }
}

async function machineInfo(pg, redis) {
  const cpus = os.cpus();
  const [{ server_version: pgVersion }] = (await pg.query('SHOW server_version')).rows;
  const serverInfo = await redis.info('server');
  const redisVersion = (/^redis_version:(\S+)/m.exec(serverInfo) || [])[1] || 'unknown';
  return {
    cpu: cpus[0] ? cpus[0].model.trim() : 'unknown',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    postgres: pgVersion,
    redis: redisVersion,
    code: codeVersion(),
  };
}

const num = (v, digits = 0) =>
  Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';
const ms = (v) =>
  Number.isFinite(v) ? (Math.abs(v) >= 10_000 ? `${num(v / 1000, 1)} s` : `${num(v, Math.abs(v) < 10 ? 1 : 0)} ms`) : 'n/a';
const sec = (v, digits = 1) => (Number.isFinite(v) ? `${num(v, digits)} s` : 'n/a');
const bytes = (v) => (Number.isFinite(v) ? (Math.abs(v) >= 1024 * 1024 ? `${num(v / 1024 / 1024, 1)} MiB` : `${num(v, 0)} B`) : 'n/a');
const ratio = (v) => (Number.isFinite(v) ? (v >= 100 ? `${num(v, 0)}×` : v >= 10 ? `${num(v, 1)}×` : `${num(v, 2)}×`) : 'n/a');
const pct = (v) => (Number.isFinite(v) ? `${num(v * 100, 0)} %` : 'n/a');

/** A Markdown table (also readable as plain text on the console). */
/** An HTTP server for `app` on a free port of 127.0.0.1, once it listens. */
function listen(app) {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
    server.on('error', reject);
  });
}

/** Closes a server, its keep-alive connections too. */
function closeServer(server) {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

function mdTable(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c)));
  const widths = headers.map((_, i) => Math.max(3, ...cells.map((r) => (r[i] || '').length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(cells[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}

module.exports = {
  sleep,
  percentile,
  summarize,
  runPool,
  prng,
  deleteKeys,
  keyMemory,
  usedMemory,
  cpuSnapshot,
  cpuBusy,
  processCpuSeconds,
  serverCpuSeconds,
  machineInfo,
  fmt: { num, ms, sec, bytes, ratio, pct },
  mdTable,
  listen,
  closeServer,
};
