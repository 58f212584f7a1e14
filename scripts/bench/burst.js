// Section 2c: the burst (issue #15 item 3). N schedules (100,000 in a full run) due at one
// instant T with 2 of our worker processes: section 2's round (`ourRound`: set-up, drain, lags,
// the exactly-N check) plus the memory it takes: each worker's peak RSS and Redis `used_memory`
// before, at its peak and after the round. Its rows and keys are removed afterwards.
const fs = require('node:fs');
const { ourRound } = require('./fire');
const { truncateAll } = require('./data');
const { sleep, usedMemory } = require('./util');

/** Schedulers created at once in the set-up: 100,000 at section 2's 50 in flight would take minutes. */
const BURST_SYNC_CONCURRENCY = 200;
/** `count(*)` of up to 100,000 Jobs every 25 ms (section 2's poll) would itself load the cores. */
const BURST_POLL_MS = 100;
const REDIS_SAMPLE_MS = 100;
const AFTER_SETTLE_MS = 3000;

/** Peak (VmHWM) and current (VmRSS) resident set of a process, in bytes; NaN where /proc is absent. */
function processMemory(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field) => Number((new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status) || [])[1]) * 1024;
    return { peakRss: kib('VmHWM'), rss: kib('VmRSS') };
  } catch {
    return { peakRss: NaN, rss: NaN };
  }
}

/** Polls Redis `used_memory` every REDIS_SAMPLE_MS until stopped; the first sample is "before". */
function sampleRedisMemory(redis) {
  let running = true;
  let first = NaN;
  let peak = -Infinity;
  let samples = 0;
  const loop = (async () => {
    while (running) {
      const used = await usedMemory(redis);
      if (samples === 0) first = used;
      peak = Math.max(peak, used);
      samples += 1;
      await sleep(REDIS_SAMPLE_MS);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { before: first, peak, samples };
    },
  };
}

/**
 * The burst round. Redis is sampled from just before the schedulers are written (after the
 * rows' insert) until every Job is visible; the workers' VmHWM is read then, before they stop.
 */
async function burstSection(ctx, { n, workers, concurrency }) {
  // Its own connection, so the samples do not queue behind the set-up's commands.
  const redis = ctx.redis.duplicate();
  redis.on('error', (error) => ctx.log(`    burst: Redis sampler connection: ${error.message}`));
  let sampler = null;
  try {
    const round = await ourRound(ctx, {
      n,
      workers,
      concurrency,
      syncConcurrency: BURST_SYNC_CONCURRENCY,
      pollMs: BURST_POLL_MS,
      prepare: async () => {
        // A retried set-up (it overran T) samples again from its own start.
        if (sampler) await sampler.stop();
        sampler = sampleRedisMemory(redis);
      },
      afterDrain: async ({ children }) => ({
        workerMemory: children.map((c) => processMemory(c.pid)),
        redis: await sampler.stop(),
      }),
    });
    // ourRound has deleted the round's keys once its workers stopped; UNLINK frees them in the
    // background, so "after" waits a moment.
    await sleep(AFTER_SETTLE_MS);
    const redisAfter = await usedMemory(redis);
    const complete =
      round.jobsTotal === n &&
      round.losses === 0 &&
      round.duplicates === 0 &&
      round.wrongInstant === 0 &&
      round.runs.materialized === n &&
      round.handedOver === n &&
      round.advanced === n;
    return {
      round,
      complete,
      syncConcurrency: BURST_SYNC_CONCURRENCY,
      pollMs: BURST_POLL_MS,
      redisSampleMs: REDIS_SAMPLE_MS,
      memory: { workers: round.after.workerMemory, redis: { ...round.after.redis, after: redisAfter } },
    };
  } finally {
    if (sampler) await sampler.stop(); // a failed round left it running
    await redis.quit().catch(() => undefined);
    await truncateAll(ctx.pg);
  }
}

module.exports = { burstSection };
