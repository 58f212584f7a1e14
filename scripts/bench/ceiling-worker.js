// The references of the fire-lag benchmark: a bare BullMQ worker whose processor inserts one
// row per job into a scratch table. No row lock, no checks, no run history, no hand-over: what
// BullMQ + PostgreSQL can do at best on this machine with the same concurrency and pool.
// It consumes either the ceiling's plain delayed jobs (they carry `scheduled_for`) or the jobs of
// job schedulers (the instant is in the job id); our repeat strategy is set either way, so a
// scheduler's next job is computed as on our occurrence queue.
// Forked by scripts/bench/fire.js; env: DATABASE_URL, REDIS_URL, QUEUE_PREFIX, CEILING_QUEUE,
// WORKER_CONCURRENCY.
const { Worker } = require('bullmq');
const IORedis = require('ioredis');
const { Pool } = require('pg');
const { occurrenceInstantOf, occurrenceQueueSettings } = require('../../packages/queue/dist');

const concurrency = Number(process.env.WORKER_CONCURRENCY || 50);
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Math.min(20, concurrency + 2) });
const connection = new IORedis(process.env.REDIS_URL, { maxRetriesPerRequest: null });

const worker = new Worker(
  process.env.CEILING_QUEUE || 'ceiling',
  async (job) => {
    const at = job.data.scheduled_for ? new Date(job.data.scheduled_for) : occurrenceInstantOf(job);
    await pool.query('INSERT INTO bench_ceiling (schedule_id, scheduled_for) VALUES ($1, $2)', [job.data.schedule_id, at]);
  },
  { connection, prefix: process.env.QUEUE_PREFIX, concurrency, settings: occurrenceQueueSettings },
);
worker.on('error', (error) => process.send?.({ type: 'error', message: error.message }));
worker.on('failed', (_job, error) => process.send?.({ type: 'failed', message: error.message }));

worker
  .waitUntilReady()
  .then(() => pool.query('SELECT 1'))
  .then(() => process.send?.({ type: 'ready' }))
  .catch((error) => {
    // fire.js sees the exit and fails the round
    console.error(`ceiling worker could not start: ${error.stack || error}`);
    process.exit(1);
  });

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await worker.close().catch(() => undefined);
  await connection.quit().catch(() => undefined);
  await pool.end().catch(() => undefined);
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
